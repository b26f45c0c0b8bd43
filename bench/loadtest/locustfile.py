"""Simulated MOps Desk users for `make loadtest` (locust, headless, against 127.0.0.1 only).

The mix: requesters browse lists and details and create + submit requests; approvers work
their inbox; MOps and specialists use the board, move their tasks and open the KPI
dashboard. Each request is named by its endpoint group, so the summary reads per group.
A 409 (someone else acted first) is a correct answer under concurrency, not an error.

The server runs with production settings (secure cookies). Over plain HTTP on 127.0.0.1 the
client would not send secure cookies back, so the session and CSRF cookies are sent as a
header by hand.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The smallest file the deliverable check accepts as a PDF (its first bytes are checked).
DELIVERABLE_PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class MopsUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    usernames: tuple[str, ...] = ()

    def on_start(self) -> None:
        self.username = random.choice(self.usernames)
        page = self.client.get("/login/", name="login: page")
        token = CSRF_INPUT.search(page.text)
        cookies = {"csrftoken": page.cookies.get("csrftoken", "")}
        r = self.client.post(
            "/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Cookie": _cookie_header(cookies)},
            allow_redirects=False,
            name="login: sign in",
        )
        cookies.update({k: v for k, v in r.cookies.items() if k in ("csrftoken", "sessionid")})
        self.client.headers.update({"Cookie": _cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"]})

    def api_ids(self, path: str, name: str, **params) -> list[dict]:
        with self.client.get(path, params=params, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return []
            body = r.json()
            return body.get("results", body) if isinstance(body, dict) else body

    def post_action(self, path: str, name: str, payload: dict | None = None, files: dict | None = None) -> None:
        # A file goes as multipart (as the task page sends it), everything else as JSON.
        body = {"data": payload or {}, "files": files} if files else {"json": payload or {}}
        with self.client.post(path, name=name, catch_response=True, **body) as r:
            if r.status_code in (200, 201, 409):
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if v)


class Requester(MopsUser):
    weight = 4
    usernames = ("marketer", "marketer2")

    @task(3)
    def request_list(self) -> None:
        self.client.get("/requests/", name="requests: list page")

    @task(2)
    def request_detail(self) -> None:
        rows = self.api_ids("/api/requests/", "requests: API list")
        if rows:
            self.client.get(f"/requests/{random.choice(rows)['id']}/", name="requests: detail page")

    @task(1)
    def create_and_submit(self) -> None:
        today = dt.date.today()
        launch = today + dt.timedelta(days=random.randint(45, 90))
        payload = {
            "name": f"負荷試験 {random.randint(1, 10**6)}",
            "objective": "新規リード獲得",
            "campaign_type": random.choice(["webinar", "email-nurture", "content"]),
            "business_unit": "tokyo" if self.username == "marketer" else "osaka",
            "launch_date": str(launch),
            "end_date": str(launch + dt.timedelta(days=1)),
            "budget": str(random.randint(3, 20) * 100_000),
            "channels": ["email"],
        }
        with self.client.post("/api/requests/", json=payload, name="requests: create", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            rid = r.json()["id"]
        self.post_action(f"/api/requests/{rid}/submit/", "requests: submit")


class Approver(MopsUser):
    weight = 1
    usernames = ("cmo", "osaka_head")

    @task(2)
    def inbox(self) -> None:
        self.client.get("/requests/inbox/", name="approvals: inbox page")

    @task(3)
    def approve(self) -> None:
        rows = self.api_ids("/api/requests/", "requests: API list", state="submitted")
        mine = [r for r in rows if "approve" in r.get("allowed_actions", [])]
        if mine:
            self.post_action(f"/api/requests/{random.choice(mine)['id']}/approve/", "approvals: approve")

    @task(1)
    def kpis(self) -> None:
        self.client.get("/kpis/", name="kpis: dashboard")


class Operations(MopsUser):
    weight = 2
    usernames = ("mops", "designer", "webdev")

    @task(3)
    def board(self) -> None:
        self.client.get("/tasks/", name="tasks: board")

    @task(1)
    def my_tasks(self) -> None:
        self.client.get("/tasks/mine/", name="tasks: mine page")

    @task(3)
    def move_a_task(self) -> None:
        rows = self.api_ids(
            "/api/tasks/", "tasks: API list", assignee=self.username, state=["todo", "in_progress", "in_review"]
        )
        moves = [
            (t["id"], a)
            for t in rows
            for a in t.get("allowed_actions", [])
            if a in ("start", "submit_review", "complete")
        ]
        if moves:
            task_id, action = random.choice(moves)
            rule = next(t.get("deliverable_rule", "") for t in rows if t["id"] == task_id)
            payload, files = {}, None
            if action in ("complete", "submit_review"):  # the hours spent, as the task page asks
                payload = {"actual_hours": str(random.randint(1, 8))}
            if action == "submit_review" and rule == "link":  # stored, never fetched
                payload.update(link=f"http://127.0.0.1/deliverables/{task_id}", comment="load test")
            elif action == "submit_review" and rule in ("file", "any"):  # the task type asks for a file
                files = {"file": (f"deliverable-{task_id}.pdf", DELIVERABLE_PDF, "application/pdf")}
                payload.update(comment="load test")
            path = f"/api/tasks/{task_id}/{action.replace('_', '-')}/"
            self.post_action(path, "tasks: transition", payload, files)

    @task(1)
    def kpis(self) -> None:
        if self.username == "mops":
            self.client.get("/kpis/", name="kpis: dashboard")

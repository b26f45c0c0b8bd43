"""The whole journey in a real browser (Playwright driving the distribution's Chromium).

marketer submits (and sees the launch feasibility) -> CMO sends back -> marketer resubmits
-> CMO approves -> MOps sees the generated tickets and assigns them -> a specialist pauses,
resumes and completes -> marketer launches -> MOps imports results -> the KPI dashboard
shows the campaign -> the quarterly PDF is generated and downloaded.

Screenshots of every step land in artifacts/e2e/. Skipped, with the reason printed, only
where Chromium cannot be found or installed (`make test` tries to install it).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


class Journey:
    def __init__(self, page, base: str):
        self.page, self.base, self.step = page, base, 0

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.step:02d}-{name}.png"), full_page=True)

    def login(self, username: str) -> None:
        self.page.goto(self.base + "/login/")
        if self.page.locator("form[action$='/logout/']").count():
            self.page.locator("form[action$='/logout/'] button").click()
            self.page.goto(self.base + "/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "demo")
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url(lambda url: "/login/" not in url)

    def act(self, path_suffix: str, comment: str | None = None) -> None:
        form = self.page.locator(f"form[action$='{path_suffix}']").first
        if comment is not None:
            form.locator("textarea[name=comment]").fill(comment)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_whole_journey(browser_page, live_server, settings):
    from campaigns.models import CampaignRequest, CampaignType
    from tasks.models import Task

    settings.AXES_ENABLED = False
    call_command("seed_demo", "--seed", "2")
    j = Journey(browser_page, live_server.url)
    page = browser_page
    webinar = CampaignType.objects.get(slug="webinar")
    launch = timezone.localdate() + dt.timedelta(days=60)

    # 1. The marketer fills in the request form and sees the feasibility panel.
    j.login("marketer")
    page.goto(live_server.url + "/requests/new/")
    page.fill("#id_name", "E2E ウェビナー: 生成AI活用セミナー")
    page.fill("#id_objective", "製造業のIT部門から商談を創出する")
    page.select_option("#id_campaign_type", str(webinar.pk))
    page.fill("#id_launch_date", launch.isoformat())
    page.fill("#id_end_date", launch.isoformat())
    page.fill("#id_budget", "900000")
    page.check("#id_needs_landing_page")
    page.check("#id_needs_email_program")
    page.fill("#id_target_leads", "300")
    page.wait_for_timeout(800)  # the panels load after the type and date change
    j.shot("marketer-request-form")
    page.click("button[name=submit]")
    page.wait_for_url("**/requests/*/")
    req = CampaignRequest.objects.get(name__startswith="E2E")
    assert req.state == "submitted"
    j.shot("marketer-submitted")

    # 2. The CMO sends it back; 3. the marketer resubmits; 4. the CMO approves.
    j.login("cmo")
    page.goto(live_server.url + "/requests/inbox/")
    assert "E2E ウェビナー" in page.content()
    page.goto(f"{live_server.url}/requests/{req.pk}/")
    j.act("/request_changes/", comment="KPIの根拠を追記してください")
    j.shot("cmo-sent-back")
    j.login("marketer")
    page.goto(f"{live_server.url}/requests/{req.pk}/edit/")
    page.fill("#id_target_leads", "350")
    page.click("button[name=save]")
    page.wait_for_url(f"**/requests/{req.pk}/")
    j.act("/resubmit/")
    j.shot("marketer-resubmitted")
    j.login("cmo")
    page.goto(f"{live_server.url}/requests/{req.pk}/")
    assert "350" in page.content()  # the approver sees what changed
    j.act("/approve/")
    j.shot("cmo-approved")
    req.refresh_from_db()
    assert req.state == "in_production"

    # 5. MOps sees the generated tickets and assigns them.
    j.login("mops")
    page.goto(f"{live_server.url}/tasks/campaign/{req.pk}/")
    tasks = list(Task.objects.filter(campaign=req).order_by("position"))
    assert len(tasks) >= 8
    assert tasks[0].key in page.content()
    j.shot("mops-campaign-tickets")
    # the first ticket nobody has yet (templates may auto-assign some)
    first = next((t for t in tasks if t.assignee_id is None), tasks[0])
    page.goto(f"{live_server.url}/tasks/{first.pk}/")
    j.shot("mops-task-detail")
    assign_form = page.locator(f"form[action$='/tasks/{first.pk}/assign/']").first
    suggested = assign_form.locator("button[name=assignee]")
    if suggested.count():
        suggested.first.click()
    else:
        assign_form.locator("select").first.select_option(index=1)
        assign_form.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.assignee is not None
    j.shot("mops-assigned")
    # the other tickets: assigned through the same service the page calls
    from tasks import services as task_services
    from tasks.assignment import suggest_for

    mops = first.assignee.__class__.objects.get(username="mops")
    rest = [t for t in Task.objects.filter(campaign=req, assignee__isnull=True).select_related("task_type")]
    suggestions = suggest_for(rest)
    for t in rest:
        task_services.task_assign(task_id=t.pk, assignee=suggestions.get(t.pk) or mops, by=mops)

    # 6. The specialist pauses, resumes and completes the first ticket.
    j.login(first.assignee.username)
    page.goto(f"{live_server.url}/tasks/mine/")
    assert first.key in page.content()
    page.goto(f"{live_server.url}/tasks/{first.pk}/")
    j.act(f"/tasks/{first.pk}/start/")
    j.act(f"/tasks/{first.pk}/pause/", comment="依頼者の原稿待ち")
    j.shot("specialist-paused")
    j.act(f"/tasks/{first.pk}/resume/")
    rule = first.task_type
    submit = page.locator(f"form[action$='/tasks/{first.pk}/submit_review/']").first
    if rule.deliverable in ("file", "any"):
        pdf = {"name": "brief.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 journey brief"}
        submit.locator("input[name=file]").set_input_files(pdf)
    elif rule.deliverable == "link":
        submit.locator("input[name=link]").fill("http://127.0.0.1/brief")
    if rule.review_by:
        submit.locator("input[name=actual_hours]").fill("6")
    submit.locator("button[type=submit]").click()
    page.wait_for_load_state()
    if rule.review_by:  # four-eyes: someone other than the assignee approves
        j.shot("specialist-submitted")
        j.login(req.requester.username if rule.review_by == "requester" else "mops")
        page.goto(f"{live_server.url}/tasks/{first.pk}/")
        j.act(f"/tasks/{first.pk}/complete/")
    else:
        complete = page.locator(f"form[action$='/tasks/{first.pk}/complete/']").first
        complete.locator("input[name=actual_hours]").fill("6")
        complete.locator("button[type=submit]").click()
        page.wait_for_load_state()
    first.refresh_from_db()
    assert first.state == "done" and first.actual_hours == 6
    j.shot("specialist-completed")
    # the rest of the team finishes their tickets (through the services the pages call)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tasks.deliverables import deliverable_input
    from tasks.models import may_review

    users = first.assignee.__class__.objects

    def _handed_in(task):
        if task.task_type.deliverable == "file":
            return deliverable_input(file=SimpleUploadedFile("work.pdf", b"%PDF-1.4 work", "application/pdf"))
        return deliverable_input(url="http://127.0.0.1/work")

    for t in Task.objects.filter(campaign=req).exclude(pk=first.pk).order_by("position"):
        t.refresh_from_db()
        review = bool(t.task_type.review_by)
        reviewer = next((u for u in users.filter(is_active=True).order_by("pk") if may_review(t, u)), None)
        for action in ("start", "submit_review", "complete"):
            t.refresh_from_db()
            task_services.task_transition(
                task_id=t.pk,
                action=action,
                by=reviewer if (review and action == "complete") else t.assignee,
                comment="",
                actual_hours=t.estimated_hours if action == ("submit_review" if review else "complete") else None,
                deliverable=_handed_in(t) if action == "submit_review" else None,
            )
    req.refresh_from_db()
    assert req.state == "ready_for_launch"

    # 7. The marketer launches.
    j.login("marketer")
    page.goto(f"{live_server.url}/requests/{req.pk}/")
    j.act("/launch/")
    req.refresh_from_db()
    assert req.state == "launched"
    j.shot("marketer-launched")

    # 8. MOps imports the results from a CRM export.
    j.login("mops")
    export = ARTIFACTS / "crm-export.csv"
    export.write_text(
        "キャンペーンID,費用,リード数,MQL,SQL,商談数,受注数,受注額,継続売上\n"
        f"{req.pk},850000,320,110,36,12,4,7200000,6100000\n",
        encoding="utf-8",
    )
    page.goto(live_server.url + "/requests/results/import/")
    page.set_input_files("input[type=file]", str(export))
    page.click("button[name=upload]")
    page.wait_for_load_state()
    j.shot("mops-import-preview")
    page.click("button[name=confirm]")
    page.wait_for_load_state()
    assert req.__class__.objects.get(pk=req.pk).result.leads == 320
    j.shot("mops-imported")

    # 9. The KPI dashboard shows the campaign; 10. the quarterly PDF is generated and downloaded.
    from campaigns.quarters import Quarter

    quarter = Quarter.of(timezone.localdate())
    page.goto(f"{live_server.url}/kpis/?quarter={quarter}")
    assert "E2E ウェビナー" in page.content()
    j.shot("kpi-dashboard")
    page.goto(f"{live_server.url}/kpis/reviews/")
    page.fill("input[name=quarter]", str(quarter))
    page.locator("form[action$='/kpis/reviews/new/'] button[type=submit]").click()
    page.wait_for_load_state()
    link = page.locator("a[href$='/download/']").first
    link.wait_for(timeout=60_000)
    j.shot("kpi-review-ready")
    with page.expect_download() as download_info:
        link.click()
    pdf_path = ARTIFACTS / "quarterly-review.pdf"
    download_info.value.save_as(str(pdf_path))
    assert pdf_path.read_bytes()[:4] == b"%PDF"

"""What an event says: the JSON envelope, the data of requests/tasks, and the Slack rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .events import TEST_EVENT, label_for


def base_url() -> str:
    return (getattr(settings, "MOPS_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def absolute(name: str, *args: Any) -> str:
    try:
        return base_url() + reverse(name, args=args)
    except NoReverseMatch:
        return base_url() + "/"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value.isoformat()


def _name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


def request_data(req, *, event_row=None, by=None) -> dict[str, Any]:
    """A campaign request as webhook/mail data (no budget: webhooks leave the building)."""
    data = {
        "request": {
            "id": req.pk,
            "name": req.name,
            "state": req.state,
            "campaign_type": getattr(req.campaign_type, "slug", None),
            "campaign_type_name": getattr(req.campaign_type, "name", None),
            "business_unit": getattr(req.business_unit, "slug", None),
            "business_unit_name": getattr(req.business_unit, "name", None),
            "requester": req.requester.username if req.requester_id else None,
            "requester_name": _name(req.requester) if req.requester_id else None,
            "launch_date": _iso(req.launch_date),
            "end_date": _iso(req.end_date),
            "approval_round": req.approval_round,
            "url": absolute("campaigns:detail", req.pk),
        },
        "actor": by.username if by is not None else None,
        "actor_name": _name(by) if by is not None else "MOps Desk",
    }
    if event_row is not None:
        data["transition"] = {
            "action": event_row.action,
            "from": event_row.from_state,
            "to": event_row.to_state,
            "at": _iso(event_row.at),
            "comment": event_row.comment,
        }
    return data


def task_data(task, *, by=None, sla_state: str | None = None) -> dict[str, Any]:
    campaign = task.campaign
    return {
        "task": {
            "id": task.pk,
            "key": task.key,
            "title": task.title,
            "state": task.state,
            "sla_state": sla_state or task.sla_state,
            "due_at": _iso(task.due_at),
            "at_risk_at": _iso(task.at_risk_at),
            "assignee": task.assignee.username if task.assignee_id else None,
            "assignee_name": _name(task.assignee) if task.assignee_id else None,
            "url": absolute("tasks:detail", task.pk),
        },
        "request": {
            "id": campaign.pk,
            "name": campaign.name,
            "state": campaign.state,
            "launch_date": _iso(campaign.launch_date),
            "url": absolute("campaigns:detail", campaign.pk),
        },
        "actor": by.username if by is not None else None,
        "actor_name": _name(by) if by is not None else "MOps Desk",
    }


def envelope(event: str, data: dict[str, Any], *, occurred_at: dt.datetime | None = None) -> dict[str, Any]:
    return {"event": event, "occurred_at": _iso(occurred_at or timezone.now()), "source": "mops-desk", "data": data}


# --- Slack ---------------------------------------------------------------------------------


def slack_escape(text: Any) -> str:
    """Slack mrkdwn needs &, < and > escaped (they start links and mentions)."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _summary(env: dict[str, Any], language: str) -> tuple[str, str | None, list[str]]:
    """(headline, link, extra lines) of an event in ``language``."""
    event, data = env["event"], env.get("data", {})
    en = language == "en"
    req, task = data.get("request") or {}, data.get("task") or {}
    label = label_for(event, language)
    if task:
        headline = f"{label}: {task.get('key', '')} {task.get('title', '')}"
        lines = [("Campaign: " if en else "キャンペーン: ") + str(req.get("name", ""))]
        if task.get("assignee_name"):
            lines.append(("Assignee: " if en else "担当: ") + str(task["assignee_name"]))
        if task.get("due_at"):
            lines.append(("Due: " if en else "期限: ") + str(task["due_at"]))
        return headline, task.get("url"), lines
    if req:
        headline = f"{label}: {req.get('name', '')}"
        lines = []
        if req.get("business_unit_name"):
            lines.append(("Unit: " if en else "事業部: ") + str(req["business_unit_name"]))
        if req.get("launch_date"):
            lines.append(("Launch: " if en else "ローンチ: ") + str(req["launch_date"]))
        comment = (data.get("transition") or {}).get("comment")
        if comment:
            lines.append(("Comment: " if en else "コメント: ") + str(comment))
        if data.get("actor_name"):
            lines.append(("By: " if en else "実行者: ") + str(data["actor_name"]))
        return headline, req.get("url"), lines
    if event == TEST_EVENT:
        return label + (": MOps Desk webhook works" if en else ": MOps Desk の Webhook は正常です"), None, []
    review = data.get("review") or {}
    return f"{label}: {review.get('title', '')}".rstrip(": "), review.get("url"), []


def slack_payload(env: dict[str, Any], language: str = "ja") -> dict[str, Any]:
    """A Slack incoming-webhook body: ``text`` (notification fallback) plus Block Kit ``blocks``."""
    headline, link, lines = _summary(env, language)
    title = f"*<{slack_escape(link)}|{slack_escape(headline)}>*" if link else f"*{slack_escape(headline)}*"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": title}}]
    if lines:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(slack_escape(x) for x in lines)}}
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"MOps Desk · `{slack_escape(env['event'])}` · {slack_escape(env.get('occurred_at', ''))}",
                },
            ],
        }
    )
    return {"text": slack_escape(headline), "blocks": blocks}


def body_for(webhook, env: dict[str, Any]) -> dict[str, Any]:
    """The payload for ``webhook``'s format."""
    if webhook.format == "slack":
        return slack_payload(env, webhook.language)
    return env

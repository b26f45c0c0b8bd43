"""All periodic jobs in one place. Each entry: name -> (function path, minutes)."""

from __future__ import annotations

SCHEDULES: dict[str, tuple[str, int]] = {
    # knowledge: stale articles to their owners, contract renewals 60 days ahead (both daily, idempotent)
    "knowledge-stale-articles": ("knowledge.jobs.flag_stale_articles", 24 * 60),
    "knowledge-tool-renewals": ("knowledge.jobs.remind_tool_renewals", 24 * 60),
    # kpis: after each quarter ends, snapshot tool costs and queue its KPI review PDF (daily check, once per quarter)
    "kpis-quarterly-review": ("kpis.jobs.schedule_quarter_review", 24 * 60),
    # kpis: reviews stuck in "running" after their worker died are queued again or failed with a reason
    "kpis-reclaim-stale-reviews": ("kpis.jobs.reclaim_stale_reviews", 5),
    # tasks: open tasks past at_risk_at / due_at -> at_risk / breached (indexed conditional bulk
    # updates; notifies each change once), then mail queued SLA notices inside recipients' hours
    "tasks-sla-sweep": ("tasks.jobs.sweep_sla", 5),
    "tasks-sla-notifications": ("tasks.jobs.send_sla_notifications", 5),
    # tasks: a pause stops the SLA clock for at most 10 business days; then the task resumes
    "tasks-pause-limit": ("tasks.jobs.end_overlong_pauses", 60),
    # tasks: forecasts of tasks waiting for an assignee (clock starts on assignment) count from now
    "tasks-refresh-forecasts": ("tasks.jobs.refresh_forecasts", 60),
    # tasks: the workload page's balance history, week by week: the weekly snapshots replayed from
    # task events ahead of the page (a no-op once this week's are there)
    "tasks-workload-history": ("tasks.jobs.snapshot_workload_history", 60),
    # integrations: webhook retries with back-off (claims due deliveries), SLA at-risk/breach
    # announcements, and the daily digest (hourly check; once per user per local day)
    "integrations-webhook-retries": ("integrations.jobs.retry_webhook_deliveries", 1),
    "integrations-sla-announcements": ("integrations.jobs.announce_sla", 5),
    "integrations-daily-digest": ("integrations.jobs.send_daily_digests", 60),
    # config: the worker heartbeat /health/ reads (a worker is alive and executing jobs)
    "config-worker-heartbeat": ("config.jobs.heartbeat", 1),
}


def ensure_schedules() -> list[str]:
    """Create or update the django-q2 schedules listed in SCHEDULES (safe to run twice)."""
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
        )
    return list(SCHEDULES)

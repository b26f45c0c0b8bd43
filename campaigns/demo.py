"""A year of demo campaign requests in every state, walked through the real services."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import ApprovalRoute, CampaignRequest, CampaignType, Channel, State

CAMPAIGN_TYPES = [
    ("webinar", "ウェビナー", "Webinar"),
    ("trade-show", "展示会", "Trade show"),
    ("email-nurture", "メールナーチャリング", "Email nurture"),
    ("paid-ads", "広告", "Paid ads"),
    ("content", "コンテンツ / ホワイトペーパー", "Content / white paper"),
    ("product-launch", "製品ローンチ", "Product launch"),
]
CHANNELS = [
    ("email", "メール", "Email"),
    ("paid-search", "リスティング広告", "Paid search"),
    ("paid-social", "SNS広告", "Paid social"),
    ("events", "イベント", "Events"),
    ("web", "Webサイト", "Website"),
    ("partner", "パートナー", "Partner"),
]
TOPICS = [
    "DX推進",
    "データ活用",
    "営業生産性",
    "セキュリティ",
    "クラウド移行",
    "カスタマーサクセス",
    "生成AI活用",
    "MA入門",
]
REASONS_CHANGES = [
    "KPIの根拠を追記してください",
    "予算の内訳を明確にしてください",
    "ターゲットをICPに合わせて絞ってください",
]
REASONS_REJECT = ["今四半期の重点テーマと合致しません", "ROIの見込みが低すぎます"]


IN_FLIGHT = [
    "draft",
    "submitted",
    "changes_requested",
    "submitted",
    "approved",
    "draft",
    "submitted",
    "in_production",
    "ready_for_launch",
    # Two campaigns in production for about three weeks, so that a fresh demo has live work at
    # every SLA state (on track, at risk, breached) on the board and the MOps home.
    "in_production",
    "in_production",
]


def seed_reference_data() -> None:
    """Campaign types and channels (idempotent)."""
    for slug, name, name_en in CAMPAIGN_TYPES:
        CampaignType.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})
    for slug, name, name_en in CHANNELS:
        Channel.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})


def _plan(rng: random.Random, launch: dt.date, today: dt.date, end: str | None = None) -> list[str]:
    """The path of actions a demo request takes, plausible for its launch date."""
    if end:
        pass
    elif launch < today - dt.timedelta(days=20):
        end = rng.choice(["closed", "closed", "launched", "rejected", "cancelled"])
    elif launch < today:
        end = rng.choice(["launched", "launched", "ready_for_launch"])
    elif launch < today + dt.timedelta(days=40):
        end = rng.choice(["in_production", "in_production", "approved", "submitted", "changes_requested"])
    else:
        end = rng.choice(["draft", "submitted", "submitted", "changes_requested", "approved", "rejected"])
    path = ["submit"]
    if rng.random() < 0.3 and end not in ("draft", "changes_requested"):
        path += ["request_changes", "resubmit"]
    tail = {
        "draft": [],
        "submitted": [],
        "changes_requested": ["request_changes"],
        "rejected": ["reject"],
        "cancelled": ["approve", "cancel"],
        "approved": ["approve"],
        "in_production": ["approve", "start_production"],
        "ready_for_launch": ["approve", "start_production", "mark_ready"],
        "launched": ["approve", "start_production", "mark_ready", "launch"],
        "closed": ["approve", "start_production", "mark_ready", "launch", "close"],
    }[end]
    return [] if end == "draft" else path + tail


def _current_approver(request_id: int, away: tuple | None = None, at: dt.datetime | None = None):
    """The routed approver of the request's current step; their delegate when ``at`` falls in
    ``away`` (``(delegator, delegate, start, end)``: the CMO's business trip)."""
    request = CampaignRequest.objects.get(pk=request_id)
    route = (
        ApprovalRoute.objects.filter(request=request, round=request.approval_round, step=request.approval_step)
        .select_related("approver")
        .first()
    )
    if away is not None and at is not None:
        delegator, delegate, start, end = away
        if route.approver_id == delegator.pk and start <= timezone.localdate(at) <= end:
            return delegate
    return route.approver


# The CMO's month-long business trip, in days before today: APAC's head decides for them (the
# last full quarter, so its approver figures show decisions taken on the CMO's behalf).
AWAY_DAYS = (110, 80)


def seed_delegation(users: dict, today: dt.date) -> tuple:
    """Backfill the CMO's past delegation to APAC's head, before the decisions it covers are
    simulated; returns ``(delegator, delegate, start, end)``."""
    from governance.services import delegation_create

    cmo, delegate = users["cmo"], users["apac_head"]
    start, end = today - dt.timedelta(days=AWAY_DAYS[0]), today - dt.timedelta(days=AWAY_DAYS[1])
    delegation_create(
        delegator=cmo, delegate=delegate, start=start, end=end, reason="海外長期出張", by=cmo, allow_past=True
    )
    return cmo, delegate, start, end


def seed_requests(*, users: dict, units: dict, seed: int = 1, count: int = 72, halfway=None) -> int:
    """Create ``count`` requests over the past year unless demo requests already exist.

    ``halfway`` (optional) is called half-way through the year, e.g. to change the
    governance model, so the demo shows requests run under more than one model.
    """
    requesters = [users["marketer"], users["marketer2"]]
    if "marketer3" in users:
        requesters.append(users["marketer3"])
    unit_of = {"marketer": units["tokyo"], "marketer2": units["osaka"], "marketer3": units.get("apac")}
    if CampaignRequest.objects.filter(requester__in=requesters).exists():
        return 0
    rng = random.Random(seed)
    types = list(CampaignType.objects.all())
    channels = list(Channel.objects.all())
    now = timezone.now()
    today = timezone.localdate(now)
    actors = {
        "approve": users["cmo"],
        "reject": users["cmo"],
        "request_changes": users["cmo"],
        "start_production": users["mops"],
        "mark_ready": users["mops"],
        "close": users["mops"],
    }
    away = seed_delegation(users, today) if "apac_head" in users else None
    made = 0
    for i in range(count):
        if i == count // 2 and halfway is not None:
            halfway()
        created = now - dt.timedelta(days=365 - i * 365 / count, hours=rng.randint(0, 8))
        created = timezone.localtime(created).replace(hour=rng.randint(9, 17), minute=rng.choice([0, 15, 30, 45]))
        lead_days = rng.randint(30, 100)
        launch = timezone.localdate(created) + dt.timedelta(days=lead_days)
        # The most recent requests are still in flight, one in every open state.
        forced = None
        recent = count - i
        if recent <= len(IN_FLIGHT):
            forced = IN_FLIGHT[recent - 1]
            created = now - dt.timedelta(days=recent * 2 + 10)
            launch = today + dt.timedelta(days=30 + recent * 9)
        requester = requesters[i % len(requesters)]
        if forced == "submitted":
            requester = requesters[0]  # Tokyo has no unit head: these wait in the CMO's inbox
        ctype = types[i % len(types)]
        budget = Decimal(rng.choice([300_000, 500_000, 800_000, 1_200_000, 2_000_000, 3_500_000, 6_000_000]))
        leads = rng.randint(80, 900)
        request = services.request_create(
            by=requester,
            at=created,
            name=f"{ctype.name}: {rng.choice(TOPICS)} {timezone.localdate(created):%Y-%m} #{i + 1}",
            objective=f"{rng.choice(TOPICS)}に関心のある企業から商談を創出する",
            campaign_type=ctype,
            business_unit=unit_of[requester.username],
            launch_date=launch,
            end_date=launch + dt.timedelta(days=rng.choice([0, 1, 14, 30, 60])),
            budget=budget,
            needs_design=True,
            needs_landing_page=ctype.slug in ("webinar", "trade-show", "content", "product-launch"),
            needs_email_program=ctype.slug in ("webinar", "email-nurture", "product-launch", "trade-show"),
            target_leads=leads,
            target_mqls=leads // 3,
            target_sqls=leads // 10,
            target_pipeline=budget * 5,
            target_revenue=budget * 2,
            expected_roi=Decimal(rng.randint(50, 300)),
            target_audience="従業員300名以上の製造業・IT企業の情報システム部門",
            icp_fit=rng.choice(["high", "high", "medium", "low"]),
            channels=rng.sample(channels, k=rng.randint(1, 3)),
        )
        at = created
        for action in _plan(rng, launch, today, forced):
            at = min(at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5)), now)
            if action == "mark_ready":
                # Production takes one to three weeks (the tasks' history is spread over it).
                at = min(at + dt.timedelta(days=rng.randint(4, 14)), now)
            if action == "launch":
                at = max(at, min(now, timezone.make_aware(dt.datetime.combine(launch, dt.time(10)))))
            by = actors.get(action, requester)
            if action in ("approve", "reject", "request_changes"):
                by = _current_approver(request.pk, away, at)
            comment = ""
            if action == "request_changes":
                comment = rng.choice(REASONS_CHANGES)
            elif action == "reject":
                comment = rng.choice(REASONS_REJECT)
            elif action == "cancel":
                comment = "優先度の変更により中止"
            services.request_transition(request_id=request.pk, action=action, by=by, comment=comment, at=at)
            # Two-step approval (hybrid, above the threshold): the CMO approves next.
            while action == "approve" and CampaignRequest.objects.get(pk=request.pk).state == State.SUBMITTED:
                at = min(at + dt.timedelta(days=1), now)
                services.request_transition(
                    request_id=request.pk, action="approve", by=_current_approver(request.pk, away, at), at=at
                )
        made += 1
    return made


# --- outcomes: results and surveys, so every KPI section has data ---------------------------

# campaign type -> (leads range, won revenue per deal range in JPY)
FUNNEL_BY_TYPE = {
    "webinar": ((150, 400), (300_000, 1_200_000)),
    "trade-show": ((200, 600), (500_000, 1_800_000)),
    "email-nurture": ((80, 300), (200_000, 800_000)),
    "paid-ads": ((300, 1200), (150_000, 600_000)),
    "content": ((100, 500), (200_000, 800_000)),
    "product-launch": ((300, 800), (600_000, 2_400_000)),
}
SURVEY_COMMENTS_STRENGTHEN = [
    "依頼フォームのテンプレートを増やしてほしい",
    "進捗がボードで見えるのは助かる",
    "LP制作のリードタイムをもう少し短くしてほしい",
    "効果測定のレポートを月次でほしい",
    "",
]
SURVEY_COMMENTS_UNCLEAR = [
    "承認の流れが事業部ごとに違う理由",
    "展示会の依頼はいつまでに出せばよいか",
    "ガバナンスモデル変更後の担当範囲",
    "",
    "",
]


def seed_results(*, users: dict, seed: int = 1) -> int:
    """Results for every launched campaign without any: a plausible funnel by type and channel,
    retained revenue for about two thirds. Deterministic for a seed (keyed by campaign name)."""
    from .results import result_save

    made = 0
    launched = (
        CampaignRequest.objects.filter(state__in=[State.LAUNCHED, State.CLOSED], result__isnull=True)
        .select_related("campaign_type")
        .prefetch_related("channels")
        .order_by("launched_at", "id")
    )
    for c in launched:
        rng = random.Random(f"{seed}:{c.name}:{c.launch_date}")
        (lo, hi), (deal_lo, deal_hi) = FUNNEL_BY_TYPE.get(c.campaign_type.slug, ((100, 400), (300_000, 1_000_000)))
        paid = any(ch.slug.startswith("paid") for ch in c.channels.all())
        leads = int(rng.randint(lo, hi) * (1.3 if paid else 1.0))
        mqls = int(leads * rng.uniform(0.15, 0.45))
        sqls = int(mqls * rng.uniform(0.2, 0.5))
        opportunities = int(sqls * rng.uniform(0.4, 0.8))
        won = int(opportunities * rng.uniform(0.15, 0.5))
        revenue = Decimal(won * rng.randint(deal_lo // 10_000, deal_hi // 10_000) * 10_000)
        spend = (Decimal(c.budget or 0) * Decimal(str(round(rng.uniform(0.7, 1.05), 2)))).quantize(Decimal(1))
        retained = (
            (revenue * Decimal(str(round(rng.uniform(0.5, 0.95), 2)))).quantize(Decimal(1))
            if rng.random() < 0.67
            else None
        )
        result_save(
            request_id=c.pk,
            by=users["mops"],
            source="demo",
            actual_spend=spend,
            leads=leads,
            mqls=mqls,
            sqls=sqls,
            opportunities=opportunities,
            won_deals=won,
            won_revenue=revenue,
            retained_revenue_12m=retained,
        )
        made += 1
    return made


def seed_surveys(*, users: dict, seed: int = 1, today: dt.date | None = None) -> int:
    """Anonymous survey answers with comments for the current quarter and the two before it."""
    from .models import Survey, SurveyResponse
    from .quarters import Quarter

    today = today or timezone.localdate()
    respondents = [users[u] for u in ("marketer", "marketer2", "marketer3", "cmo", "osaka_head", "apac_head")]
    quarter = Quarter.of(today)
    quarters = [quarter.previous().previous(), quarter.previous(), quarter]
    made = 0
    for age, q in enumerate(quarters):
        survey, _ = Survey.objects.get_or_create(quarter=str(q), defaults={"anonymous": True})
        for i, user in enumerate(respondents):
            if SurveyResponse.objects.filter(survey=survey, respondent=user).exists():
                continue
            rng = random.Random(f"{seed}:{q}:{user.username}")
            lift = age * 0.3  # the process improves a little each quarter

            def score(base: float, rng=rng, lift=lift) -> int:
                return max(1, min(5, round(base + lift + rng.uniform(-1.0, 1.0))))

            SurveyResponse.objects.create(
                survey=survey,
                respondent=user,
                q_speed=score(3.0),
                q_quality=score(3.8),
                q_communication=score(3.4),
                q_process=score(2.9),
                q_overall=score(3.4),
                strengthen=SURVEY_COMMENTS_STRENGTHEN[(i + age) % len(SURVEY_COMMENTS_STRENGTHEN)],
                unclear=SURVEY_COMMENTS_UNCLEAR[(i + 2 * age) % len(SURVEY_COMMENTS_UNCLEAR)],
            )
            made += 1
    return made

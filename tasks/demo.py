"""Demo task types, templates, people and a realistic task history for the demo campaigns.

Idempotent: reference data is get-or-created (admin edits survive), and history is only
back-filled for campaigns that have no tasks yet. History goes through the real services
with past timestamps, so the audit log and the KPIs built on it are consistent.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaigns.models import CampaignRequest, CampaignType, RequestEvent
from campaigns.models import State as CampaignState
from governance import policy, roles

from . import services
from .anchors import Anchor
from .generation import tasks_generate
from .models import (
    Condition,
    Person,
    Task,
    TaskDependency,
    TaskKind,
    TaskTemplate,
    TaskType,
    TemplateDependency,
    TemplateEntry,
    TimeOff,
    WorkRole,
)

# slug, name, name_en, hourly rate (JPY)
WORK_ROLES = [
    ("mops", "MOps運用", "Marketing operations", 8000),
    ("design", "デザイン", "Design", 6500),
    ("web", "Web制作", "Web development", 7000),
    ("email", "メール/MA", "Email / marketing automation", 6000),
    ("data", "データ/計測", "Data and tracking", 7500),
    ("content", "コンテンツ", "Content", 5500),
    ("ads", "広告運用", "Paid media", 7000),
]

O, B, C = TaskKind.OPERATIONS, TaskKind.BRAND, TaskKind.CONTENT  # noqa: E741 (one-letter columns of the table below)
# slug, name, name_en, role, kind, hours, lead time (business days)
TASK_TYPES = [
    ("brief", "企画書", "Campaign brief", "content", C, 6, 3),
    ("lp", "LP制作", "Landing page", "web", O, 12, 5),
    ("form", "申込フォーム", "Registration form", "web", O, 4, 3),
    ("email", "メール作成", "Email build", "email", C, 6, 3),
    ("design", "デザイン素材", "Design assets", "design", B, 10, 5),
    ("tracking", "UTM/計測設定", "UTM / tracking setup", "data", O, 2, 2),
    ("crm", "CRMキャンペーン設定", "CRM campaign setup", "mops", O, 3, 2),
    ("list", "リスト抽出", "List pull", "data", O, 3, 2),
    ("qa", "QA", "QA", "mops", O, 3, 2),
    ("nurture", "開催後ナーチャリング", "Post-event nurture", "email", C, 6, 3),
    ("booth", "ブース・備品手配", "Booth and logistics", "mops", O, 8, 10),
    ("ad-creative", "広告クリエイティブ", "Ad creatives", "design", B, 8, 5),
    ("ad-setup", "広告キャンペーン設定", "Ad campaign setup", "ads", O, 6, 3),
    ("whitepaper", "ホワイトペーパー執筆", "White paper writing", "content", C, 24, 10),
    ("press", "プレスリリース", "Press release", "content", C, 6, 5),
    ("sales-kit", "営業向け資料", "Sales enablement kit", "content", C, 8, 5),
    ("report", "効果測定レポート", "Results report", "data", O, 4, 3),
    # Added to every hybrid-governed campaign whose template has no brand task (tasks.generation).
    ("brand-review", "ブランドレビュー", "Brand review", "design", B, 2, 2),
]

A, LP, EM, DS = Condition.ALWAYS, Condition.NEEDS_LANDING_PAGE, Condition.NEEDS_EMAIL_PROGRAM, Condition.NEEDS_DESIGN
# campaign type -> [(task type, condition, [predecessor task types])]
TEMPLATES = {
    "webinar": [
        ("brief", A, []),
        ("design", DS, ["brief"]),
        ("lp", LP, ["brief", "design"]),
        ("form", A, ["brief"]),
        ("tracking", A, ["lp", "form"]),
        ("crm", A, ["brief"]),
        ("list", A, ["crm"]),
        ("email", EM, ["brief", "list"]),
        ("qa", A, ["lp", "form", "email", "tracking"]),
        ("nurture", EM, ["qa"]),
    ],
    "trade-show": [
        ("brief", A, []),
        ("booth", A, ["brief"]),
        ("design", DS, ["brief"]),
        ("lp", LP, ["brief", "design"]),
        ("form", A, ["brief"]),
        ("crm", A, ["brief"]),
        ("list", A, ["crm"]),
        ("email", EM, ["list", "design"]),
        ("tracking", A, ["lp", "form"]),
        ("qa", A, ["lp", "form", "email", "tracking", "booth"]),
        ("nurture", EM, ["qa"]),
        ("report", A, ["nurture"]),
    ],
    "email-nurture": [
        ("brief", A, []),
        ("list", A, ["brief"]),
        ("design", DS, ["brief"]),
        ("email", A, ["brief", "design"]),
        ("crm", A, ["list"]),
        ("tracking", A, ["email"]),
        ("qa", A, ["email", "crm", "tracking"]),
        ("report", A, ["qa"]),
    ],
    "paid-ads": [
        ("brief", A, []),
        ("ad-creative", DS, ["brief"]),
        ("lp", LP, ["brief"]),
        ("tracking", A, ["lp"]),
        ("ad-setup", A, ["ad-creative", "tracking"]),
        ("qa", A, ["ad-setup", "lp"]),
        ("report", A, ["qa"]),
    ],
    "content": [
        ("brief", A, []),
        ("whitepaper", A, ["brief"]),
        ("design", DS, ["whitepaper"]),
        ("lp", LP, ["brief"]),
        ("form", A, ["lp"]),
        ("tracking", A, ["lp", "form"]),
        ("email", EM, ["whitepaper"]),
        ("qa", A, ["design", "lp", "form", "tracking", "email"]),
    ],
    "product-launch": [
        ("brief", A, []),
        ("press", A, ["brief"]),
        ("design", DS, ["brief"]),
        ("lp", LP, ["brief", "design"]),
        ("form", A, ["lp"]),
        ("email", EM, ["brief", "design"]),
        ("ad-setup", A, ["design", "lp"]),
        ("sales-kit", A, ["brief"]),
        ("crm", A, ["brief"]),
        ("tracking", A, ["lp", "form", "ad-setup"]),
        ("qa", A, ["press", "lp", "form", "email", "ad-setup", "tracking"]),
        ("report", A, ["qa"]),
    ],
}

# (campaign type, task type) -> (anchor, offset in business days); every other entry is before the launch.
# Post-event follow-up starts the working day after the event; results reports follow the end date.
ANCHORS = {
    ("webinar", "nurture"): (Anchor.AFTER_LAUNCH, 1),
    ("trade-show", "nurture"): (Anchor.AFTER_END, 1),
    ("trade-show", "report"): (Anchor.AFTER_END, 5),
    ("email-nurture", "report"): (Anchor.AFTER_END, 2),
    ("paid-ads", "report"): (Anchor.AFTER_END, 2),
    ("product-launch", "report"): (Anchor.AFTER_LAUNCH, 10),
}

# username -> (last, first, work roles, weekly hours); the first three exist in governance.demo
PEOPLE = {
    "mops": ("鈴木", "美咲", ["mops", "email", "data", "ads"], 30),
    "designer": ("田中", "翔", ["design"], 40),
    "webdev": ("伊藤", "大輔", ["web", "data"], 40),
    "writer": ("小林", "愛", ["content", "email"], 32),
    "analyst": ("加藤", "拓也", ["data", "ads", "mops"], 40),
}
EXTRA_SPECIALISTS = ("writer", "analyst")
WAIT_REASONS = ["依頼者の原稿待ち", "ロゴ素材の承認待ち", "登壇者情報の確定待ち", "法務確認待ち"]
HISTORY_STATES = [
    CampaignState.IN_PRODUCTION,
    CampaignState.READY_FOR_LAUNCH,
    CampaignState.LAUNCHED,
    CampaignState.CLOSED,
]


def seed_reference_data() -> None:
    """Work roles, task types and one template per demo campaign type (idempotent)."""
    role_objs = {}
    for slug, name, name_en, rate in WORK_ROLES:
        role_objs[slug], _ = WorkRole.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "hourly_rate": Decimal(rate)}
        )
    types = {}
    for slug, name, name_en, role, kind, hours, days in TASK_TYPES:
        types[slug], _ = TaskType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_en": name_en,
                "role": role_objs[role],
                "kind": kind,
                "default_estimated_hours": Decimal(hours),
                "lead_time_days": days,
            },
        )
    for ct_slug, spec in TEMPLATES.items():
        ctype = CampaignType.objects.filter(slug=ct_slug).first()
        if ctype is None or TaskTemplate.objects.filter(campaign_type=ctype, unit__isnull=True).exists():
            continue
        template = TaskTemplate.objects.create(campaign_type=ctype, name=f"{ctype.name} 標準 / standard")
        entries = {}
        for i, (tt, cond, _) in enumerate(spec):
            anchor, offset = ANCHORS.get((ct_slug, tt), (Anchor.BEFORE_LAUNCH, 0))
            entries[tt] = TemplateEntry.objects.create(
                template=template,
                task_type=types[tt],
                order=(i + 1) * 10,
                condition=cond,
                anchor=anchor,
                offset_days=offset,
                auto_assign_suggested=tt in ("tracking", "list"),
            )
        TemplateDependency.objects.bulk_create(
            [TemplateDependency(entry=entries[tt], predecessor=entries[p]) for tt, _, preds in spec for p in preds]
        )


def seed_people(units: dict) -> dict:
    """Work profiles (roles, capacity) for the demo team, plus two more specialists."""
    from governance.models import Membership

    User = get_user_model()
    specialist = Group.objects.get(name=roles.SPECIALIST)
    role_objs = {r.slug: r for r in WorkRole.objects.all()}
    people = {}
    for username, (last, first, role_slugs, weekly) in PEOPLE.items():
        user = User.objects.filter(username=username).first()
        if user is None and username in EXTRA_SPECIALISTS:
            user = User.objects.create_user(
                username=username, password="demo", email=f"{username}@example.com", last_name=last, first_name=first
            )
            user.groups.add(specialist)
            Membership.objects.get_or_create(user=user, unit=units["tokyo"])
        if user is None:
            continue
        person, created = Person.objects.get_or_create(user=user, defaults={"weekly_hours": Decimal(weekly)})
        if created:
            person.roles.set([role_objs[s] for s in role_slugs])
        people[username] = user
    today = timezone.localdate()
    if "designer" in people and not TimeOff.objects.filter(user=people["designer"]).exists():
        monday = today + dt.timedelta(days=7 - today.weekday())
        TimeOff.objects.create(
            user=people["designer"], start=monday, end=monday + dt.timedelta(days=1), note="有給休暇"
        )
    return people


def _event_at(request_id: int, action: str) -> dt.datetime | None:
    return (
        RequestEvent.objects.filter(request_id=request_id, action=action)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def _assignee(task: Task, people: dict, rng: random.Random):
    unit_id = services.executing_unit_id(task)  # governance: the unit's people or the central team
    candidates = [
        u
        for u in people.values()
        if task.task_type.role_id in _roles_of(u) and policy.may_execute(u, executing_unit_id=unit_id)
    ]
    return rng.choice(candidates) if candidates else people.get("mops")


_ROLE_CACHE: dict[int, set[int]] = {}


def _roles_of(user) -> set[int]:
    if user.pk not in _ROLE_CACHE:
        _ROLE_CACHE[user.pk] = set(Person.objects.filter(user=user).values_list("roles", flat=True))
    return _ROLE_CACHE[user.pk]


def _walk(
    task: Task, actor, t: dt.datetime, end: dt.datetime, rng: random.Random, *, finish: bool, reopen: bool = False
) -> None:
    """Move a task through start (-> waiting -> resume) -> review -> done between t and end
    (with ``reopen``: done, reopened for a fix, done again)."""
    span = max(end - t, dt.timedelta(minutes=10))
    step = span / 5
    kw = {"by": actor, "backfill": True}
    services.task_transition(task_id=task.pk, action="start", at=t, **kw)
    if rng.random() < 0.18:
        services.task_transition(task_id=task.pk, action="pause", comment=rng.choice(WAIT_REASONS), at=t + step, **kw)
        services.task_transition(task_id=task.pk, action="resume", at=t + step * 2, **kw)
    if not finish:
        return
    hours = (task.estimated_hours * Decimal(str(round(rng.uniform(0.7, 1.5), 2)))).quantize(Decimal("0.5"))
    if reopen:
        services.task_transition(task_id=task.pk, action="submit_review", at=t + step * 2.5, **kw)
        services.task_transition(
            task_id=task.pk,
            action="complete",
            actual_hours=hours,
            at=t + step * 3,
            **({**kw, "by": None} if task.task_type.review_by else kw),
        )
        services.task_transition(
            task_id=task.pk, action="reopen", comment=rng.choice(REOPEN_REASONS), at=t + step * 3.3, **kw
        )
    services.task_transition(task_id=task.pk, action="submit_review", at=t + step * 3.6, **kw)
    # Under a four-eyes rule the assignee may not approve: the history's approval is the system's.
    approve_kw = {**kw, "by": None} if task.task_type.review_by else kw
    services.task_transition(task_id=task.pk, action="complete", actual_hours=hours, at=t + step * 4, **approve_kw)


REOPEN_REASONS = ["誤字の修正", "リンク切れの修正", "ブランドガイドラインに合わせて修正"]
# Share of history tasks that run late (when that fits before their successors start) or are reopened.
LATE_SHARE = 0.22
REOPEN_SHARE = 0.06


def seed_history(*, users: dict, seed: int = 1) -> int:
    """Tasks with a realistic history for demo campaigns in production or later (idempotent)."""
    rng = random.Random(seed)
    mops = users["mops"]
    people = {u: users[u] for u in PEOPLE if u in users}
    now = timezone.now()
    campaigns = (
        CampaignRequest.objects.filter(state__in=HISTORY_STATES, tasks__isnull=True)
        .filter(campaign_type_id__in=TaskTemplate.objects.filter(unit__isnull=True).values("campaign_type_id"))
        .order_by("created_at", "id")
    )
    made = 0
    for campaign in campaigns:
        t0 = _event_at(campaign.pk, "start_production") or now
        t1 = _event_at(campaign.pk, "mark_ready")
        finish_all = campaign.state != CampaignState.IN_PRODUCTION
        end = t1 if (finish_all and t1) else now
        tasks = sorted(
            tasks_generate(request_id=campaign.pk, by=mops, at=t0, backfill=True, notify=False),
            key=lambda t: (t.due_at, t.position),
        )
        made += len(tasks)
        for task in tasks:
            task.refresh_from_db(fields=["assignee"])
            if task.assignee_id is None:
                services.task_assign(
                    task_id=task.pk,
                    assignee=_assignee(task, people, rng),
                    by=mops,
                    at=t0 + dt.timedelta(minutes=30),
                    notify=False,
                )
        n = len(tasks)
        # In-production campaigns: roughly half done, one in progress (maybe waiting), the rest to do.
        done_count = n if finish_all else rng.randint(max(1, n // 3), max(1, n * 2 // 3))
        span = max(end - t0, dt.timedelta(hours=2))
        windows = [
            (t0 + span * i / (n + 1) + dt.timedelta(hours=1), t0 + span * (i + 1) / (n + 1) + dt.timedelta(hours=1))
            for i in range(n)
        ]
        position = {t.pk: i for i, t in enumerate(tasks)}
        successors = dict.fromkeys(position, ())
        for pred, succ in TaskDependency.objects.filter(task__campaign=campaign).values_list(
            "predecessor_id", "task_id"
        ):
            successors[pred] = (*successors[pred], succ)
        for i, task in enumerate(tasks):
            start, stop = windows[i]
            task.refresh_from_db(fields=["assignee", "due_at", "sla_start_at"])
            actor = task.assignee
            if i < done_count and finish_all and rng.random() < LATE_SHARE and task.due_at:
                # Late: finish after the due date, if that is still before any successor starts
                # (and before the campaign was ready), so the history stays consistent.
                late = max(task.due_at, start) + dt.timedelta(hours=rng.randint(2, 30))
                limit = min([windows[position[s]][0] for s in successors[task.pk]] + [end, now])
                if late < limit:
                    stop = late
            if i < done_count:
                reopen = campaign.state != CampaignState.READY_FOR_LAUNCH and rng.random() < REOPEN_SHARE
                _walk(task, actor, min(start, now), min(stop, now), rng, finish=True, reopen=reopen)
            elif i == done_count and not finish_all:
                _walk(task, actor, min(start, now), min(stop, now), rng, finish=False)
                if rng.random() < 0.5:
                    services.task_transition(
                        task_id=task.pk,
                        action="pause",
                        by=actor,
                        backfill=True,
                        comment=rng.choice(WAIT_REASONS),
                        at=min(stop, now),
                    )
    from .jobs import sweep_sla

    if made:
        # Replay the sweep once a working morning over the last three weeks, so the open tasks
        # that are late now went on track -> at risk -> breached on the days it happened (their
        # history shows it). Only on the run that made the history: a sweep at a past instant
        # moves later states back.
        day = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
        for back in range(HISTORY_SWEEP_DAYS, 0, -1):
            at = day - dt.timedelta(days=back)
            if at.weekday() < 5:
                sweep_sla(at, notify=False)
    sweep_sla(now, notify=False)  # history: no mail for old deadlines
    return made


HISTORY_SWEEP_DAYS = 21


# Demo four-eyes rules: the brief is reviewed by the requester (a file or a link), design assets
# by MOps (a file). slug -> (review_by, deliverable)
REVIEW_RULES = {"brief": ("requester", "any"), "design": ("MOps", "file")}


def seed_review_rules() -> None:
    """Give the demo's brief and design task types a reviewer and a required deliverable."""
    for slug, (review_by, deliverable) in REVIEW_RULES.items():
        TaskType.objects.filter(slug=slug).update(review_by=review_by, deliverable=deliverable)


def seed(*, users: dict, units: dict, seed: int = 1) -> int:
    seed_reference_data()
    seed_review_rules()
    people = seed_people(units)
    return seed_history(users={**users, **people}, seed=seed)

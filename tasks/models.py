"""Tickets: task types, templates per campaign type, tasks with their FSM, audit log, capacity."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from audit.fsm import ConcurrentStateMixin
from audit.models import AppendOnlyModel, AuditEvent
from campaigns.models import CampaignRequest, CampaignType, ThreadComment
from governance import policy
from governance.names import localized_name, person_name
from sla.models import SLAPolicy, WorkingCalendar

from .anchors import Anchor, anchor_order_error
from .dag import find_cycle, format_cycle

NON_NEGATIVE = [MinValueValidator(0)]


class TaskKind(models.TextChoices):
    """Who executes a task type under hybrid governance (central ops/brand, local content)."""

    OPERATIONS = "operations", _("Operations")
    BRAND = "brand", _("Brand")
    CONTENT = "content", _("Content")


class WorkRole(models.Model):
    """A skill / role that does tasks (design, web, email ...) and its hourly rate in JPY."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)
    hourly_rate = models.DecimalField(
        _("Hourly rate (JPY)"), max_digits=10, decimal_places=0, default=Decimal(0), validators=NON_NEGATIVE
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Work role")
        verbose_name_plural = _("Work roles")

    def __str__(self) -> str:
        return localized_name(self.name, self.name_en)


class DeliverableRule(models.TextChoices):
    """What "submit for review" requires of a task type's tasks."""

    NONE = "", _("Nothing")
    FILE = "file", _("A file")
    LINK = "link", _("A link")
    ANY = "any", _("A file or a link")


class ReviewBy(models.TextChoices):
    """Who reviews a task type's work (four-eyes: never the assignee). Blank: no separate review."""

    NONE = "", _("No separate review (the assignee completes)")
    REQUESTER = "requester", _("The campaign's requester")
    MOPS = "MOps", "MOps"
    APPROVER = "Approver", _("Approvers")
    SPECIALIST = "Specialist", _("Specialists")


class TaskType(models.Model):
    """A kind of task with its role, default estimate and standard lead time (SLA)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)
    role = models.ForeignKey(WorkRole, on_delete=models.PROTECT, related_name="task_types", verbose_name=_("Role"))
    kind = models.CharField(_("Kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.OPERATIONS)
    default_estimated_hours = models.DecimalField(
        _("Default estimate (h)"), max_digits=6, decimal_places=1, default=Decimal(4), validators=NON_NEGATIVE
    )
    lead_time_days = models.PositiveIntegerField(
        _("Lead time (business days)"), default=3, help_text=_("Used when no SLA policy is set")
    )
    sla_policy = models.ForeignKey(
        SLAPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="task_types",
        verbose_name=_("SLA policy"),
        help_text=_("Blank: the lead time on the standard calendar"),
    )
    description = models.TextField(blank=True)
    deliverable = models.CharField(
        _("Deliverable on submit for review"),
        max_length=10,
        choices=DeliverableRule.choices,
        default=DeliverableRule.NONE,
        blank=True,
    )
    review_by = models.CharField(
        _("Reviewed by"),
        max_length=20,
        choices=ReviewBy.choices,
        default=ReviewBy.NONE,
        blank=True,
        help_text=_("Who approves or returns the work; never the assignee (four-eyes review)."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Task type")
        verbose_name_plural = _("Task types")

    def __str__(self) -> str:
        return localized_name(self.name, self.name_en)

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        # Remembered so a post_save listener can tell whether the SLA rule changed.
        obj._loaded_sla = (obj.__dict__.get("sla_policy_id"), obj.__dict__.get("lead_time_days"))
        return obj


class Condition(models.TextChoices):
    ALWAYS = "always", _("Always")
    NEEDS_LANDING_PAGE = "needs_landing_page", _("If a landing page is needed")
    NEEDS_EMAIL_PROGRAM = "needs_email_program", _("If an email program is needed")
    NEEDS_DESIGN = "needs_design", _("If design is needed")


class TaskTemplate(models.Model):
    """The tasks a campaign type breaks into."""

    campaign_type = models.ForeignKey(
        CampaignType, on_delete=models.PROTECT, related_name="task_templates", verbose_name=_("Campaign type")
    )
    unit = models.ForeignKey(
        "governance.BusinessUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task_templates",
        verbose_name=_("Business unit"),
        help_text=_(
            "Blank: the central template. A unit's template replaces the central one "
            "under decentralised governance and adds to it under hybrid governance."
        ),
    )
    name = models.CharField(_("Name"), max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign_type__slug", "unit__slug"]
        verbose_name = _("Task template")
        verbose_name_plural = _("Task templates")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_type"],
                condition=models.Q(unit__isnull=True),
                name="task_template_one_central_per_type",
                violation_error_message=_("This campaign type already has a central template."),
            ),
            models.UniqueConstraint(
                fields=["campaign_type", "unit"],
                condition=models.Q(unit__isnull=False),
                name="task_template_one_per_type_and_unit",
                violation_error_message=_("This campaign type already has a template for this unit."),
            ),
        ]

    def __str__(self) -> str:
        name = self.name or str(self.campaign_type)
        return f"{name} ({self.unit})" if self.unit_id else name

    def clean(self) -> None:
        if self.pk:
            edges = TemplateDependency.objects.filter(entry__template=self).values_list("predecessor_id", "entry_id")
            cycle = find_cycle(edges)
            if cycle:
                names = dict(self.entries.values_list("pk", "task_type__name"))
                raise ValidationError(format_cycle(cycle, names))


class TemplateEntry(models.Model):
    """One task of a template, with its condition on the request and its predecessors."""

    template = models.ForeignKey(TaskTemplate, on_delete=models.CASCADE, related_name="entries")
    task_type = models.ForeignKey(
        TaskType, on_delete=models.PROTECT, related_name="template_entries", verbose_name=_("Task type")
    )
    title = models.CharField(_("Title"), max_length=200, blank=True, help_text=_("Task type name when blank"))
    order = models.PositiveIntegerField(_("Order"), default=0)
    condition = models.CharField(_("Condition"), max_length=30, choices=Condition.choices, default=Condition.ALWAYS)
    estimated_hours = models.DecimalField(
        _("Estimate (h)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Task type default when blank"),
    )
    anchor = models.CharField(
        _("Anchor"),
        max_length=20,
        choices=Anchor.choices,
        default=Anchor.BEFORE_LAUNCH,
        help_text=_("Before the launch: done by the launch. After the launch or the end date: starts then."),
    )
    offset_days = models.PositiveSmallIntegerField(
        _("Offset (business days)"),
        default=0,
        validators=[MaxValueValidator(250)],
        help_text=_(
            "Before the launch: due this many business days before it. "
            "After the launch or the end date: starts on this business day after it (0: that day)."
        ),
    )
    auto_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Auto-assign to"),
    )
    auto_assign_suggested = models.BooleanField(_("Auto-assign the suggestion"), default=False)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="TemplateDependency",
        through_fields=("entry", "predecessor"),
        related_name="successors",
        blank=True,
        verbose_name=_("Predecessors"),
    )

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("Template entry")
        verbose_name_plural = _("Template entries")

    def __str__(self) -> str:
        return f"{self.template}: {self.display_title}"

    @property
    def display_title(self) -> str:
        return self.title or self.task_type.name

    def clean(self) -> None:
        # A changed anchor must stay in time order with the saved predecessors and successors.
        if not self.pk:
            return
        for dep in TemplateDependency.objects.filter(entry=self).select_related("predecessor__task_type"):
            error = anchor_order_error(self, dep.predecessor)
            if error:
                raise ValidationError({"anchor": error})
        for dep in TemplateDependency.objects.filter(predecessor=self).select_related("entry__task_type"):
            error = anchor_order_error(dep.entry, self)
            if error:
                raise ValidationError({"anchor": error})

    def applies_to(self, request: CampaignRequest) -> bool:
        return self.condition == Condition.ALWAYS or bool(getattr(request, self.condition, False))


class TemplateDependency(models.Model):
    """``entry`` cannot start before ``predecessor`` is done (an edge of the template DAG)."""

    entry = models.ForeignKey(TemplateEntry, on_delete=models.CASCADE, related_name="incoming")
    predecessor = models.ForeignKey(TemplateEntry, on_delete=models.CASCADE, related_name="outgoing")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "predecessor"], name="template_dependency_unique"),
            models.CheckConstraint(
                condition=~models.Q(entry=models.F("predecessor")), name="template_dependency_not_self"
            ),
        ]
        verbose_name = _("Dependency")
        verbose_name_plural = _("Dependencies")

    def __str__(self) -> str:
        return f"{self.predecessor_id} -> {self.entry_id}"

    def clean(self) -> None:
        if not (self.entry_id and self.predecessor_id):
            return
        if self.entry.template_id != self.predecessor.template_id:
            raise ValidationError(_("Both entries must belong to the same template."))
        error = anchor_order_error(self.entry, self.predecessor)
        if error:
            raise ValidationError(error)
        edges = list(
            TemplateDependency.objects.filter(entry__template_id=self.entry.template_id)
            .exclude(pk=self.pk)
            .values_list("predecessor_id", "entry_id")
        )
        edges.append((self.predecessor_id, self.entry_id))
        cycle = find_cycle(edges)
        if cycle:
            names = {
                e.pk: e.display_title
                for e in TemplateEntry.objects.filter(template_id=self.entry.template_id).select_related("task_type")
            }
            raise ValidationError(format_cycle(cycle, names))


class TaskState(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting")
    IN_REVIEW = "in_review", _("In review")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATES = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.WAITING, TaskState.IN_REVIEW]
CLOSED_TASK_STATES = [TaskState.DONE, TaskState.CANCELLED]


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


def _ops_or_assignee(instance: Task, user) -> bool:
    return user is None or policy.is_ops(user) or (user.pk is not None and user.pk == instance.assignee_id)


def _ops(instance: Task, user) -> bool:
    return user is None or policy.is_ops(user)


def may_review(task: Task, user) -> bool:
    """Four-eyes: the task type's reviewer (the requester or a role), never the assignee.

    A task type without a review rule is reviewed by MOps other than the assignee.
    """
    if user is None or user.pk is None or not user.is_active or user.pk == task.assignee_id:
        return False
    rule = task.task_type.review_by
    if rule == ReviewBy.REQUESTER:
        return user.pk == task.campaign.requester_id
    if rule == ReviewBy.MOPS:
        return policy.is_ops(user)  # MOps and Admins, as everywhere else
    if rule:
        return policy.has_role(user, rule)
    return policy.is_ops(user)


def _complete_perm(instance: Task, user) -> bool:
    # Under a review rule only a reviewer completes (approves); otherwise as before.
    if user is None:
        return True
    if instance.task_type.review_by:
        return may_review(instance, user)
    return _ops_or_assignee(instance, user)


def _review_perm(instance: Task, user) -> bool:
    return user is None or may_review(instance, user)


class KeyCounter(models.Model):
    """Next human key number (``MOPS-<n>``); one row locked with SELECT ... FOR UPDATE."""

    name = models.CharField(max_length=20, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Task(ConcurrentStateMixin, models.Model):
    """One ticket of one campaign."""

    number = models.PositiveBigIntegerField(unique=True, editable=False)
    key = models.CharField(_("Key"), max_length=20, unique=True, editable=False)
    # No single-column indexes where a composite index starts with the column (issue 19): each
    # index is written on every UPDATE of a task, and the SLA sweep's cold run changes thousands.
    campaign = models.ForeignKey(
        CampaignRequest,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("Campaign"),
        db_index=False,  # task_campaign_order_idx starts with it
    )
    template_entry = models.ForeignKey(
        TemplateEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("Task type"))
    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True, max_length=4000)
    position = models.PositiveIntegerField(_("Order"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("Assignee"),
        db_index=False,  # task_mine_due_idx and the other assignee indexes start with it
    )
    # Indexed by task_state_due_idx and task_open_work_idx, which start with it.
    state = FSMField(_("State"), default=TaskState.TODO, choices=TaskState.choices, protected=True)
    estimated_hours = models.DecimalField(
        _("Estimate (h)"), max_digits=6, decimal_places=1, default=Decimal(0), validators=NON_NEGATIVE
    )
    actual_hours = models.DecimalField(
        _("Actual (h)"), max_digits=6, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    hourly_rate = models.DecimalField(
        _("Hourly rate (JPY)"),
        max_digits=10,
        decimal_places=0,
        default=Decimal(0),
        help_text=_("The role's rate when the task was created"),
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="TaskDependency",
        through_fields=("task", "predecessor"),
        related_name="successors",
        blank=True,
    )
    # SLA: the clock starts at sla_start_at; pauses (TaskPause) push the deadline later.
    sla_start_at = models.DateTimeField(null=True, blank=True)
    # Indexed by task_due_day_idx (due_at first) and task_state_due_idx (the SLA sweep's breaches).
    due_at = models.DateTimeField(_("Due"), null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField("SLA", max_length=10, choices=SlaState.choices, default=SlaState.ON_TRACK)
    # A due date MOps moved by hand (``services.task_due_set``) and when: later recomputations keep
    # it, pushed only by pauses taken after the move (``deadlines.DeadlineResolver.compute_task``).
    due_moved_to = models.DateTimeField(_("Due date moved to"), null=True, blank=True, editable=False)
    due_moved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Working time (on the task's SLA calendar) spent in closed pauses; the deadline includes it.
    sla_paused_seconds = models.PositiveIntegerField(_("Paused working time (s)"), default=0)
    # When sla_state last changed. Neither column is in any index: the SLA sweep's UPDATE then
    # changes no indexed column, which PostgreSQL writes as a HOT update (see tasks.sla_sweep).
    sla_changed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Where an imported task came from (e.g. "jira" / "MKT-14"): a re-import finds it by these.
    external_source = models.CharField(max_length=20, blank=True, default="", editable=False)
    external_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        ordering = ["campaign_id", "position", "id"]
        verbose_name = _("Task")
        verbose_name_plural = _("Tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "template_entry"],
                name="task_unique_template_entry_per_campaign",
                condition=models.Q(template_entry__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_key"],
                name="task_unique_external_key",
                condition=~models.Q(external_key=""),
            ),
            models.CheckConstraint(condition=models.Q(estimated_hours__gte=0), name="task_estimate_non_negative"),
            models.CheckConstraint(
                condition=models.Q(actual_hours__isnull=True) | models.Q(actual_hours__gte=0),
                name="task_actual_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            # The SLA sweep: "state in (open) and due_at / at_risk_at <= now" are range scans of
            # task_state_due_idx and this one. No index may name sla_state (see sla_changed_at).
            models.Index(fields=["state", "at_risk_at"], name="task_state_risk_idx"),
            # Issue 19: one index per default ordering and list filter, so pages stay flat at 100k campaigns.
            # The default ordering (a campaign's tasks, the API list).
            models.Index(fields=["campaign", "position", "id"], name="task_campaign_order_idx"),
            # Board columns: "state = X order by due_at, position, id limit N".
            # The SLA columns at the end: the board's SLA filter tests them in the index while it
            # reads a column in due order, without reading the task rows that do not match.
            models.Index(
                fields=["state", "due_at", "position", "id", "at_risk_at", "sla_start_at"], name="task_state_due_idx"
            ),
            # The done column and "recently done": state = done and completed_at >= cutoff.
            models.Index(fields=["state", "completed_at"], name="task_state_completed_idx"),
            # My tasks (open by due date, done by completion) and the calendar of one person.
            models.Index(fields=["assignee", "state", "due_at"], name="task_mine_due_idx"),
            models.Index(fields=["assignee", "state", "completed_at"], name="task_mine_completed_idx"),
            models.Index(fields=["assignee", "due_at"], name="task_assignee_due_idx"),
            # Workload and the capacity forecast aggregate every open task (40k at 100k campaigns):
            # with what they sum and group by in the index, the database reads the open states'
            # index ranges alone, never the task rows. Not a partial index: SQLite does not match
            # "state IN (?, ...)" with bound parameters against an index's WHERE.
            models.Index(
                fields=["state", "assignee", "due_at", "estimated_hours", "created_at", "sla_start_at", "task_type"],
                name="task_open_work_idx",
            ),
            # The calendar's deadlines per day: a period's own tasks counted from the index alone
            # (state and the two owner columns beside the date), not from 40,000 task rows a month.
            models.Index(fields=["due_at", "state", "assignee", "campaign"], name="task_due_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES

    def sla_state_at(self, now) -> str:
        """The SLA state at ``now`` from the stored deadlines, whether or not the sweep has run.

        Done / cancelled tasks keep their outcome; a waiting task keeps its state (its clock is
        stopped); a task whose clock has not started (waiting for predecessors) is on track.
        """
        if self.state not in OPEN_TASK_STATES or self.state == TaskState.WAITING:
            return self.sla_state
        if self.sla_start_at is None:
            return SlaState.ON_TRACK
        if self.due_at and now >= self.due_at:
            return SlaState.BREACHED
        if self.at_risk_at and now >= self.at_risk_at:
            return SlaState.AT_RISK
        return SlaState.ON_TRACK

    @property
    def due_is_forecast(self) -> bool:
        """Whether ``due_at`` is only a forecast: a task to do whose SLA clock has not started
        (waiting for its predecessors, or for an assignee when its policy starts on assignment)."""
        return self.state == TaskState.TODO and self.sla_start_at is None and self.due_at is not None

    @property
    def live_sla_state(self) -> str:
        """``sla_state_at`` now: what pages and the API show."""
        return self.sla_state_at(timezone.now())

    def get_live_sla_state_display(self) -> str:
        return str(SlaState(self.live_sla_state).label)

    # --- transitions: they touch only this row; services check the rest and write the event ---
    @transition(field=state, source=TaskState.TODO, target=TaskState.IN_PROGRESS, permission=_ops_or_assignee)
    def start(self) -> None:
        pass

    @transition(field=state, source=TaskState.IN_PROGRESS, target=TaskState.WAITING, permission=_ops_or_assignee)
    def pause(self) -> None:
        pass

    @transition(field=state, source=TaskState.WAITING, target=TaskState.IN_PROGRESS, permission=_ops_or_assignee)
    def resume(self) -> None:
        pass

    @transition(field=state, source=TaskState.IN_PROGRESS, target=TaskState.IN_REVIEW, permission=_ops_or_assignee)
    def submit_review(self) -> None:
        pass

    @transition(field=state, source=TaskState.IN_REVIEW, target=TaskState.DONE, permission=_complete_perm)
    def complete(self) -> None:
        pass

    @transition(field=state, source=TaskState.IN_REVIEW, target=TaskState.IN_PROGRESS, permission=_review_perm)
    def return_review(self) -> None:
        pass

    @transition(field=state, source=TaskState.DONE, target=TaskState.IN_PROGRESS, permission=_ops_or_assignee)
    def reopen(self) -> None:
        pass

    @transition(field=state, source=OPEN_TASK_STATES, target=TaskState.CANCELLED, permission=_ops)
    def cancel(self) -> None:
        pass


class TaskDependency(models.Model):
    """``task`` cannot start before ``predecessor`` is done (or cancelled)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="incoming")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="outgoing")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "predecessor"], name="task_dependency_unique"),
            models.CheckConstraint(condition=~models.Q(task=models.F("predecessor")), name="task_dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} -> {self.task_id}"


class TaskEvent(AuditEvent):
    """One immutable row per transition or assignment of a task."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=20, choices=TaskState.choices)
    to_state = models.CharField(max_length=20, choices=TaskState.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("Task event")
        verbose_name_plural = _("Task events")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.action} {self.from_state} -> {self.to_state}"


def deliverable_path(instance: Deliverable, filename: str) -> str:
    return f"deliverables/{instance.task_id}/v{instance.version}/{filename}"


class Deliverable(AppendOnlyModel):
    """One version of what an assignee hands in on "submit for review": a file or a link.

    Written once (append-only): a resubmission after a return adds the next version.
    """

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="deliverables")
    version = models.PositiveIntegerField(_("Version"))
    file = models.FileField(upload_to=deliverable_path, max_length=300, blank=True)
    original_name = models.CharField(_("File name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("Size (bytes)"), default=0)
    url = models.URLField(_("Link"), max_length=1000, blank=True)
    note = models.TextField(_("Note"), blank=True, max_length=4000)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task_id", "version"]
        verbose_name = _("Deliverable")
        verbose_name_plural = _("Deliverables")
        constraints = [
            models.UniqueConstraint(fields=["task", "version"], name="deliverable_unique_version"),
            models.CheckConstraint(condition=~models.Q(file="") | ~models.Q(url=""), name="deliverable_file_or_link"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} v{self.version}"

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TaskPause(models.Model):
    """An interval in which the task waited (the SLA clock stops); ``ended_at`` is open while waiting."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=4000)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="task_pause_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(ended_at__isnull=True), name="task_one_open_pause"
            ),
        ]
        verbose_name = _("Pause")
        verbose_name_plural = _("Pauses")

    def __str__(self) -> str:
        return f"task {self.task_id} paused {self.started_at:%Y-%m-%d %H:%M}"


class TaskComment(ThreadComment):
    """A comment on a task (Markdown, like request comments; ``campaigns.comments`` writes it)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")

    class Meta(ThreadComment.Meta):
        verbose_name = _("Comment")
        verbose_name_plural = _("Comments")

    def __str__(self) -> str:
        return f"task {self.task_id} comment {self.pk}"


class Person(models.Model):
    """A person's working profile: roles they can take and weekly capacity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_profile")
    roles = models.ManyToManyField(WorkRole, blank=True, related_name="people", verbose_name=_("Roles"))
    weekly_hours = models.DecimalField(
        _("Weekly capacity (h)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(40),
        # The capacity forecast divides by it: someone who takes no work is made inactive instead.
        validators=[
            MinValueValidator(
                Decimal("0.5"), message=_("Weekly capacity must be more than zero; make the person inactive instead.")
            ),
            MaxValueValidator(Decimal(168), message=_("A week has at most 168 hours.")),
        ],
    )
    calendar = models.ForeignKey(
        WorkingCalendar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("Working calendar"),
        help_text=_(
            "Used for the deadlines of their tasks and when they are notified; "
            "blank = the policy's or standard calendar"
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("Person")
        verbose_name_plural = _("People")

    def __str__(self) -> str:
        return person_name(self.user)

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._loaded_calendar = obj.__dict__.get("calendar_id")
        return obj


class TimeOff(models.Model):
    """Whole days off (inclusive) that reduce a person's capacity."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateField(_("From"))
    end = models.DateField(_("To"))
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="time_off_end_after_start")
        ]
        verbose_name = _("Time off")
        verbose_name_plural = _("Time off")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.start} - {self.end}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end must not be before the start.")})


class SlaNotification(models.Model):
    """An SLA mail to one recipient, sent at ``send_after`` (the next opening of their calendar).

    Rows are written by the sweep only for the tasks whose state change that sweep claimed;
    the sender claims each row with a conditional update, so every row is mailed once.
    """

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")

    class Role(models.TextChoices):
        ASSIGNEE = "assignee", _("Assignee")
        ESCALATION = "escalation", _("Escalation (MOps)")

    # sla_notification_once starts with the task.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="sla_notifications", db_index=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    role = models.CharField(max_length=12, choices=Role.choices)
    changed_at = models.DateTimeField(help_text="When the sweep changed the task's SLA state")
    send_after = models.DateTimeField()  # sla_notification_due_idx: (sent_at, send_after)
    sent_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=40, blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["send_after", "id"]
        verbose_name = _("SLA notification")
        verbose_name_plural = _("SLA notifications")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "recipient", "changed_at"], name="sla_notification_once"),
        ]
        indexes = [
            models.Index(fields=["sent_at", "send_after"], name="sla_notification_due_idx"),
            # Only a sender's claimed rows are looked up by claim: rows waiting to be sent (claim "")
            # are left out, so the sweep's inserts (thousands at once) do not write this index.
            models.Index(fields=["claim"], name="sla_notification_claim_idx", condition=~models.Q(claim="")),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} -> {self.recipient_id}"


class DeadlineRecompute(models.Model):
    """A background recomputation of every open task's deadline (after a calendar or policy change)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text="Tasks whose deadline moved")
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Deadline recomputation")
        verbose_name_plural = _("Deadline recomputations")

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} {self.done}/{self.total}"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class WorkloadSnapshot(models.Model):
    """Open estimated hours per eligible person at one week's end (Monday 00:00), replayed from
    the task events for the workload page's balance history (``tasks.workload.balance_history``).

    Derived data, written by ``tasks.jobs.snapshot_workload_history``: a past week end does not
    change (events are append-only and stamped when they happen), so each is replayed once, for
    one set of eligible people (``people``: a digest of their ids; a new person means new rows).
    Deleting rows (admin) makes the next run replay those weeks again, e.g. after importing
    history with past dates."""

    at = models.DateTimeField(_("Week end"))
    people = models.CharField(_("Eligible people (digest)"), max_length=64)
    hours = models.JSONField(_("Open hours by person"), default=dict)
    computed_at = models.DateTimeField(_("Computed"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "people"]
        verbose_name = _("Workload snapshot")
        verbose_name_plural = _("Workload snapshots")
        constraints = [models.UniqueConstraint(fields=["people", "at"], name="workload_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} ({len(self.hours)})"

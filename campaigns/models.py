"""Campaign requests (the campaign record), their approval state machine and audit log."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from audit.fsm import ConcurrentStateMixin
from audit.models import AuditEvent
from governance import policy
from governance.models import BusinessUnit, GovernanceModel
from governance.names import localized_name


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IN_PRODUCTION = "in_production", _("In production")
    READY_FOR_LAUNCH = "ready_for_launch", _("Ready for launch")
    LAUNCHED = "launched", _("Launched")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# States a requester may still edit the form in.
EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED)
# States from which a request may be cancelled: anything before launch.
CANCELLABLE_STATES = [
    State.DRAFT,
    State.SUBMITTED,
    State.CHANGES_REQUESTED,
    State.APPROVED,
    State.IN_PRODUCTION,
    State.READY_FOR_LAUNCH,
]
OPEN_STATES = [s for s in CANCELLABLE_STATES]


class CampaignType(models.Model):
    """A kind of campaign (webinar, trade show ...): a configurable table."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Campaign type")
        verbose_name_plural = _("Campaign types")

    def __str__(self) -> str:
        return localized_name(self.name, self.name_en)


class Channel(models.Model):
    """A marketing channel (email, paid search, events ...)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Channel")
        verbose_name_plural = _("Channels")

    def __str__(self) -> str:
        return localized_name(self.name, self.name_en)


class IcpFit(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


def _is_requester(instance: CampaignRequest, user) -> bool:
    return user is not None and user.pk == instance.requester_id


def _can_decide(instance: CampaignRequest, user) -> bool:
    # ``decision_on``: the day a decision is recorded for (set by request_transition), so a
    # decision backfilled for a past day is checked against that day's delegations.
    return policy.can_decide(user, instance, getattr(instance, "decision_on", None))


def _can_cancel(instance: CampaignRequest, user) -> bool:
    return _is_requester(instance, user) or policy.is_ops(user)


def _can_launch(instance: CampaignRequest, user) -> bool:
    return _is_requester(instance, user) or policy.is_ops(user)


def _is_ops(instance: CampaignRequest, user) -> bool:
    # ``user`` is None when the system acts (e.g. the last task of a campaign is done).
    return user is None or policy.is_ops(user)


NON_NEGATIVE = [MinValueValidator(0)]

# The form fields that make up a submission; their values are snapshotted on every
# (re)submission so the approver sees what changed since the last one.
SNAPSHOT_FIELDS = (
    "name",
    "objective",
    "campaign_type",
    "business_unit",
    "launch_date",
    "end_date",
    "budget",
    "channels",
    "needs_design",
    "needs_landing_page",
    "needs_email_program",
    "other_resources",
    "target_leads",
    "target_mqls",
    "target_sqls",
    "target_pipeline",
    "target_revenue",
    "expected_roi",
    "target_audience",
    "icp_fit",
    "notes",
)


class CampaignRequest(ConcurrentStateMixin, models.Model):
    """One campaign, from the request form through approval, production and launch."""

    name = models.CharField(_("Campaign name"), max_length=200)
    objective = models.TextField(_("Objective"), max_length=4000, validators=[MaxLengthValidator(4000)])
    campaign_type = models.ForeignKey(
        CampaignType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("Campaign type")
    )
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="campaign_requests", verbose_name=_("Business unit")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="campaign_requests",
        verbose_name=_("Requester"),
    )
    launch_date = models.DateField(_("Requested launch date"))
    end_date = models.DateField(_("End date"))
    budget = models.DecimalField(_("Budget"), max_digits=14, decimal_places=0, validators=NON_NEGATIVE)
    currency = models.CharField(_("Currency"), max_length=3, default="JPY")
    channels = models.ManyToManyField(Channel, blank=True, related_name="requests", verbose_name=_("Channels"))
    needs_design = models.BooleanField(_("Design"), default=False)
    needs_landing_page = models.BooleanField("LP / Landing page", default=False)
    needs_email_program = models.BooleanField(_("Email program"), default=False)
    other_resources = models.CharField(_("Other resources"), max_length=500, blank=True)
    target_leads = models.PositiveIntegerField(_("Target leads"), default=0)
    target_mqls = models.PositiveIntegerField(_("Target MQLs"), default=0)
    target_sqls = models.PositiveIntegerField(_("Target SQLs"), default=0)
    target_pipeline = models.DecimalField(
        _("Target pipeline"), max_digits=14, decimal_places=0, default=Decimal(0), validators=NON_NEGATIVE
    )
    target_revenue = models.DecimalField(
        _("Target revenue"), max_digits=14, decimal_places=0, default=Decimal(0), validators=NON_NEGATIVE
    )
    expected_roi = models.DecimalField(_("Expected ROI (%)"), max_digits=8, decimal_places=1, null=True, blank=True)
    target_audience = models.CharField(_("Target audience"), max_length=500, blank=True)
    icp_fit = models.CharField(_("ICP fit"), max_length=10, choices=IcpFit.choices, default=IcpFit.MEDIUM)
    notes = models.TextField(_("Notes"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)])

    state = FSMField(_("State"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    governance_model = models.CharField(_("Governance model"), max_length=20, blank=True)
    governance_params = models.JSONField(_("Governance parameters"), default=dict, blank=True)
    approval_round = models.PositiveSmallIntegerField(_("Submission round"), default=0)
    approval_step = models.PositiveSmallIntegerField(_("Approval step"), default=0)
    approval_steps = models.PositiveSmallIntegerField(_("Approval steps"), default=0)
    routed_approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ApprovalRoute",
        through_fields=("request", "approver"),
        blank=True,
        related_name="routed_requests",
        verbose_name=_("Routed approvers"),
    )
    submitted_at = models.DateTimeField(_("First submitted"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    launched_at = models.DateTimeField(_("Launched at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Campaign request")
        verbose_name_plural = _("Campaign requests")
        indexes = [
            models.Index(fields=["state", "launch_date"]),
            models.Index(fields=["business_unit", "state"]),
            # Issue 19: the default ordering, alone and under the list filters (state, requester, unit).
            models.Index(fields=["-created_at", "-id"], name="request_created_idx"),
            models.Index(fields=["state", "-created_at", "-id"], name="request_state_created_idx"),
            models.Index(fields=["requester", "-created_at", "-id"], name="request_requester_created_idx"),
            models.Index(fields=["business_unit", "-created_at", "-id"], name="request_unit_created_idx"),
            # The calendar and the feed: launches and ends within a date range.
            models.Index(fields=["launch_date", "id"], name="request_launch_idx"),
            models.Index(fields=["end_date", "id"], name="request_end_idx"),
            # The calendar's launches and ends per day: counts read from the index alone (with the
            # state it hides and, for ends, the launch date it compares), not from 4,000 rows a month.
            models.Index(fields=["launch_date", "state"], name="request_launch_day_idx"),
            models.Index(fields=["end_date", "state", "launch_date"], name="request_end_day_idx"),
            # A person's deadlines joined to the campaigns they requested (the calendar, the feed):
            # the requester and the state read from this narrow index, not from each wide row.
            models.Index(fields=["id", "requester", "state"], name="request_owner_state_idx"),
            # Campaigns a specialist's unit scope leaves out (decentralised, another unit, not their own
            # request): the set is read from the index alone, whatever the number of campaigns.
            models.Index(
                fields=["governance_model", "business_unit", "requester"], name="request_governance_scope_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("launch_date")), name="request_end_after_launch"
            ),
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="request_budget_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def governance_model_label(self) -> str:
        """The model this request ran under, in the reader's language ("" when none was recorded)."""
        try:
            return str(GovernanceModel(self.governance_model).label) if self.governance_model else ""
        except ValueError:
            return self.governance_model

    def clean(self) -> None:
        errors = {}
        if self.launch_date and self.end_date and self.end_date < self.launch_date:
            errors["end_date"] = _("The end date must not be before the launch date.")
        if errors:
            raise ValidationError(errors)

    # --- transitions: they touch only this row; services write the audit event ---
    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission=_is_requester)
    def submit(self) -> None:
        if self.submitted_at is None:
            self.submitted_at = timezone.now()

    @transition(field=state, source=State.CHANGES_REQUESTED, target=State.SUBMITTED, permission=_is_requester)
    def resubmit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED, permission=_can_decide)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED, permission=_can_decide)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.CHANGES_REQUESTED, permission=_can_decide)
    def request_changes(self) -> None:
        pass

    @transition(field=state, source=State.APPROVED, target=State.IN_PRODUCTION, permission=_is_ops)
    def start_production(self) -> None:
        pass

    @transition(field=state, source=State.IN_PRODUCTION, target=State.READY_FOR_LAUNCH, permission=_is_ops)
    def mark_ready(self) -> None:
        pass

    @transition(field=state, source=State.READY_FOR_LAUNCH, target=State.IN_PRODUCTION, permission=_is_ops)
    def reopen_production(self) -> None:
        pass

    @transition(field=state, source=State.READY_FOR_LAUNCH, target=State.LAUNCHED, permission=_can_launch)
    def launch(self) -> None:
        pass

    @transition(field=state, source=State.LAUNCHED, target=State.CLOSED, permission=_can_launch)
    def close(self) -> None:
        pass

    @transition(field=state, source=CANCELLABLE_STATES, target=State.CANCELLED, permission=_can_cancel)
    def cancel(self) -> None:
        pass

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class ApprovalRoute(models.Model):
    """Who a request was routed to, per submission round and approval step.

    Kept for every round so approvers keep seeing what they once decided; the current
    approvers are the routes of the request's current round and step.
    """

    request = models.ForeignKey(CampaignRequest, on_delete=models.CASCADE, related_name="approval_routes")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_routes")
    round = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "step", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "approver", "round", "step"], name="uniq_approval_route")
        ]
        indexes = [models.Index(fields=["approver", "request"])]
        verbose_name = _("Approval route")
        verbose_name_plural = _("Approval routes")

    def __str__(self) -> str:
        return f"request {self.request_id} round {self.round} step {self.step}"


class RequestEvent(AuditEvent):
    """One immutable row per transition of a campaign request: the source of every KPI."""

    request = models.ForeignKey(CampaignRequest, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=30, choices=State.choices)
    to_state = models.CharField(max_length=30, choices=State.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit events")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_state} -> {self.to_state}"


class ExternalSystem(models.TextChoices):
    """Tools a campaign is also known in: boards it came from, CRMs that report on it."""

    JIRA = "jira", "Jira"
    ASANA = "asana", "Asana"
    SALESFORCE = "salesforce", "Salesforce"
    HUBSPOT = "hubspot", "HubSpot"
    MARKETO = "marketo", "Marketo"
    UTM = "utm", _("UTM campaign code")


# Links that need no site name; others (Jira, Salesforce ...) come from MOPS_EXTERNAL_LINKS or the import.
DEFAULT_EXTERNAL_LINKS = {"asana": "https://app.asana.com/0/0/{key}"}


class ExternalRef(models.Model):
    """An id the campaign has in another tool (Jira key, Asana task id, CRM campaign id, UTM code).

    Unique per system: imports find the request by it (a second import updates, never duplicates)
    and the results presets match CRM report rows to requests by it.
    """

    request = models.ForeignKey(CampaignRequest, on_delete=models.CASCADE, related_name="external_refs")
    system = models.CharField(_("System"), max_length=20, choices=ExternalSystem.choices)
    key = models.CharField(_("External id"), max_length=100)
    url = models.URLField(_("Link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["system", "key"]
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="external_ref_unique_key")]
        verbose_name = _("External id")
        verbose_name_plural = _("External ids")

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.key}"

    @property
    def link(self) -> str:
        """The recorded link, else one built from the system's URL pattern (settings), else ""."""
        if self.url:
            return self.url
        patterns = {**DEFAULT_EXTERNAL_LINKS, **getattr(settings, "MOPS_EXTERNAL_LINKS", {})}
        pattern = patterns.get(self.system, "")
        return pattern.format(key=quote(self.key, safe="")) if pattern else ""


class CampaignResult(models.Model):
    """What a campaign returned: the campaign database the quarterly review reads."""

    request = models.OneToOneField(CampaignRequest, on_delete=models.CASCADE, related_name="result")
    actual_spend = models.DecimalField(
        _("Actual spend"), max_digits=14, decimal_places=0, default=Decimal(0), validators=NON_NEGATIVE
    )
    leads = models.PositiveIntegerField(_("Leads"), default=0)
    mqls = models.PositiveIntegerField("MQL", default=0)
    sqls = models.PositiveIntegerField("SQL", default=0)
    opportunities = models.PositiveIntegerField(_("Opportunities"), default=0)
    won_deals = models.PositiveIntegerField(_("Won deals"), default=0)
    won_revenue = models.DecimalField(
        _("Won revenue"), max_digits=14, decimal_places=0, default=Decimal(0), validators=NON_NEGATIVE
    )
    retained_revenue_12m = models.DecimalField(
        _("Revenue retained after 12 months"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Revenue still retained 12 months after winning (good revenue)."),
    )
    source = models.CharField(max_length=20, default="manual")  # manual | api | import:<id>
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Campaign result")
        verbose_name_plural = _("Campaign results")

    def __str__(self) -> str:
        return f"{self.request}: {self.leads} leads"

    def clean(self) -> None:
        """A funnel can only narrow: MQLs <= leads, SQLs <= MQLs, won deals <= SQLs, and the
        revenue retained after 12 months cannot exceed the revenue won."""
        errors = funnel_errors(
            {
                "leads": self.leads,
                "mqls": self.mqls,
                "sqls": self.sqls,
                "won_deals": self.won_deals,
                "won_revenue": self.won_revenue,
                "retained_revenue_12m": self.retained_revenue_12m,
            }
        )
        if errors:
            raise ValidationError(errors)


# (field, the field it may not exceed) in funnel order.
FUNNEL_LIMITS = [
    ("mqls", "leads"),
    ("sqls", "mqls"),
    ("won_deals", "sqls"),
    ("retained_revenue_12m", "won_revenue"),
]


def funnel_errors(values: dict) -> dict[str, str]:
    """Field -> message for every funnel step larger than the one before it (absent values pass)."""
    labels = {
        "leads": _("leads"),
        "mqls": _("MQLs"),
        "sqls": _("SQLs"),
        "won_deals": _("won deals"),
        "won_revenue": _("won revenue"),
        "retained_revenue_12m": _("retained revenue"),
    }
    errors: dict[str, str] = {}
    for name, limit in FUNNEL_LIMITS:
        value, bound = values.get(name), values.get(limit)
        if value is None or bound is None or value == "" or bound == "":
            continue
        try:
            too_big = Decimal(str(value)) > Decimal(str(bound))
        except (ArithmeticError, ValueError):
            continue  # the field's own validation reports a non-number
        if too_big:
            errors[name] = str(
                _("%(field)s (%(value)s) cannot exceed %(limit)s (%(bound)s).")
                % {"field": labels[name], "value": value, "limit": labels[limit], "bound": bound}
            )
    return errors


class ResultImport(models.Model):
    """One CSV/Excel import of results: kept for the audit trail and to make re-imports idempotent."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("Result import")
        verbose_name_plural = _("Result imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.at:%Y-%m-%d %H:%M})"


SURVEY_QUESTIONS = [
    ("q_speed", _("Speed of delivery")),
    ("q_quality", _("Quality of the work")),
    ("q_communication", _("Communication")),
    ("q_process", _("Clarity of the request process")),
    ("q_overall", _("Overall satisfaction")),
]


def _score_field(label: str) -> models.PositiveSmallIntegerField:
    from django.core.validators import MaxValueValidator

    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class Survey(models.Model):
    """The quarterly internal stakeholder satisfaction survey about MOps."""

    quarter = models.CharField(_("Quarter"), max_length=7, unique=True)
    anonymous = models.BooleanField(_("Anonymous to MOps"), default=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-quarter"]
        verbose_name = _("Satisfaction survey")
        verbose_name_plural = _("Satisfaction surveys")

    def __str__(self) -> str:
        return self.quarter

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    q_speed = _score_field(_("Speed of delivery"))
    q_quality = _score_field(_("Quality of the work"))
    q_communication = _score_field(_("Communication"))
    q_process = _score_field(_("Clarity of the request process"))
    q_overall = _score_field(_("Overall satisfaction"))
    strengthen = models.TextField(
        _("What MOps should strengthen"), blank=True, max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    unclear = models.TextField(
        _("What was unclear"), blank=True, max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "respondent"], name="one_response_per_person")]
        verbose_name = _("Survey response")
        verbose_name_plural = _("Survey responses")

    def __str__(self) -> str:
        return f"{self.survey_id}: response {self.pk}"  # never the respondent: answers may be anonymous


# --- discussion: comments and attachments on a request ------------------------------------

COMMENT_MAX = 4000  # characters of Markdown


class ThreadComment(models.Model):
    """What request and task comments share (``campaigns.comments`` writes both): Markdown with
    its sanitised HTML, the author, and the edit / delete marks.

    A deleted comment keeps its row (and its text, for the admin) as a tombstone so the thread
    and the timeline still read right; pages and the API no longer serve its body.
    """

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("Comment"), max_length=COMMENT_MAX)
    body_html = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("Edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("Deleted"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RequestComment(ThreadComment):
    """A comment in a request's discussion (Markdown; the sanitised HTML is stored with it)."""

    request = models.ForeignKey(CampaignRequest, on_delete=models.CASCADE, related_name="comments")

    class Meta(ThreadComment.Meta):
        ordering = ["created_at", "id"]
        verbose_name = _("Request comment")
        verbose_name_plural = _("Request comments")
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"request {self.request_id} comment {self.pk}"


def request_attachment_path(instance: RequestAttachment, filename: str) -> str:
    return f"requests/{instance.request_id}/{timezone.now():%Y%m}/{filename}"


class RequestAttachment(models.Model):
    """A brief or asset attached to a request (type, magic bytes and size checked in services)."""

    request = models.ForeignKey(CampaignRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=request_attachment_path, max_length=300)
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("Size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Request attachment")
        verbose_name_plural = _("Request attachments")

    def __str__(self) -> str:
        return self.original_name

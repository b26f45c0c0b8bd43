"""Knowledge base: articles with version history, attachments, required reading and receipts,
onboarding plans, campaign retrospectives, and the martech stack catalog.

Every write goes through ``knowledge.services``; the full-text index (FTS5 on SQLite, pg_trgm
on PostgreSQL) is kept in step by the database itself (see migrations/0002_search_index).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest, CampaignType
from governance.models import BusinessUnit

TITLE_MAX = 200
BODY_MAX = 100_000  # characters of Markdown; a very long handbook page is ~30k


class Category(models.TextChoices):
    RULES = "rules", _("Operating rules")
    PLAYBOOK = "playbook", _("Playbook")
    BEST_PRACTICE = "best_practice", _("Best practice")
    HOWTO = "howto", _("How-to")
    TOOL_GUIDE = "tool_guide", _("Tool guide")
    ONBOARDING = "onboarding", _("Onboarding")
    CALENDAR = "calendar", _("Marketing calendar")
    ORG = "org", _("Organisation")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    UNIT = "unit", _("Unit only")


class Tag(models.Model):
    name = models.CharField(_("Name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Tag")
        verbose_name_plural = _("Tags")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One wiki page. Title/body are the current version; history lives in ArticleVersion."""

    title = models.CharField(_("Title"), max_length=TITLE_MAX)
    body = models.TextField(_("Body (Markdown)"), blank=True, validators=[MaxLengthValidator(BODY_MAX)])
    body_html = models.TextField(_("Rendered body (sanitised)"), blank=True, editable=False)
    category = models.CharField(
        _("Category"), max_length=20, choices=Category.choices, default=Category.OTHER, db_index=True
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("Tags"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_articles", verbose_name=_("Owner")
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_by = models.DateField(_("Review by"), null=True, blank=True, db_index=True)
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="articles", verbose_name=_("Unit")
    )
    visibility = models.CharField(
        _("Visibility"), max_length=10, choices=Visibility.choices, default=Visibility.EVERYONE
    )
    campaign_types = models.ManyToManyField(
        CampaignType, blank=True, related_name="articles", verbose_name=_("Campaign types")
    )
    task_types = models.ManyToManyField(
        "tasks.TaskType", blank=True, related_name="articles", verbose_name=_("Task types")
    )
    version_number = models.PositiveIntegerField(_("Version"), default=0, editable=False)
    major = models.PositiveIntegerField(_("Major version"), default=0, editable=False)
    minor = models.PositiveIntegerField(_("Minor version"), default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    stale_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The page hierarchy of an imported wiki, and where a page came from ("notion" / page id):
    # a second import of the same export finds its articles by these.
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children", verbose_name=_("Parent")
    )
    external_source = models.CharField(max_length=20, blank=True, default="", editable=False)
    external_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("Article")
        verbose_name_plural = _("Articles")
        indexes = [models.Index(fields=["status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(visibility="unit") | models.Q(unit__isnull=False),
                name="article_unit_visibility_needs_unit",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_key"],
                name="article_unique_external_key",
                condition=~models.Q(external_key=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def version_label(self) -> str:
        return f"{self.major}.{self.minor}"


class ArticleVersion(models.Model):
    """An immutable snapshot written by every edit and restore."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("Number"))
    major = models.PositiveIntegerField(_("Major"))
    minor = models.PositiveIntegerField(_("Minor"))
    is_major = models.BooleanField(_("Major change"), default=False)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Author")
    )
    comment = models.CharField(_("Change note"), max_length=300, blank=True)
    restored_from = models.PositiveIntegerField(_("Restored from"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article_id", "-number"]
        verbose_name = _("Article version")
        verbose_name_plural = _("Article versions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.label}"

    @property
    def label(self) -> str:
        return f"{self.major}.{self.minor}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"kb/{instance.article_id}/{timezone.now():%Y%m}/{filename}"


class Attachment(models.Model):
    """An image or PDF attached to an article (type and size checked in services)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("Size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Attachment")
        verbose_name_plural = _("Attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class RequiredReading(models.Model):
    """An article everyone with a role (or everyone in a unit) must read."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(
        _("Role"), max_length=50, blank=True, help_text="Requester / Approver / MOps / Specialist / Admin"
    )
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="required_readings"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Required reading")
        verbose_name_plural = _("Required reading")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="") & models.Q(unit__isnull=False))
                | (~models.Q(role="") & models.Q(unit__isnull=True)),
                name="required_reading_role_xor_unit",
            ),
            models.UniqueConstraint(fields=["article", "role", "unit"], name="required_reading_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.role or self.unit}"


class ReadReceipt(models.Model):
    """``user`` confirmed reading ``version``; valid until the article's next major version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_receipts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="receipts")
    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="receipts")
    major = models.PositiveIntegerField(_("Major version"))
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_at", "-id"]
        verbose_name = _("Read receipt")
        verbose_name_plural = _("Read receipts")
        constraints = [models.UniqueConstraint(fields=["user", "article", "major"], name="read_receipt_once_per_major")]

    def __str__(self) -> str:
        return f"{self.user} read {self.article_id} v{self.major}"


class OnboardingPlan(models.Model):
    """A sequence of articles a newcomer in ``role`` reads over their first weeks."""

    role = models.CharField(_("Role"), max_length=50)
    name = models.CharField(_("Name"), max_length=200)
    description = models.TextField(_("Description"), blank=True, max_length=4000)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("Onboarding plan")
        verbose_name_plural = _("Onboarding plans")

    def __str__(self) -> str:
        return self.name


class OnboardingStep(models.Model):
    """One article of a plan with a check question (multiple choice, one right answer)."""

    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="steps")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="onboarding_steps")
    order = models.PositiveIntegerField(_("Order"), default=0)
    week = models.PositiveIntegerField(_("Week"), default=1, validators=[MinValueValidator(1)])
    question = models.CharField(_("Check question"), max_length=500)
    choices = models.JSONField(_("Choices"), default=list)
    correct_choice = models.PositiveIntegerField(_("Correct choice (0-based)"), default=0)

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("Onboarding step")
        verbose_name_plural = _("Onboarding steps")

    def __str__(self) -> str:
        return f"{self.plan}: {self.article}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            not isinstance(self.choices, list)
            or len(self.choices) < 2
            or not all(isinstance(c, str) and c.strip() for c in self.choices)
        ):
            raise ValidationError({"choices": _("At least two non-empty choices.")})
        if self.correct_choice >= len(self.choices):
            raise ValidationError({"correct_choice": _("The correct choice is out of range.")})


class OnboardingEnrollment(models.Model):
    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_enrollments")
    started_on = models.DateField(_("Started"), default=timezone.localdate)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("Enrollment")
        verbose_name_plural = _("Enrollments")
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="onboarding_enrollment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan}"


class StepProgress(models.Model):
    """Attempts at one step's check question; ``passed_at`` is set by the first right answer."""

    enrollment = models.ForeignKey(OnboardingEnrollment, on_delete=models.CASCADE, related_name="progress")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="progress")
    attempts = models.PositiveIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Step progress")
        verbose_name_plural = _("Step progress")
        constraints = [models.UniqueConstraint(fields=["enrollment", "step"], name="step_progress_unique")]

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id} step {self.step_id}"


class Retrospective(models.Model):
    """What a launched campaign taught: written by its requester or MOps."""

    campaign = models.OneToOneField(
        CampaignRequest, on_delete=models.PROTECT, related_name="retrospective", verbose_name=_("Campaign")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Author")
    )
    what_worked = models.TextField(_("What worked"), max_length=10_000, validators=[MaxLengthValidator(10_000)])
    what_did_not = models.TextField(
        _("What did not work"), max_length=10_000, blank=True, validators=[MaxLengthValidator(10_000)]
    )
    what_to_change = models.TextField(
        _("What to change"), max_length=10_000, blank=True, validators=[MaxLengthValidator(10_000)]
    )
    promoted_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_retrospectives",
        verbose_name=_("Best-practice article"),
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Retrospective")
        verbose_name_plural = _("Retrospectives")

    def __str__(self) -> str:
        return str(_("Retrospective: %(campaign)s") % {"campaign": self.campaign})


class ToolCategory(models.TextChoices):
    MA = "ma", "MA / Marketing automation"
    CRM = "crm", "CRM / SFA"
    DATA = "data", _("Data & contacts")
    ANALYTICS = "analytics", _("Analytics")
    BI = "bi", _("BI")
    WEBINAR = "webinar", _("Webinar & events")
    DESIGN = "design", _("Design")
    CMS = "cms", _("CMS & web")
    ADS = "ads", _("Advertising")
    COLLABORATION = "collaboration", _("Collaboration")
    OTHER = "other", _("Other")


class ToolStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    EVALUATING = "evaluating", _("Evaluating")
    RETIRED = "retired", _("Retired")


class Tool(models.Model):
    """One product of the martech stack, its cost and contract renewal."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    vendor = models.CharField(_("Vendor"), max_length=100, blank=True)
    category = models.CharField(
        _("Category"), max_length=20, choices=ToolCategory.choices, default=ToolCategory.OTHER, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tools",
        verbose_name=_("Owner"),
    )
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="tools", verbose_name=_("Users"))
    seats = models.PositiveIntegerField(_("Seats"), default=0)
    annual_cost = models.DecimalField(
        _("Annual cost (JPY)"), max_digits=14, decimal_places=0, default=0, validators=[MinValueValidator(0)]
    )
    renewal_date = models.DateField(_("Renewal date"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("Status"), max_length=12, choices=ToolStatus.choices, default=ToolStatus.IN_USE, db_index=True
    )
    articles = models.ManyToManyField(Article, blank=True, related_name="tools", verbose_name=_("Articles"))
    notes = models.TextField(_("Notes"), blank=True, max_length=4000)
    renewal_reminded_for = models.DateField(_("Reminder sent for"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("Tool")
        verbose_name_plural = _("Tools")
        constraints = [models.CheckConstraint(condition=models.Q(annual_cost__gte=0), name="tool_cost_non_negative")]

    def __str__(self) -> str:
        return self.name


class Horizon(models.TextChoices):
    ONE = "1y", _("1 year")
    THREE = "3y", _("3 years")
    FIVE = "5y", _("5 years")


class RoadmapAction(models.TextChoices):
    ADOPT = "adopt", _("Adopt")
    RETIRE = "retire", _("Retire")
    REPLACE = "replace", _("Replace")
    CONSOLIDATE = "consolidate", _("Consolidate")
    EXPAND = "expand", _("Expand")


class RoadmapEntry(models.Model):
    title = models.CharField(_("Title"), max_length=200)
    action = models.CharField(_("Action"), max_length=12, choices=RoadmapAction.choices, default=RoadmapAction.ADOPT)
    horizon = models.CharField(_("Horizon"), max_length=2, choices=Horizon.choices, default=Horizon.ONE)
    tool = models.ForeignKey(
        Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="roadmap_entries", verbose_name=_("Tool")
    )
    target_date = models.DateField(_("Target date"), null=True, blank=True)
    expected_saving = models.DecimalField(_("Expected saving (JPY/yr)"), max_digits=14, decimal_places=0, default=0)
    notes = models.TextField(_("Notes"), blank=True, max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["horizon", "target_date", "id"]
        verbose_name = _("Roadmap entry")
        verbose_name_plural = _("Roadmap entries")

    def __str__(self) -> str:
        return self.title

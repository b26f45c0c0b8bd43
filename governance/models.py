from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyModel

from .names import localized_name


class BusinessUnit(models.Model):
    """A business unit or region (Tokyo HQ, Osaka, APAC) that submits campaign requests."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
        verbose_name=_("Unit head"),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Business unit")
        verbose_name_plural = _("Business units")

    def __str__(self) -> str:
        return localized_name(self.name, self.name_en)


class Membership(models.Model):
    """A user's membership in a business unit (a person belongs to one or more units)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="uniq_membership")]
        verbose_name = _("Membership")
        verbose_name_plural = _("Memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class GovernanceModel(models.TextChoices):
    CENTRALISED = "centralised", _("Centralised")
    DECENTRALISED = "decentralised", _("Decentralised")
    HYBRID = "hybrid", _("Hybrid")


class OrganisationGovernance(models.Model):
    """The organisation-wide governance model (one row). Units may override it."""

    model = models.CharField(
        _("Model"), max_length=20, choices=GovernanceModel.choices, default=GovernanceModel.CENTRALISED
    )
    hybrid_threshold = models.DecimalField(
        _("Hybrid budget threshold (JPY)"),
        max_digits=14,
        decimal_places=0,
        default=3_000_000,
        help_text=_("Up to this budget the unit head approves; above it, unit head then CMO."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Organisation governance")
        verbose_name_plural = _("Organisation governance")
        constraints = [
            models.CheckConstraint(condition=models.Q(hybrid_threshold__gte=0), name="org_threshold_non_negative")
        ]

    def __str__(self) -> str:
        return self.get_model_display()


class UnitGovernance(models.Model):
    """A business unit's override of the organisation's model (e.g. APAC decentralised)."""

    unit = models.OneToOneField(BusinessUnit, on_delete=models.CASCADE, related_name="governance")
    model = models.CharField(_("Model"), max_length=20, choices=GovernanceModel.choices)
    hybrid_threshold = models.DecimalField(
        _("Hybrid threshold (JPY)"), max_digits=14, decimal_places=0, null=True, blank=True
    )

    class Meta:
        verbose_name = _("Unit override")
        verbose_name_plural = _("Unit overrides")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hybrid_threshold__gte=0) | models.Q(hybrid_threshold__isnull=True),
                name="unit_threshold_non_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_model_display()}"


class GovernanceChange(AppendOnlyModel):
    """Append-only log of governance setting changes (who changed what, when)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=60)  # "organisation" or "unit:<slug>"
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Governance change")
        verbose_name_plural = _("Governance changes")


class Delegation(models.Model):
    """An approver's out-of-office delegation: the delegate approves in [start, end] only."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("Delegator"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("Delegate"),
    )
    start = models.DateField(_("From"))
    end = models.DateField(_("Until (inclusive)"))
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("Delegation")
        verbose_name_plural = _("Delegations")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="delegation_end_after_start")
        ]
        indexes = [models.Index(fields=["delegate", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.start}〜{self.end})"

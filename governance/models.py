from django.conf import settings
from django.db import models


class BusinessUnit(models.Model):
    """A business unit or region (Tokyo HQ, Osaka, APAC) that submits campaign requests."""

    slug = models.SlugField(unique=True)
    name = models.CharField("名称 / Name", max_length=100)
    name_en = models.CharField("Name (English)", max_length=100, blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
        verbose_name="責任者 / Unit head",
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = "事業部 / Business unit"
        verbose_name_plural = "事業部 / Business units"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's membership in a business unit (a person belongs to one or more units)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="uniq_membership")]
        verbose_name = "所属 / Membership"
        verbose_name_plural = "所属 / Memberships"

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class GovernanceModel(models.TextChoices):
    CENTRALISED = "centralised", "中央集権型 / Centralised"
    DECENTRALISED = "decentralised", "分散型 / Decentralised"
    HYBRID = "hybrid", "ハイブリッド型 / Hybrid"


class OrganisationGovernance(models.Model):
    """The organisation-wide governance model (one row). Units may override it."""

    model = models.CharField("ガバナンスモデル / Model", max_length=20, choices=GovernanceModel.choices, default=GovernanceModel.CENTRALISED)
    hybrid_threshold = models.DecimalField(
        "ハイブリッド閾値(円) / Hybrid budget threshold (JPY)", max_digits=14, decimal_places=0, default=3_000_000,
        help_text="この金額以下は事業部長のみ、超える場合は事業部長→CMOの2段階承認 / Up to this budget the unit head approves; above it, unit head then CMO.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "組織ガバナンス / Organisation governance"
        verbose_name_plural = "組織ガバナンス / Organisation governance"
        constraints = [models.CheckConstraint(condition=models.Q(hybrid_threshold__gte=0), name="org_threshold_non_negative")]

    def __str__(self) -> str:
        return self.get_model_display()


class UnitGovernance(models.Model):
    """A business unit's override of the organisation's model (e.g. APAC decentralised)."""

    unit = models.OneToOneField(BusinessUnit, on_delete=models.CASCADE, related_name="governance")
    model = models.CharField("ガバナンスモデル / Model", max_length=20, choices=GovernanceModel.choices)
    hybrid_threshold = models.DecimalField("ハイブリッド閾値(円) / Hybrid threshold (JPY)", max_digits=14, decimal_places=0, null=True, blank=True)

    class Meta:
        verbose_name = "事業部ガバナンス / Unit override"
        verbose_name_plural = "事業部ガバナンス / Unit overrides"
        constraints = [models.CheckConstraint(condition=models.Q(hybrid_threshold__gte=0) | models.Q(hybrid_threshold__isnull=True), name="unit_threshold_non_negative")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_model_display()}"


class GovernanceChange(models.Model):
    """Append-only log of governance setting changes (who changed what, when)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=60)  # "organisation" or "unit:<slug>"
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "ガバナンス変更履歴 / Governance change"
        verbose_name_plural = "ガバナンス変更履歴 / Governance changes"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("Governance changes are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Governance changes are append-only.")


class Delegation(models.Model):
    """An approver's out-of-office delegation: the delegate approves in [start, end] only."""

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given", verbose_name="委任者 / Delegator")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received", verbose_name="代理人 / Delegate")
    start = models.DateField("開始日 / From")
    end = models.DateField("終了日 / Until (inclusive)")
    reason = models.CharField("理由 / Reason", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "承認代理 / Delegation"
        verbose_name_plural = "承認代理 / Delegations"
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="delegation_end_after_start")]
        indexes = [models.Index(fields=["delegate", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.start}〜{self.end})"

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

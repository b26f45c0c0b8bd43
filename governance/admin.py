from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import BusinessUnit, Delegation, GovernanceChange, Membership, OrganisationGovernance, UnitGovernance


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "head"]
    list_select_related = ["head"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit"]
    list_filter = ["unit"]
    list_select_related = ["user", "unit"]


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Settings that must change through governance.services (validated and logged)."""


@admin.register(OrganisationGovernance)
class OrganisationGovernanceAdmin(ReadOnlyAdmin):
    list_display = ["model", "hybrid_threshold", "updated_at"]


@admin.register(UnitGovernance)
class UnitGovernanceAdmin(ReadOnlyAdmin):
    list_display = ["unit", "model", "hybrid_threshold"]


@admin.register(GovernanceChange)
class GovernanceChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "scope", "after"]
    list_select_related = ["actor"]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["delegator", "delegate", "start", "end", "revoked_at"]
    list_select_related = ["delegator", "delegate"]

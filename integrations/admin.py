from django.contrib import admin

from .models import Notification, NotificationPreference, SlaNotice, Webhook, WebhookDelivery
from .services import can_configure_webhooks


class AdminRoleOnly:
    """Webhooks carry secrets and send data out: Admins only, also in the Django admin."""

    def has_module_permission(self, request):
        return can_configure_webhooks(request.user)

    def has_view_permission(self, request, obj=None):
        return can_configure_webhooks(request.user)

    def has_add_permission(self, request):
        return can_configure_webhooks(request.user)

    def has_change_permission(self, request, obj=None):
        return can_configure_webhooks(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_configure_webhooks(request.user)


@admin.register(Webhook)
class WebhookAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ["name", "url", "format", "active", "created_by", "updated_at"]
    list_filter = ["active", "format"]
    search_fields = ["name", "url"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "event",
        "status",
        "attempt",
        "status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["uuid", "dedupe_key"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "time_zone", "daily_digest", "last_digest_on", "feed_token_created_at"]
    list_filter = ["language", "daily_digest"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["feed_token_created_at", "last_digest_on"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notices are written by the event fan-out and read-marked by their recipient."""

    list_display = ["created_at", "user", "event", "in_app", "read_at", "emailed_at", "dedupe_key"]
    list_filter = ["event", "in_app", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "dedupe_key"]
    list_select_related = ["user"]
    readonly_fields = ["user", "event", "dedupe_key", "data", "created_at", "emailed_at", "in_app", "read_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaNotice)
class SlaNoticeAdmin(admin.ModelAdmin):
    list_display = ["task", "state", "due_at", "created_at"]
    list_filter = ["state"]
    readonly_fields = ["task", "state", "due_at", "created_at"]

    def has_add_permission(self, request):
        return False

"""REST API for webhooks (Admins only): the same services as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .events import WEBHOOK_EVENT_CHOICES
from .models import Webhook, WebhookDelivery


class IsWebhookAdmin(permissions.BasePermission):
    message = _("Only Admins configure webhooks.")

    def has_permission(self, request, view) -> bool:
        return services.can_configure_webhooks(request.user)


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENT_CHOICES), allow_empty=False, max_length=20
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    secret = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=128,
        min_length=16,
        help_text="HMAC-SHA256 key; generated when omitted",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "url",
            "events",
            "format",
            "language",
            "active",
            "secret",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]

    def validate_events(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "uuid",
            "webhook",
            "event",
            "status",
            "attempt",
            "status_code",
            "response_excerpt",
            "error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
            "history",
        ]
        read_only_fields = fields


def _save(serializer, **extra):
    try:
        return services.webhook_save(**extra, **serializer.validated_data)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc


class WebhookViewSet(viewsets.ModelViewSet):
    """Outgoing webhooks. Admins only."""

    serializer_class = WebhookSerializer
    permission_classes = [permissions.IsAuthenticated, IsWebhookAdmin]
    queryset = Webhook.objects.select_related("created_by").order_by("name", "id")
    filterset_fields = ["active", "format"]

    def perform_create(self, serializer):
        serializer.instance = _save(serializer, by=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = _save(serializer, webhook=serializer.instance, by=self.request.user)

    def perform_destroy(self, instance):
        services.webhook_delete(webhook_id=instance.pk, by=self.request.user)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer, filterset_fields=[])
    def deliveries(self, request, pk=None):
        """The delivery log of the webhook, newest first."""
        webhook = self.get_object()
        qs = webhook.deliveries.order_by("-created_at", "-id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"], serializer_class=DeliverySerializer, filterset_fields=[])
    def test(self, request, pk=None):
        """Queue a signed ``webhook.test`` delivery."""
        webhook = self.get_object()
        delivery = services.webhook_send_test(webhook_id=webhook.pk, by=request.user)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

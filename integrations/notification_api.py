"""REST API of the notification centre: a user's own notices only (anyone else's id is a 404)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from . import inbox
from .events import Event
from .models import Notification


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.ChoiceField(choices=Event.choices)
    label = serializers.CharField()
    subject = serializers.CharField()
    actor_name = serializers.CharField()
    excerpt = serializers.CharField()
    url = serializers.CharField(help_text="Path of the object the notice is about")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.BooleanField()

    def to_representation(self, instance):
        return super().to_representation(inbox.notice_view(instance))


UNREAD_VALUES = {"true": True, "1": True, "false": False, "0": False}


@extend_schema(
    parameters=[
        OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: only unread; false: only read"),
    ]
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's in-app notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_fields: list[str] = []
    queryset = Notification.objects.none()

    def get_queryset(self):
        raw = self.request.query_params.get("unread")
        unread = None
        if raw not in (None, ""):
            if raw.lower() not in UNREAD_VALUES:
                raise ValidationError({"unread": [_("Use true or false.")]})
            unread = UNREAD_VALUES[raw.lower()]
        return inbox.notification_list_for(self.request.user, unread=unread)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of your notifications read (idempotent)."""
        try:
            note = inbox.notification_mark_read(notification_id=int(pk), by=request.user)
        except (Notification.DoesNotExist, ValueError, TypeError):
            return Response({"detail": str(_("Not found."))}, status=status.HTTP_404_NOT_FOUND)
        return Response(NotificationSerializer(note).data)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your unread notifications read."""
        return Response({"marked": inbox.notification_mark_all_read(by=request.user)})

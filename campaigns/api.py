"""REST API for campaign requests: the same selectors and services as the pages."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.models import BusinessUnit

from . import selectors, services
from .forms import REQUEST_FORM_FIELDS, RequestFilter
from .models import CampaignRequest, CampaignType, Channel, RequestEvent


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RequestEvent
        fields = ["action", "from_state", "to_state", "actor", "at", "comment"]


class CampaignRequestSerializer(serializers.ModelSerializer):
    campaign_type = serializers.SlugRelatedField(slug_field="slug", queryset=CampaignType.objects.filter(is_active=True))
    business_unit = serializers.SlugRelatedField(slug_field="slug", queryset=BusinessUnit.objects.all())
    channels = serializers.SlugRelatedField(slug_field="slug", queryset=Channel.objects.all(), many=True, required=False)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = CampaignRequest
        fields = ["id", *REQUEST_FORM_FIELDS, "currency", "requester", "state", "governance_model",
                  "submitted_at", "created_at", "allowed_actions", "events"]
        read_only_fields = ["state", "currency", "governance_model", "submitted_at", "created_at"]
        extra_kwargs = {"budget": {"min_value": 0}, "target_pipeline": {"min_value": 0}, "target_revenue": {"min_value": 0}}

    def validate_launch_date(self, value):
        if error := services.launch_date_error(value):
            raise serializers.ValidationError(error)
        return value

    def get_allowed_actions(self, obj: CampaignRequest) -> list[str]:
        return services.allowed_actions(obj, self.context["request"].user)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


def _transition_view(action_name: str):
    @extend_schema(request=CommentSerializer, responses=CampaignRequestSerializer)
    def view(self, request, pk=None):
        obj = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.request_transition(request_id=obj.pk, action=action_name, by=request.user,
                                    comment=payload.validated_data["comment"])
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    view.__name__ = action_name
    return action(detail=True, methods=["post"], url_path=action_name.replace("_", "-"))(view)


class CampaignRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                             mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Campaign requests. Writes go through campaigns.services; reads through selectors."""

    serializer_class = CampaignRequestSerializer
    filterset_class = RequestFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        from django.db.models import Prefetch

        return selectors.request_list_for(self.request.user).prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor"))
        )

    def _reload(self, pk: int) -> CampaignRequest:
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        channels = data.pop("channels", [])
        serializer.instance = services.request_create(by=self.request.user, channels=channels, **data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.get_serializer(self._reload(serializer.instance.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        obj = self.get_object()
        if obj.requester_id != request.user.pk:
            raise PermissionDenied("自分の依頼のみ編集できます / Only the requester may edit this request.")
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        channels = data.pop("channels", None)
        services.request_update(request_id=obj.pk, by=request.user, channels=channels, **data)
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    submit = _transition_view("submit")
    approve = _transition_view("approve")
    reject = _transition_view("reject")
    request_changes = _transition_view("request_changes")
    resubmit = _transition_view("resubmit")
    cancel = _transition_view("cancel")
    launch = _transition_view("launch")

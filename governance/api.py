"""GET/PUT /api/governance/ and the approvers' delegations API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import policy, roles, services
from .models import Delegation, GovernanceModel


class UnitOverrideSerializer(serializers.Serializer):
    unit = serializers.SlugField()
    model = serializers.ChoiceField(choices=GovernanceModel.values)
    hybrid_threshold = serializers.DecimalField(
        max_digits=14, decimal_places=0, min_value=0, required=False, allow_null=True
    )


class GovernanceSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=GovernanceModel.values)
    hybrid_threshold = serializers.DecimalField(max_digits=14, decimal_places=0, min_value=0)
    units = UnitOverrideSerializer(many=True, required=False)


class GovernanceStateSerializer(serializers.Serializer):
    """The settings as stored plus, per unit, the model in force."""

    model = serializers.ChoiceField(choices=GovernanceModel.values)
    hybrid_threshold = serializers.CharField()
    units = serializers.DictField(child=serializers.DictField(), help_text="unit slug -> override")
    effective = serializers.DictField(child=serializers.DictField(), help_text="unit slug -> model in force")


class GovernanceView(APIView):
    """The governance model: everyone signed in may read it; Admins may change it."""

    @extend_schema(responses=GovernanceStateSerializer)
    def get(self, request):
        return Response(services.governance_state())

    @extend_schema(request=GovernanceSerializer, responses=GovernanceStateSerializer)
    def put(self, request):
        if not policy.has_role(request.user, roles.ADMIN):
            raise PermissionDenied(_("Only Admins change governance settings."))
        payload = GovernanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.governance_update(
            by=request.user,
            model=data["model"],
            hybrid_threshold=data["hybrid_threshold"],
            units=[dict(u) for u in data.get("units", [])],
        )
        return Response(services.governance_state())


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    delegate = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())

    class Meta:
        model = Delegation
        fields = ["id", "delegator", "delegate", "start", "end", "reason", "revoked_at"]
        read_only_fields = ["revoked_at"]


class DelegationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """An approver's out-of-office delegations."""

    serializer_class = DelegationSerializer

    def get_queryset(self):
        qs = Delegation.objects.select_related("delegator", "delegate").order_by("-start", "-id")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return qs.none()
        if policy.has_role(self.request.user, roles.ADMIN):
            return qs
        return qs.filter(delegator=self.request.user) | qs.filter(delegate=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.delegation_create(
            delegator=self.request.user, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        delegation = self.get_object()
        return Response(
            self.get_serializer(services.delegation_revoke(delegation_id=delegation.pk, by=request.user)).data
        )

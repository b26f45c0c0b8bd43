"""REST API for campaign requests: the same selectors and services as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import BusinessUnit

from . import results, selectors, services, surveys
from .forms import REQUEST_FORM_FIELDS, FeasibilityParams, RequestFilter
from .models import CampaignRequest, CampaignResult, CampaignType, Channel, RequestEvent, Survey, SurveyResponse
from .params import parse_params


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RequestEvent
        fields = ["action", "from_state", "to_state", "actor", "at", "comment"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.action == "comment":
            # The comment's words are served by /comments/ only, where edits show and a deleted
            # comment's body is gone; the (immutable) event keeps them for the audit trail.
            data["comment"] = ""
        return data


class CampaignRequestSerializer(serializers.ModelSerializer):
    campaign_type = serializers.SlugRelatedField(
        slug_field="slug", queryset=CampaignType.objects.filter(is_active=True)
    )
    business_unit = serializers.SlugRelatedField(slug_field="slug", queryset=BusinessUnit.objects.all())
    channels = serializers.SlugRelatedField(
        slug_field="slug", queryset=Channel.objects.all(), many=True, required=False
    )
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)
    external_ids = serializers.SerializerMethodField()

    class Meta:
        model = CampaignRequest
        fields = [
            "id",
            *REQUEST_FORM_FIELDS,
            "currency",
            "requester",
            "state",
            "governance_model",
            "submitted_at",
            "created_at",
            "allowed_actions",
            "events",
            "external_ids",
        ]
        read_only_fields = ["state", "currency", "governance_model", "submitted_at", "created_at"]
        extra_kwargs = {
            "budget": {"min_value": 0},
            "target_pipeline": {"min_value": 0},
            "target_revenue": {"min_value": 0},
        }

    def validate_launch_date(self, value):
        if error := services.launch_date_error(value):
            raise serializers.ValidationError(error)
        return value

    def get_allowed_actions(self, obj: CampaignRequest) -> list[str]:
        return services.allowed_actions(obj, self.context["request"].user)

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"system": {"type": "string"}, "key": {"type": "string"}, "url": {"type": "string"}},
            },
        }
    )
    def get_external_ids(self, obj: CampaignRequest) -> list[dict[str, str]]:
        return [{"system": r.system, "key": r.key, "url": r.link} for r in obj.external_refs.all()]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignResult
        fields = results.RESULT_FIELDS
        extra_kwargs = {f: {"min_value": 0} for f in results.RESULT_FIELDS}


class ResultImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    mapping = serializers.JSONField(
        required=False, help_text="our field -> file column; guessed from the headers when omitted"
    )
    dry_run = serializers.BooleanField(default=False)
    preset = serializers.ChoiceField(
        choices=["salesforce", "hubspot", "marketo"],
        required=False,
        allow_blank=True,
        default="",
        help_text="a CRM/MA campaign report: rows matched by its campaign id, the UTM code, then the exact name",
    )


class ResultImportView(APIView):
    """POST a CSV/XLSX export: all-or-nothing import of campaign results (MOps only)."""

    parser_classes = [MultiPartParser]
    serializer_class = ResultImportSerializer

    @extend_schema(request={"multipart/form-data": ResultImportSerializer}, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        payload = ResultImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        if upload.size > 5 * 1024 * 1024:
            return Response({"file": ["At most 5 MB."]}, status=status.HTTP_400_BAD_REQUEST)
        content = upload.read()
        headers, rows = results.read_table(content, upload.name)
        preset = payload.validated_data["preset"]
        mapping = payload.validated_data.get("mapping") or results.guess_mapping(headers, preset)
        plan = results.results_import_plan(headers=headers, rows=rows, mapping=mapping, by=request.user, preset=preset)
        body = {
            "mapping": mapping,
            "rows": len(plan.rows),
            "errors": plan.errors,
            "preview": [
                {
                    "row": r["row"],
                    "campaign": r["campaign"].pk,
                    "action": r["action"],
                    **{k: (str(v) if v is not None else None) for k, v in r["values"].items()},
                }
                for r in plan.rows[:100]
            ],
        }
        if not plan.ok:
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if payload.validated_data["dry_run"]:
            return Response(body)
        record = results.results_import_apply(
            content=content, filename=upload.name, mapping=mapping, by=request.user, preset=preset
        )
        return Response({**body, "created": record.created, "updated": record.updated}, status=status.HTTP_201_CREATED)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


def _transition_view(action_name: str):
    @extend_schema(request=CommentSerializer, responses=CampaignRequestSerializer)
    def view(self, request, pk=None):
        obj = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.request_transition(
            request_id=obj.pk, action=action_name, by=request.user, comment=payload.validated_data["comment"]
        )
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    view.__name__ = action_name
    return action(detail=True, methods=["post"], url_path=action_name.replace("_", "-"))(view)


class CampaignRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Campaign requests. Writes go through campaigns.services; reads through selectors."""

    serializer_class = CampaignRequestSerializer
    filterset_class = RequestFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        from django.db.models import Prefetch

        qs = selectors.request_list_for(self.request.user).prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor")), "external_refs"
        )
        if self.action == "list":  # ?sort= : whitelisted columns only (else 400)
            from .sorting import parse_sort_strict

            sort = parse_sort_strict(self.request.query_params.get("sort"), selectors.REQUEST_SORTS)
            qs = selectors.request_sorted(qs, sort)
        return qs

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
            raise PermissionDenied(_("Only the requester may edit this request."))
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        channels = data.pop("channels", None)
        services.request_update(request_id=obj.pk, by=request.user, channels=channels, **data)
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    @extend_schema(request=ResultSerializer, responses=ResultSerializer)
    @action(detail=True, methods=["get", "put"], url_path="result")
    def result(self, request, pk=None):
        obj = self.get_object()
        if request.method == "GET":
            existing = CampaignResult.objects.filter(request=obj).first()
            if existing is None:
                return Response({"detail": "No results yet."}, status=status.HTTP_404_NOT_FOUND)
            return Response(ResultSerializer(existing).data)
        payload = ResultSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = results.result_save(request_id=obj.pk, by=request.user, source="api", **payload.validated_data)
        return Response(ResultSerializer(saved).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="feasibility")
    def feasibility(self, request, pk=None):
        """Launch feasibility of this request (computed by the registered providers)."""
        obj = self.get_object()
        plan = selectors.request_feasibility(obj, now=timezone.now())
        if plan is None:
            return Response({"detail": "No task template for this campaign type."}, status=status.HTTP_404_NOT_FOUND)
        return Response(plan)

    submit = _transition_view("submit")
    approve = _transition_view("approve")
    reject = _transition_view("reject")
    request_changes = _transition_view("request_changes")
    resubmit = _transition_view("resubmit")
    cancel = _transition_view("cancel")
    launch = _transition_view("launch")


class FeasibilityView(APIView):
    """GET ?campaign_type=<slug>&launch_date=YYYY-MM-DD[&end_date=YYYY-MM-DD]: the plan for a launch date."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = parse_params(FeasibilityParams, request.query_params)
        if not params.is_valid():
            return Response(params.errors, status=status.HTTP_400_BAD_REQUEST)
        data = params.cleaned_data
        plan = selectors.launch_feasibility(
            campaign_type=data["campaign_type"],
            launch_date=data["launch_date"],
            now=timezone.now(),
            end_date=data.get("end_date"),
        )
        if plan is None:
            return Response({"detail": "No task template for this campaign type."}, status=status.HTTP_404_NOT_FOUND)
        return Response(plan)


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = ["id", "quarter", "anonymous", "opened_at", "closed_at"]
        read_only_fields = ["opened_at", "closed_at"]


class SurveyResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyResponse
        fields = [*surveys.QUESTION_FIELDS, "strengthen", "unclear"]


class SurveyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Quarterly satisfaction surveys: MOps opens and reads results, requesters answer."""

    serializer_class = SurveySerializer
    queryset = Survey.objects.all()

    def perform_create(self, serializer):
        serializer.instance = surveys.survey_open(by=self.request.user, **serializer.validated_data)

    @extend_schema(request=SurveyResponseSerializer, responses=SurveyResponseSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        payload = SurveyResponseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = surveys.survey_respond(survey_id=self.get_object().pk, by=request.user, **payload.validated_data)
        return Response(SurveyResponseSerializer(saved).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(surveys.survey_results(survey=self.get_object(), viewer=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return Response(SurveySerializer(surveys.survey_close(survey_id=self.get_object().pk, by=request.user)).data)

"""REST API for tasks and workload: the same selectors and services as the pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.params import parse_params
from governance import policy

from . import capacity, reschedule, selectors, services, timeline
from .board import task_board_move
from .deliverables import deliverable_input
from .forms import CapacityForm, PortfolioForm, TaskFilter, WorkloadParams
from .generation import tasks_generate
from .models import Deliverable, Task, TaskEvent, TaskState, TaskType
from .workload import balance, balance_history, workload_rows


class TaskEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # None: the system
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = TaskEvent
        fields = ["action", "from_state", "to_state", "actor", "at", "comment", "data"]


class DeliverableSerializer(serializers.ModelSerializer):
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Deliverable
        fields = [
            "version",
            "original_name",
            "content_type",
            "size",
            "url",
            "download_url",
            "note",
            "submitted_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Deliverable) -> str | None:
        return reverse("tasks:deliverable", args=[obj.pk]) if obj.file else None


class TaskSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    task_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    state = serializers.CharField(
        read_only=True, help_text="todo | in_progress | waiting | in_review | done | cancelled"
    )
    sla_state = serializers.CharField(
        source="live_sla_state",
        read_only=True,
        help_text="on_track | at_risk | breached | met | missed, live at the time of the request",
    )
    due_is_forecast = serializers.BooleanField(
        read_only=True,
        help_text="true when due_at is only a forecast: the SLA clock has not started (waiting for "
        "predecessors, or for an assignee when the policy starts the clock on assignment)",
    )
    depends_on = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    blocked_by = serializers.SerializerMethodField(
        help_text="Open predecessors keeping a to-do task from starting: id, key, title, assignee, due_at, url"
    )
    may_start = serializers.SerializerMethodField(
        help_text="Who may start the task once unblocked: its assignee (null: MOps must assign it first) and MOps"
    )
    review_by = serializers.CharField(source="task_type.review_by", read_only=True)
    deliverable_rule = serializers.CharField(source="task_type.deliverable", read_only=True)
    deliverables = DeliverableSerializer(many=True, read_only=True)
    events = TaskEventSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "key",
            "title",
            "campaign",
            "campaign_name",
            "task_type",
            "assignee",
            "state",
            "position",
            "estimated_hours",
            "actual_hours",
            "depends_on",
            "due_at",
            "due_is_forecast",
            "at_risk_at",
            "sla_state",
            "started_at",
            "completed_at",
            "created_at",
            "allowed_actions",
            "blocked_by",
            "may_start",
            "review_by",
            "deliverable_rule",
            "deliverables",
            "events",
        ]
        read_only_fields = fields

    def get_depends_on(self, obj: Task) -> list[int]:
        return sorted(p.pk for p in obj.depends_on.all())

    def get_allowed_actions(self, obj: Task) -> list[str]:
        return services.allowed_actions(obj, self.context["request"].user)

    def get_blocked_by(self, obj: Task) -> list[dict]:
        return [
            {
                "id": p.pk,
                "key": p.key,
                "title": p.title,
                "assignee": p.assignee.username if p.assignee_id else None,
                "due_at": p.due_at,
                "url": reverse("tasks:detail", args=[p.pk]),
            }
            for p in selectors.blocked_by(obj)
        ]

    def get_may_start(self, obj: Task) -> dict:
        who = selectors.who_may_start(obj)
        return {"assignee": who["assignee"].username if who["assignee"] else None, "mops": who["ops"]}


class ReasonSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class CompleteSerializer(serializers.Serializer):
    # Optional under a review rule: the assignee entered the hours on submit.
    actual_hours = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class SubmitReviewSerializer(serializers.Serializer):
    """JSON or multipart: the deliverable (``file`` and/or ``link``), a note and the hours spent."""

    file = serializers.FileField(required=False, allow_null=True, allow_empty_file=True)
    link = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    actual_hours = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True
    )


class MoveSerializer(SubmitReviewSerializer):
    """A board move: the target column, and what that move's transition needs."""

    to_state = serializers.ChoiceField(choices=TaskState.choices)
    expected_state = serializers.ChoiceField(choices=TaskState.choices, required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class AddTaskSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    task_type = serializers.SlugRelatedField(slug_field="slug", queryset=TaskType.objects.filter(is_active=True))
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    estimated_hours = serializers.DecimalField(
        required=False, max_digits=6, decimal_places=1, min_value=0, allow_null=True
    )
    depends_on = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class CampaignSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()


class ReorderSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    order = serializers.ListField(child=serializers.IntegerField())


def _transition(action_name: str, payload_class=ReasonSerializer):
    @extend_schema(request=payload_class, responses=TaskSerializer)
    def view(self, request, pk=None):
        obj = self.get_object()
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.task_transition(
            task_id=obj.pk,
            action=action_name,
            by=request.user,
            comment=data.get("comment") or data.get("reason") or "",
            actual_hours=data.get("actual_hours"),
        )
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    view.__name__ = action_name
    return action(detail=True, methods=["post"], url_path=action_name.replace("_", "-"))(view)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks. Writes go through tasks.services; reads through tasks.selectors."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        qs = selectors.task_list_with_events_for(self.request.user)
        if self.action == "list":  # ?sort= : whitelisted columns only (else 400)
            from campaigns.sorting import parse_sort_strict

            sort = parse_sort_strict(self.request.query_params.get("sort"), selectors.TASK_SORTS)
            qs = selectors.task_sorted(qs, sort) if sort else qs
        return qs

    def _reload(self, pk: int) -> Task:
        return self.get_queryset().get(pk=pk)

    @extend_schema(request=AssignSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        obj = self.get_object()
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.task_assign(
            task_id=obj.pk,
            assignee=payload.validated_data["assignee"] or None,
            by=request.user,
            comment=payload.validated_data["comment"],
        )
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    start = _transition("start")
    pause = _transition("pause")
    resume = _transition("resume")
    complete = _transition("complete", CompleteSerializer)
    return_review = _transition("return_review")
    reopen = _transition("reopen")
    cancel = _transition("cancel")

    @extend_schema(request=SubmitReviewSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"], url_path="submit-review")
    def submit_review(self, request, pk=None):
        """Submit for review with the deliverable (a new version) the task type may require."""
        obj = self.get_object()
        payload = SubmitReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        services.task_transition(
            task_id=obj.pk,
            action="submit_review",
            by=request.user,
            comment=d["comment"],
            actual_hours=d.get("actual_hours"),
            deliverable=deliverable_input(file=d.get("file"), url=d["link"], note=d["comment"]),
        )
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    @extend_schema(request=MoveSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the task to another board column (the transition between the two; 409 when none)."""
        obj = self.get_object()
        payload = MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        task_board_move(
            task_id=obj.pk,
            to_state=d["to_state"],
            by=request.user,
            comment=d["comment"],
            actual_hours=d.get("actual_hours"),
            expected_state=d.get("expected_state") or None,
            deliverable=deliverable_input(file=d.get("file"), url=d["link"], note=d["comment"]),
        )
        return Response(self.get_serializer(self._reload(obj.pk)).data)

    @extend_schema(request=AddTaskSerializer, responses=TaskSerializer)
    def create(self, request, *args, **kwargs):
        """Add a task to a campaign by hand (MOps)."""
        payload = AddTaskSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        task = services.task_add(
            campaign_id=_visible_campaign(request.user, d["campaign"]),
            task_type=d["task_type"],
            title=d["title"],
            estimated_hours=d.get("estimated_hours"),
            depends_on=d["depends_on"],
            by=request.user,
        )
        return Response(self.get_serializer(self._reload(task.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignSerializer, responses=TaskSerializer(many=True))
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Generate a campaign's tasks from its template (MOps); idempotent."""
        payload = CampaignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tasks = tasks_generate(
            request_id=_visible_campaign(request.user, payload.validated_data["campaign"]), by=request.user
        )
        qs = self.get_queryset().filter(pk__in=[t.pk for t in tasks])
        return Response(self.get_serializer(qs, many=True).data, status=status.HTTP_200_OK)

    @extend_schema(request=ReorderSerializer, responses=TaskSerializer(many=True))
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        payload = ReorderSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        campaign_id = _visible_campaign(request.user, payload.validated_data["campaign"])
        services.tasks_reorder(campaign_id=campaign_id, ordered_ids=payload.validated_data["order"], by=request.user)
        qs = self.get_queryset().filter(campaign_id=campaign_id).order_by("position", "id")
        return Response(self.get_serializer(qs, many=True).data)


def _visible_campaign(user, campaign_id: int) -> int:
    from campaigns.selectors import request_get_for

    return request_get_for(user, campaign_id, with_events=False).pk


class WorkloadViewSet(viewsets.ViewSet):
    """Per person workload and the team's balance indices (MOps and Admins)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request):
        from django.core.exceptions import PermissionDenied

        if not policy.is_ops(request.user):
            raise PermissionDenied(_("Only MOps may see the workload."))
        now = timezone.now()
        rows = workload_rows(now=now)
        people = [
            {
                k: (str(v) if k in ("open_hours", "capacity_hours", "weekly_hours") else v)
                for k, v in r.items()
                if k != "user"
            }
            for r in rows
        ]
        params = parse_params(WorkloadParams, request.query_params)
        if not params.is_valid():
            return Response(params.errors, status=400)
        weeks = params.cleaned_data["weeks"] or 12
        return Response(
            {
                "at": now,
                "people": people,
                "balance": balance(rows),
                # null while the weekly snapshots are being computed by a job (ask again shortly)
                "history": balance_history(rows=rows, weeks=max(1, min(weeks, 52)), now=now, wait=False),
            }
        )


class CampaignTimelineView(APIView):
    """GET /api/requests/{id}/timeline/: the campaign's Gantt data (tasks, or its plan before approval).

    Tasks carry key, title, planned_start, due, state, sla_state, assignee, depends_on (keys),
    anchor and critical; plus launch_date, end_date and critical_path. 404 for a request the
    user may not see.
    """

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        campaign = selectors.campaign_for(request.user, pk)
        tasks = selectors.campaign_timeline_tasks_for(request.user, campaign.pk)
        return Response(timeline.campaign_timeline(campaign, tasks, now=timezone.now()))


class PortfolioTimelineView(APIView):
    """GET /api/timeline/?from=YYYY-MM-DD&to=YYYY-MM-DD[&unit=&campaign_type=&state=&page=]: one row per campaign.

    The period defaults to this quarter and the next; inverted or over two years is a 400. Rows
    come 50 a page by launch date; ``has_more`` says whether ``page + 1`` holds more.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=False),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False),
            OpenApiParameter("unit", OpenApiTypes.STR, required=False),
            OpenApiParameter("campaign_type", OpenApiTypes.STR, required=False),
            OpenApiParameter("state", OpenApiTypes.STR, required=False),
            OpenApiParameter("page", OpenApiTypes.INT, required=False),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        now = timezone.now()
        form = PortfolioForm(request.query_params, today=timezone.localdate(now))
        if not form.is_valid():
            return Response(form.api_errors(), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        page = selectors.portfolio_for(
            request.user,
            first=data["from_"],
            last=data["to"],
            unit=data["unit"],
            campaign_type=data["campaign_type"],
            state=data["state"],
            page=data["page"],
        )
        return Response(timeline.portfolio(page, first=data["from_"], last=data["to"], now=now))


class CapacityView(APIView):
    """GET /api/capacity/?weeks=12: per role and per week demand_hours, pending_hours (submitted,
    not yet approved) and capacity_hours, plus per person demand and capacity (MOps, Admins, approvers)."""

    @extend_schema(
        parameters=[OpenApiParameter("weeks", OpenApiTypes.INT, required=False, description="1-52, default 12")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        from django.core.exceptions import PermissionDenied

        if not capacity.may_see_capacity(request.user):
            raise PermissionDenied(_("Only MOps and approvers may see the capacity forecast."))
        form = CapacityForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(capacity.team_forecast(weeks=form.cleaned_data["weeks"], now=timezone.now()))


class RescheduleSerializer(serializers.Serializer):
    launch_date = serializers.DateField()
    end_date = serializers.DateField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class RescheduleView(APIView):
    """GET ?launch_date&end_date: what the move would do (nothing written; 400 with the reasons when
    refused). POST {launch_date, end_date, comment}: save it (audited; open post-launch tasks re-planned).

    The requester may move a request before approval; after approval only MOps.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("launch_date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end_date", OpenApiTypes.DATE, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        from campaigns.selectors import request_get_for

        campaign = request_get_for(request.user, pk, with_events=False)
        payload = RescheduleSerializer(data=request.query_params)
        payload.is_valid(raise_exception=True)
        preview = reschedule.reschedule_preview(
            campaign=campaign,
            launch_date=payload.validated_data["launch_date"],
            end_date=payload.validated_data["end_date"],
            user=request.user,
        )
        if preview["errors"]:
            errors = {("non_field_errors" if k == "__all__" else k): [v] for k, v in preview["errors"].items()}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(preview)

    @extend_schema(request=RescheduleSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        from campaigns.selectors import request_get_for

        campaign = request_get_for(request.user, pk, with_events=False)
        payload = RescheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(
            reschedule.campaign_reschedule(campaign_id=campaign.pk, by=request.user, **payload.validated_data)
        )

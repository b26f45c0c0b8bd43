"""REST API of the working lists: global search, saved views (own only), bulk actions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.bulk import BULK_ACTIONS as REQUEST_ACTIONS
from campaigns.bulk import MAX_ROWS, requests_bulk_transition
from tasks.bulk import BULK_ACTIONS as TASK_ACTIONS
from tasks.bulk import tasks_bulk

from . import search, selectors, services
from .models import Page, SavedView


class SearchResultSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="request | task | article")
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    snippet = serializers.CharField(source="snippet_html", help_text="HTML-escaped text, matches in <mark>")


class SearchGroupSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    results = SearchResultSerializer(many=True)


class SearchResponseSerializer(serializers.Serializer):
    q = serializers.CharField()
    results = SearchResultSerializer(many=True)
    groups = SearchGroupSerializer(many=True)


class SearchView(APIView):
    """Requests, tasks and knowledge articles matching ``q`` that the caller may open."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="At least 2 characters, an id or a task key"),
            OpenApiParameter("type", str, required=False, description="request | task | article (repeatable)"),
        ],
        responses=SearchResponseSerializer,
    )
    def get(self, request):
        q = (request.query_params.get("q") or "")[:200]
        if problem := search.query_problem(q):
            return Response({"q": [problem]}, status=status.HTTP_400_BAD_REQUEST)
        types = [t for t in request.query_params.getlist("type") if t in search.TYPES]
        groups = search.search_all(request.user, q, types=types or None)
        data = SearchResponseSerializer(
            {"q": q, "results": [r for g in groups for r in g.results], "groups": groups}
        ).data
        return Response(data)


class SavedViewSerializer(serializers.ModelSerializer):
    page = serializers.ChoiceField(choices=Page.choices)
    url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "page", "name", "query", "url", "created_at", "updated_at"]
        read_only_fields = ["id", "url", "created_at", "updated_at"]

    def get_url(self, obj: SavedView) -> str:
        return selectors.page_url(obj.page, obj.query)


class RenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)


class SavedViewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own saved views (someone else's: 404). Update renames only."""

    serializer_class = SavedViewSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.saved_view_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        payload = SavedViewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        view = services.saved_view_create(page=d["page"], name=d["name"], query=d.get("query", ""), by=request.user)
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RenameSerializer, responses=SavedViewSerializer)
    def update(self, request, *args, **kwargs):
        view = self.get_object()
        payload = RenameSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        view = services.saved_view_rename(view_id=view.pk, name=payload.validated_data["name"], by=request.user)
        return Response(SavedViewSerializer(view).data)

    def destroy(self, request, *args, **kwargs):
        view = self.get_object()
        services.saved_view_delete(view_id=view.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RowResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The request name or task key")
    ok = serializers.BooleanField()
    error = serializers.CharField(help_text="Why the row was refused (empty when ok)")


class BulkResponseSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = RowResultSerializer(many=True)


def _ids_field():
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=MAX_ROWS
    )


class TaskBulkSerializer(serializers.Serializer):
    ids = _ids_field()
    action = serializers.ChoiceField(choices=TASK_ACTIONS)
    assignee = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    actual_hours = serializers.DecimalField(
        required=False, allow_null=True, max_digits=6, decimal_places=1, min_value=0, default=None
    )
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="set_due: the new due date (a working day of the task's SLA calendar); "
        "the reason goes in comment (required)",
    )


class RequestBulkSerializer(serializers.Serializer):
    ids = _ids_field()
    action = serializers.ChoiceField(choices=REQUEST_ACTIONS)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


def _bulk_response(results) -> Response:
    done = sum(1 for r in results if r.ok)
    body = {"done": done, "failed": len(results) - done, "results": [r.as_dict() for r in results]}
    return Response(body, status=status.HTTP_200_OK)


class TaskBulkView(APIView):
    """Assign, move or re-date many tasks; each row succeeds or fails on its own (200 with per-row
    results). ``set_due`` (MOps) needs ``due_date`` and a reason in ``comment``."""

    @extend_schema(request=TaskBulkSerializer, responses=BulkResponseSerializer)
    def post(self, request):
        payload = TaskBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        results = tasks_bulk(
            task_ids=d["ids"],
            action=d["action"],
            by=request.user,
            assignee=d["assignee"] or None,
            comment=d["comment"],
            actual_hours=d["actual_hours"],
            due_date=d["due_date"],
        )
        return _bulk_response(results)


class RequestBulkView(APIView):
    """Move many requests (approve, reject, …); each row succeeds or fails on its own."""

    @extend_schema(request=RequestBulkSerializer, responses=BulkResponseSerializer)
    def post(self, request):
        payload = RequestBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        return _bulk_response(
            requests_bulk_transition(request_ids=d["ids"], action=d["action"], by=request.user, comment=d["comment"])
        )

"""REST API for the knowledge base: articles, search, read receipts, tools.

Routes (registered on config.urls.router): /api/knowledge/articles/, /api/knowledge/receipts/,
/api/knowledge/tools/, and GET /api/knowledge/search?q= (knowledge.api_urls).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from campaigns.models import CampaignType
from campaigns.params import BoundedJSONParser, PageParams, parse_params
from governance.models import BusinessUnit
from tasks.models import TaskType

from . import rendering, selectors, services, stack
from .forms import ArticleFilter, DiffParams, ReceiptFilter, ToolFilter
from .models import (
    BODY_MAX,
    TITLE_MAX,
    Article,
    ArticleVersion,
    Attachment,
    Category,
    ReadReceipt,
    Tool,
    ToolCategory,
    ToolStatus,
    Visibility,
)
from .search import search_articles


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = [
            "number",
            "label",
            "major",
            "minor",
            "is_major",
            "title",
            "author",
            "comment",
            "restored_from",
            "created_at",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "created_at", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("knowledge:attachment", args=[obj.pk])


class ArticleSerializer(serializers.ModelSerializer):
    # Lengths are checked by the service (one message for pages and API); DRF only types.
    title = serializers.CharField(allow_blank=True, max_length=TITLE_MAX * 10)
    body = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=BODY_MAX * 10, trim_whitespace=False
    )
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.EVERYONE)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    tag_names = serializers.ListField(child=serializers.CharField(max_length=50), write_only=True, required=False)
    campaign_types = serializers.SlugRelatedField(
        slug_field="slug", queryset=CampaignType.objects.all(), many=True, required=False
    )
    task_types = serializers.SlugRelatedField(
        slug_field="slug", queryset=TaskType.objects.all(), many=True, required=False
    )
    unit = serializers.SlugRelatedField(
        slug_field="slug", queryset=BusinessUnit.objects.all(), required=False, allow_null=True
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft, published, archived (change with publish/archive)")
    version = serializers.CharField(source="version_label", read_only=True)
    major = serializers.BooleanField(write_only=True, required=False, default=False)
    comment = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=300, default="")
    expected_version = serializers.IntegerField(write_only=True, required=False)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "category",
            "tags",
            "tag_names",
            "campaign_types",
            "task_types",
            "owner",
            "status",
            "review_by",
            "unit",
            "visibility",
            "version",
            "version_number",
            "created_at",
            "updated_at",
            "published_at",
            "major",
            "comment",
            "expected_version",
        ]
        read_only_fields = ["body_html", "status", "version_number", "created_at", "updated_at", "published_at"]


class ArticleListSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [
            "id",
            "title",
            "category",
            "tags",
            "campaign_types",
            "owner",
            "status",
            "review_by",
            "unit",
            "visibility",
            "version",
            "updated_at",
        ]


class RestoreSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    major = serializers.BooleanField(required=False, default=False)


class ReceiptSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    version = serializers.CharField(source="version.label", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)

    class Meta:
        model = ReadReceipt
        fields = ["id", "user", "article", "article_title", "version", "major", "read_at"]


class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Articles. Reads go through knowledge.selectors, writes through knowledge.services."""

    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            archived = self.request.query_params.get("status") == "archived"
            return (
                selectors.article_list_for(self.request.user, include_archived=archived)
                .select_related(None)
                .select_related("owner", "unit")
            )
        return selectors.article_list_for(self.request.user, include_archived=True).prefetch_related("task_types")

    def get_serializer_class(self):
        return ArticleListSerializer if self.action == "list" else ArticleSerializer

    def _reload(self, pk: int) -> Article:
        return selectors.article_get_for(self.request.user, pk)

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        article = services.article_create(
            by=request.user,
            title=d["title"],
            body=d.get("body", ""),
            category=d["category"],
            tags=d.get("tag_names", []),
            review_by=d.get("review_by"),
            unit=d.get("unit"),
            visibility=d["visibility"],
            campaign_types=d.get("campaign_types", []),
            task_types=d.get("task_types", []),
            comment=d.get("comment", ""),
        )
        return Response(
            ArticleSerializer(self._reload(article.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        article = self.get_object()
        ser = self.get_serializer(article, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        extra = {k: d.pop(k) for k in ("major", "comment", "expected_version") if k in d}
        tags = d.pop("tag_names", None)
        ctypes, ttypes = d.pop("campaign_types", None), d.pop("task_types", None)
        services.article_update(
            article_id=article.pk, by=request.user, tags=tags, campaign_types=ctypes, task_types=ttypes, **extra, **d
        )
        return Response(ArticleSerializer(self._reload(article.pk), context={"request": request}).data)

    def destroy(self, request, *args, **kwargs):
        article = self.get_object()
        services.article_delete(article_id=article.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _status_action(self, fn):
        article = self.get_object()
        fn(article_id=article.pk, by=self.request.user)
        return Response(ArticleSerializer(self._reload(article.pk), context={"request": self.request}).data)

    @extend_schema(request=None, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._status_action(services.article_publish)

    @extend_schema(request=None, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._status_action(services.article_archive)

    @extend_schema(request=RestoreSerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        article = self.get_object()
        ser = RestoreSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.article_restore(article_id=article.pk, by=request.user, **ser.validated_data)
        return Response(ArticleSerializer(self._reload(article.pk), context={"request": request}).data)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])  # a plain list, as documented
    def versions(self, request, pk=None):
        article = self.get_object()
        return Response(VersionSerializer(selectors.article_versions(article), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("a", int), OpenApiParameter("b", int)], responses=dict)
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        article = self.get_object()
        params = parse_params(DiffParams, request.query_params)
        if not params.is_valid():
            return Response(params.errors, status=status.HTTP_400_BAD_REQUEST)
        a, b = params.cleaned_data["a"] or 0, params.cleaned_data["b"] or article.version_number
        versions = {v.number: v for v in article.versions.filter(number__in=[a, b])}
        if a not in versions or b not in versions:
            return Response({"detail": "Unknown version"}, status=status.HTTP_404_NOT_FOUND)
        return Response(
            {
                "a": a,
                "b": b,
                "title": [versions[a].title, versions[b].title],
                "lines": [{"kind": k, "text": t} for k, t in rendering.diff_lines(versions[a].body, versions[b].body)],
            }
        )

    @extend_schema(request=None, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        article = self.get_object()
        receipt = services.receipt_record(article_id=article.pk, by=request.user)
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ArticleListSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def required(self, request):
        """Required reading of the current user; ``?unread=1`` for the unread ones only."""
        qs = selectors.required_for(request.user)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(is_read=False)
        data = ArticleListSerializer(qs, many=True).data
        for row, article in zip(data, qs, strict=False):
            row["is_read"] = article.is_read
        return Response(data)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses=AttachmentSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, BoundedJSONParser])
    def attachments(self, request, pk=None):
        article = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": [_("Choose a file.")]}, status=status.HTTP_400_BAD_REQUEST)
        attachment = services.attachment_add(article_id=article.pk, upload=upload, by=request.user)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ReceiptViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Read receipts: your own; MOps and Admins see everyone's (``?article=``, ``?user=``)."""

    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return selectors.receipt_list_for(self.request.user)


class ToolSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    articles = serializers.PrimaryKeyRelatedField(many=True, queryset=Article.objects.all(), required=False)
    user_count = serializers.IntegerField(read_only=True)
    # Plain strings (checked by the service's full_clean) so the schema's enum names stay unique.
    category = serializers.CharField(max_length=20, required=False, help_text=", ".join(ToolCategory.values))
    status = serializers.CharField(max_length=12, required=False, help_text=", ".join(ToolStatus.values))

    class Meta:
        model = Tool
        fields = [
            "id",
            "name",
            "vendor",
            "category",
            "owner",
            "seats",
            "user_count",
            "annual_cost",
            "renewal_date",
            "status",
            "notes",
            "articles",
        ]
        extra_kwargs = {"annual_cost": {"min_value": 0}}


class ToolViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The martech stack catalog; everyone reads, MOps and Admins write."""

    serializer_class = ToolSerializer
    filterset_class = ToolFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.tool_list()

    def _save(self, request, tool_id=None, partial=False):
        instance = self.get_object() if tool_id else None
        ser = self.get_serializer(instance, data=request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        articles = d.pop("articles", None)
        if articles is not None:
            visible = set(
                selectors.article_list_for(request.user, include_archived=True)
                .filter(pk__in=[a.pk for a in articles])
                .values_list("pk", flat=True)
            )
            if len(visible) != len(articles):
                return Response({"articles": ["Unknown article"]}, status=status.HTTP_400_BAD_REQUEST)
        tool = stack.tool_save(by=request.user, tool_id=tool_id, articles=articles, **d)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=tool.pk)).data,
            status=status.HTTP_200_OK if tool_id else status.HTTP_201_CREATED,
        )

    def create(self, request, *args, **kwargs):
        if not selectors.is_editor(request.user):
            raise PermissionDenied(_("Only MOps and Admins may edit the stack catalog."))
        return self._save(request)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        if not selectors.is_editor(request.user):
            raise PermissionDenied(_("Only MOps and Admins may edit the stack catalog."))
        return self._save(request, tool_id=kwargs["pk"], partial=True)

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def costs(self, request):
        """Yearly cost per category (tools not retired) and the total of tools in use."""
        rows = stack.cost_per_category()
        return Response(
            {
                "currency": "JPY",
                "total_in_use": str(stack.total_cost()),
                "categories": [{**r, "total": str(r["total"]), "evaluating": str(r["evaluating"])} for r in rows],
            }
        )


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    title_html = serializers.CharField()
    snippet_html = serializers.CharField()
    category = serializers.CharField(source="article.category")
    status = serializers.CharField(source="article.status")
    tags = serializers.SerializerMethodField()
    campaign_types = serializers.SerializerMethodField()
    title_hit = serializers.BooleanField()
    score = serializers.FloatField()
    url = serializers.SerializerMethodField()

    def get_url(self, hit) -> str:
        from django.urls import reverse

        return reverse("knowledge:detail", args=[hit.article.pk])

    def get_tags(self, hit) -> list[str]:
        return [t.name for t in hit.article.tags.all()]

    def get_campaign_types(self, hit) -> list[str]:
        return [c.slug for c in hit.article.campaign_types.all()]


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, required=True),
        OpenApiParameter("category", str),
        OpenApiParameter("tag", str),
        OpenApiParameter("campaign_type", str),
        OpenApiParameter("task_type", str),
        OpenApiParameter("page", int),
        OpenApiParameter("page_size", int),
    ],
    responses=inline_serializer(
        "SearchResults",
        {
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "q": serializers.CharField(),
            "results": SearchHitSerializer(many=True),
        },
    ),
)
@api_view(["GET"])
def search(request):
    """Full-text search (Japanese and English) with ranking, highlighted snippets and filters."""
    q = (request.query_params.get("q") or "").strip()
    if not q:
        return Response({"q": [_("Enter a search term.")]}, status=status.HTTP_400_BAD_REQUEST)
    archived = request.query_params.get("status") == "archived"
    filterset = ArticleFilter(
        request.query_params, queryset=selectors.article_list_for(request.user, include_archived=archived)
    )
    if not filterset.is_valid():
        return Response(filterset.errors, status=status.HTTP_400_BAD_REQUEST)
    paging = parse_params(PageParams, request.query_params)
    if not paging.is_valid():
        return Response(paging.errors, status=status.HTTP_400_BAD_REQUEST)
    page, size = paging.cleaned_data["page"] or 1, paging.cleaned_data["page_size"] or 20
    hits, total = search_articles(
        request.user, q, scope=filterset.qs, include_archived=archived, limit=size, offset=(page - 1) * size
    )
    return Response({"q": q, "count": total, "page": page, "results": SearchHitSerializer(hits, many=True).data})

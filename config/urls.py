from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from campaigns.api import CampaignRequestViewSet, FeasibilityView, ResultImportView, SurveyViewSet
from campaigns.discussion_api import (
    RequestAttachmentDownloadView,
    RequestAttachmentsView,
    RequestCommentDetailView,
    RequestCommentsView,
    RequestMentionableView,
)
from campaigns.params import IdConverter
from config import home_views
from config.auth_views import TokenView
from config.health import health
from governance.api import DelegationViewSet, GovernanceView
from integrations.api import WebhookViewSet
from integrations.notification_api import NotificationViewSet
from knowledge.api import ArticleViewSet, ReceiptViewSet, ToolViewSet
from kpis.api import KpiView
from tasks.api import (
    CampaignTimelineView,
    CapacityView,
    PortfolioTimelineView,
    RescheduleView,
    TaskViewSet,
    WorkloadViewSet,
)
from tasks.discussion_api import TaskCommentDetailView, TaskCommentsView, TaskMentionableView
from worklists import views as worklist_views
from worklists.api import RequestBulkView, SavedViewViewSet, SearchView, TaskBulkView


class IdRouter(DefaultRouter):
    """Detail routes match numeric ids within the database range only (else 404, not a 500)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not getattr(viewset, "lookup_value_regex", None):
            viewset.lookup_value_regex = IdConverter.regex
        return super().get_lookup_regex(viewset, lookup_prefix)


router = IdRouter(trailing_slash=True)
router.register("requests", CampaignRequestViewSet, basename="request")
router.register("delegations", DelegationViewSet, basename="delegation")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("tasks", TaskViewSet, basename="task")
router.register("workload", WorkloadViewSet, basename="workload")
router.register("knowledge/articles", ArticleViewSet, basename="kb-article")
router.register("knowledge/receipts", ReceiptViewSet, basename="kb-receipt")
router.register("knowledge/tools", ToolViewSet, basename="kb-tool")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("views", SavedViewViewSet, basename="saved-view")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("", home_views.home, name="home"),
    path("home/<slug:role>/", home_views.role_home, name="role-home"),
    path("health/", health, name="health"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the icon.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("requests/", include("campaigns.urls")),
    path("tasks/", include("tasks.urls")),
    path("kb/", include("knowledge.urls")),
    path("kpis/", include("kpis.urls")),
    path("search/", worklist_views.search_page, name="search"),
    path("work/", include("worklists.urls")),
    path("admin/", admin.site.urls),
    path("governance/", include("governance.urls")),
    path("", include("integrations.urls")),
    path("api/token/", TokenView.as_view(), name="api-token"),
    path("api/governance/", GovernanceView.as_view(), name="api-governance"),
    path("api/results/import/", ResultImportView.as_view(), name="api-results-import"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/knowledge/", include("knowledge.api_urls")),
    path("api/kpis/", KpiView.as_view(), name="api-kpis"),
    path("api/feasibility/", FeasibilityView.as_view(), name="api-feasibility"),
    path("api/requests/<id:pk>/timeline/", CampaignTimelineView.as_view(), name="api-request-timeline"),
    path("api/requests/<id:pk>/reschedule/", RescheduleView.as_view(), name="api-request-reschedule"),
    path("api/requests/<id:pk>/comments/", RequestCommentsView.as_view(), name="api-request-comments"),
    path(
        "api/requests/<id:pk>/comments/<id:comment_id>/",
        RequestCommentDetailView.as_view(),
        name="api-request-comment",
    ),
    path("api/requests/<id:pk>/attachments/", RequestAttachmentsView.as_view(), name="api-request-attachments"),
    path(
        "api/requests/<id:pk>/attachments/<id:attachment_id>/",
        RequestAttachmentDownloadView.as_view(),
        name="api-request-attachment",
    ),
    path("api/requests/<id:pk>/mentionable/", RequestMentionableView.as_view(), name="api-request-mentionable"),
    path("api/tasks/<id:pk>/comments/", TaskCommentsView.as_view(), name="api-task-comments"),
    path("api/tasks/<id:pk>/comments/<id:comment_id>/", TaskCommentDetailView.as_view(), name="api-task-comment"),
    path("api/tasks/<id:pk>/mentionable/", TaskMentionableView.as_view(), name="api-task-mentionable"),
    path("api/timeline/", PortfolioTimelineView.as_view(), name="api-timeline"),
    path("api/capacity/", CapacityView.as_view(), name="api-capacity"),
    path("api/search/", SearchView.as_view(), name="api-search"),
    path("api/tasks/bulk/", TaskBulkView.as_view(), name="api-tasks-bulk"),
    path("api/requests/bulk/", RequestBulkView.as_view(), name="api-requests-bulk"),
    path("api/", include(router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]

from django.urls import path

from . import onboarding_views, retrospective_views, stack_views, views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("search/", views.search_page, name="search"),
    path("new/", views.article_new, name="new"),
    path("required/", views.required_reading, name="required"),
    path("playbooks/", views.playbooks_fragment, name="playbooks_fragment"),
    path("types/<slug:slug>/", views.campaign_type_page, name="campaign_type"),
    path("task-types/<slug:slug>/", views.task_type_page, name="task_type"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("imported/<slug:source>/<str:key>/", views.imported_page, name="imported"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/history/", views.article_history, name="history"),
    path("<int:pk>/diff/", views.article_diff, name="diff"),
    path("<int:pk>/restore/<int:number>/", views.article_restore, name="restore"),
    path("<int:pk>/delete/", views.article_delete, name="delete"),
    path("<int:pk>/read/", views.article_read, name="read"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/required/", views.requirement_add, name="requirement_add"),
    path("<int:pk>/required/<int:requirement_id>/remove/", views.requirement_remove, name="requirement_remove"),
    path("<int:pk>/<str:action>/", views.article_status, name="status"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
    path("onboarding/", onboarding_views.my_onboarding, name="onboarding"),
    path("onboarding/progress/", onboarding_views.onboarding_progress, name="onboarding_progress"),
    path("onboarding/<int:plan_id>/start/", onboarding_views.onboarding_start, name="onboarding_start"),
    path("onboarding/steps/<int:step_id>/answer/", onboarding_views.onboarding_answer, name="onboarding_answer"),
    path("retrospectives/", retrospective_views.retro_list, name="retros"),
    path("retrospectives/<int:pk>/", retrospective_views.retro_detail, name="retro_detail"),
    path("retrospectives/<int:pk>/promote/", retrospective_views.retro_promote, name="retro_promote"),
    path("retrospectives/campaign/<int:campaign_id>/", retrospective_views.retro_edit, name="retro_edit"),
    path("tools/", stack_views.tool_list, name="tools"),
    path("tools/new/", stack_views.tool_edit, name="tool_new"),
    path("tools/<int:pk>/edit/", stack_views.tool_edit, name="tool_edit"),
]

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
    path("<id:pk>/", views.article_detail, name="detail"),
    path("imported/<slug:source>/<str:key>/", views.imported_page, name="imported"),
    path("<id:pk>/edit/", views.article_edit, name="edit"),
    path("<id:pk>/history/", views.article_history, name="history"),
    path("<id:pk>/diff/", views.article_diff, name="diff"),
    path("<id:pk>/restore/<id:number>/", views.article_restore, name="restore"),
    path("<id:pk>/delete/", views.article_delete, name="delete"),
    path("<id:pk>/read/", views.article_read, name="read"),
    path("<id:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<id:pk>/required/", views.requirement_add, name="requirement_add"),
    path("<id:pk>/required/<id:requirement_id>/remove/", views.requirement_remove, name="requirement_remove"),
    path("<id:pk>/<str:action>/", views.article_status, name="status"),
    path("attachments/<id:attachment_id>/", views.attachment_download, name="attachment"),
    path("attachments/<id:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
    path("onboarding/", onboarding_views.my_onboarding, name="onboarding"),
    path("onboarding/progress/", onboarding_views.onboarding_progress, name="onboarding_progress"),
    path("onboarding/<id:plan_id>/start/", onboarding_views.onboarding_start, name="onboarding_start"),
    path("onboarding/steps/<id:step_id>/answer/", onboarding_views.onboarding_answer, name="onboarding_answer"),
    path("retrospectives/", retrospective_views.retro_list, name="retros"),
    path("retrospectives/<id:pk>/", retrospective_views.retro_detail, name="retro_detail"),
    path("retrospectives/<id:pk>/promote/", retrospective_views.retro_promote, name="retro_promote"),
    path("retrospectives/campaign/<id:campaign_id>/", retrospective_views.retro_edit, name="retro_edit"),
    path("tools/", stack_views.tool_list, name="tools"),
    path("tools/new/", stack_views.tool_edit, name="tool_new"),
    path("tools/<id:pk>/edit/", stack_views.tool_edit, name="tool_edit"),
]

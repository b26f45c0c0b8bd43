from django.urls import path

from . import discussion_views, results_views, survey_views, views

app_name = "campaigns"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("mine/", views.my_requests, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.request_new, name="new"),
    path("results/import/", results_views.result_import, name="result-import"),
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/<id:pk>/", survey_views.survey_detail, name="survey"),
    path("surveys/<id:pk>/close/", survey_views.survey_close, name="survey-close"),
    path("<id:pk>/", views.request_detail, name="detail"),
    path("<id:pk>/results/", results_views.result_edit, name="result-edit"),
    path("<id:pk>/edit/", views.request_edit, name="edit"),
    path("<id:pk>/external-ids/", views.request_external_ref, name="external-ref"),
    path("<id:pk>/comments/", discussion_views.comment_add, name="comment"),
    path("<id:pk>/comments/<id:comment_id>/edit/", discussion_views.comment_edit, name="comment-edit"),
    path("<id:pk>/comments/<id:comment_id>/delete/", discussion_views.comment_delete, name="comment-delete"),
    path("<id:pk>/attachments/", discussion_views.attachment_add, name="attach"),
    path("<id:pk>/attachments/<id:attachment_id>/", discussion_views.attachment_download, name="attachment"),
    path("<id:pk>/<str:action>/", views.request_action, name="action"),
]

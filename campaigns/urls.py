from django.urls import path

from . import results_views, survey_views, views

app_name = "campaigns"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("mine/", views.my_requests, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.request_new, name="new"),
    path("results/import/", results_views.result_import, name="result-import"),
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey"),
    path("surveys/<int:pk>/close/", survey_views.survey_close, name="survey-close"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/results/", results_views.result_edit, name="result-edit"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/external-ids/", views.request_external_ref, name="external-ref"),
    path("<int:pk>/<str:action>/", views.request_action, name="action"),
]

from django.urls import path

from . import views

app_name = "worklists"
urlpatterns = [
    path("tasks/", views.task_list, name="tasks"),
    path("bulk/tasks/", views.bulk_tasks, name="bulk-tasks"),
    path("bulk/requests/", views.bulk_requests, name="bulk-requests"),
    path("views/", views.saved_views, name="views"),
    path("views/new/", views.saved_view_create, name="view-create"),
    path("views/<id:pk>/rename/", views.saved_view_rename, name="view-rename"),
    path("views/<id:pk>/delete/", views.saved_view_delete, name="view-delete"),
]

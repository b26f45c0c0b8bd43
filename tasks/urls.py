from django.urls import path

from . import sla_views, views

app_name = "tasks"
urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.my_tasks, name="mine"),
    path("workload/", views.workload, name="workload"),
    path("timeline/", views.portfolio, name="portfolio"),
    path("capacity/", views.capacity_forecast, name="capacity"),
    path("sla/recompute/<id:pk>/", sla_views.recompute_detail, name="sla-recompute"),
    path("sla/recompute/<id:pk>/progress/", sla_views.recompute_progress, name="sla-recompute-progress"),
    path("feasibility/panel/", sla_views.feasibility_panel, name="feasibility-panel"),
    path("campaign/<id:campaign_id>/", views.campaign_tasks, name="campaign"),
    path("campaign/<id:campaign_id>/generate/", views.generate, name="generate"),
    path("campaign/<id:campaign_id>/reschedule/", views.reschedule, name="reschedule"),
    path("<id:pk>/", views.task_detail, name="detail"),
    path("<id:pk>/assign/", views.task_assign, name="assign"),
    path("<id:pk>/comment/", views.task_comment, name="comment"),
    path("<id:pk>/due/", views.task_due_set, name="due-set"),
    path("<id:pk>/comments/<id:comment_id>/edit/", views.task_comment_edit, name="comment-edit"),
    path("<id:pk>/comments/<id:comment_id>/delete/", views.task_comment_delete, name="comment-delete"),
    path("<id:pk>/move/<str:direction>/", views.task_move, name="move"),
    path("<id:pk>/board-move/", views.board_move, name="board-move"),
    path("deliverable/<id:pk>/", views.deliverable_download, name="deliverable"),
    path("<id:pk>/<str:action>/", views.task_action, name="action"),
]

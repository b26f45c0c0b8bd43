"""/kpis/: the KPI dashboard, drill-downs, exports and the quarterly review PDFs."""

from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chart.svg", views.chart, name="chart"),
    path("drill/<slug:name>/", views.drill, name="drill"),
    path("export.<str:fmt>", views.export, name="export"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/new/", views.review_new, name="review_new"),
    path("reviews/<id:pk>/status/", views.review_status, name="review_status"),
    path("reviews/<id:pk>/download/", views.review_download, name="review_download"),
]

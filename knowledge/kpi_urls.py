"""/kpis/: the KPI dashboard, drill-downs, exports and the quarterly review PDFs."""
from django.urls import path

from . import kpi_views

app_name = "kpis"
urlpatterns = [
    path("", kpi_views.dashboard, name="dashboard"),
    path("drill/<slug:name>/", kpi_views.drill, name="drill"),
    path("export.<str:fmt>", kpi_views.export, name="export"),
    path("reviews/", kpi_views.reviews, name="reviews"),
    path("reviews/new/", kpi_views.review_new, name="review_new"),
    path("reviews/<int:pk>/status/", kpi_views.review_status, name="review_status"),
    path("reviews/<int:pk>/download/", kpi_views.review_download, name="review_download"),
]

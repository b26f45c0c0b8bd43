"""API routes that are not viewsets: GET /api/knowledge/search?q= (with or without a slash)."""

from django.urls import re_path

from . import api

urlpatterns = [
    re_path(r"^search/?$", api.search, name="knowledge-api-search"),
]

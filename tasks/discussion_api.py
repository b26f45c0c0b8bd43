"""The ``@`` autocomplete of task comments: people who may open the task."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.discussion_api import MentionableSerializer
from campaigns.mentions import suggest

from . import selectors


class TaskMentionableView(APIView):
    """People who may see the task (``?q=`` part of a name or username); 404 if you may not."""

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="part of a name or username")],
        responses=MentionableSerializer(many=True),
    )
    def get(self, request, pk: int):
        task = selectors.task_get_for(request.user, pk)
        return Response(suggest(selectors.task_viewers(task), request.query_params.get("q", "")))

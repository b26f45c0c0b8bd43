"""REST API of a task's comments and the ``@`` autocomplete: the same shape, rules and services
as request comments (``campaigns.discussion_api``, ``campaigns.comments``).

Every view first checks the task is one the caller may see (404 otherwise, nothing revealed)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.discussion_api import CommentBodySerializer, CommentSerializer, MentionableSerializer, comment_or_404
from campaigns.mentions import suggest

from . import selectors, services
from .models import TaskComment


class TaskCommentSerializer(CommentSerializer):
    class Meta(CommentSerializer.Meta):
        model = TaskComment


class TaskCommentsView(GenericAPIView):
    """GET: the task's comments, oldest first. POST {body}: comment (Markdown, @mentions; MOps,
    specialists and the campaign's requester)."""

    serializer_class = TaskCommentSerializer
    filter_backends: list = []

    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.task_comments_for(request.user, pk))
        return self.get_paginated_response(TaskCommentSerializer(page, many=True).data)

    @extend_schema(request=CommentBodySerializer, responses={201: TaskCommentSerializer})
    def post(self, request, pk: int):
        task = selectors.task_visible_or_404(request.user, pk)
        payload = CommentBodySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = services.task_comment_add(task_id=task.pk, body=payload.validated_data["body"], by=request.user)
        return Response(TaskCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TaskCommentDetailView(APIView):
    """PATCH {body}: the author edits their comment. DELETE: the author, MOps or an admin deletes
    it (a tombstone stays). 404 when the task is not yours to see or the comment is not its."""

    @extend_schema(request=CommentBodySerializer, responses={200: TaskCommentSerializer})
    def patch(self, request, pk: int, comment_id: int):
        task = selectors.task_visible_or_404(request.user, pk)
        payload = CommentBodySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = comment_or_404(
            lambda: services.task_comment_edit(
                task_id=task.pk, comment_id=comment_id, body=payload.validated_data["body"], by=request.user
            )
        )
        return Response(TaskCommentSerializer(comment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, comment_id: int):
        task = selectors.task_visible_or_404(request.user, pk)
        comment_or_404(lambda: services.task_comment_delete(task_id=task.pk, comment_id=comment_id, by=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskMentionableView(APIView):
    """People who may see the task (``?q=`` part of a name or username); 404 if you may not."""

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="part of a name or username")],
        responses=MentionableSerializer(many=True),
    )
    def get(self, request, pk: int):
        task = selectors.task_get_for(request.user, pk)
        return Response(suggest(selectors.task_viewers(task), request.query_params.get("q", "")))

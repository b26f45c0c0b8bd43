"""REST API of a request's discussion: comments, attachments and the @mention suggestions.

Every view first loads the request through ``selectors.request_get_for`` (404 for anyone who
may not see it), then calls the same services as the page."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import discussion, mentions, selectors
from .models import COMMENT_MAX, RequestAttachment, RequestComment
from .uploads import download_response


class CommentAuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class CommentSerializer(serializers.ModelSerializer):
    """The shape of a request or task comment. A deleted comment is a tombstone: its body and
    HTML are null, ``deleted_at`` says when."""

    author = CommentAuthorSerializer(read_only=True)
    body = serializers.CharField(
        max_length=COMMENT_MAX * 2, allow_null=True, help_text="Markdown; @username mentions someone"
    )
    body_html = serializers.CharField(read_only=True, allow_null=True, help_text="Sanitised HTML of the Markdown")
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When the author last edited it")
    deleted_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Set on a deleted comment")

    class Meta:
        model = RequestComment
        fields = ["id", "author", "body", "body_html", "created_at", "edited_at", "deleted_at"]
        read_only_fields = ["id", "author", "body_html", "created_at", "edited_at", "deleted_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.deleted_at is not None:
            data["body"] = data["body_html"] = None
        return data


class CommentBodySerializer(serializers.Serializer):
    """What a client sends to post or edit a comment (the service checks length and mentions)."""

    body = serializers.CharField(max_length=COMMENT_MAX * 2, help_text="Markdown; @username mentions someone")


class RequestCommentSerializer(CommentSerializer):
    class Meta(CommentSerializer.Meta):
        model = RequestComment


class RequestAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = CommentAuthorSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RequestAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_by", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("api-request-attachment", args=[obj.request_id, obj.pk])


class RequestUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class RequestCommentsView(GenericAPIView):
    """GET: the request's comments, oldest first. POST {body}: comment (Markdown, @mentions)."""

    serializer_class = RequestCommentSerializer
    filter_backends: list = []

    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.request_comments_for(request.user, pk))
        return self.get_paginated_response(RequestCommentSerializer(page, many=True).data)

    @extend_schema(request=CommentBodySerializer, responses={201: RequestCommentSerializer})
    def post(self, request, pk: int):
        req = selectors.request_get_for(request.user, pk, with_events=False)
        payload = CommentBodySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = discussion.request_comment_add(
            request_id=req.pk, body=payload.validated_data["body"], by=request.user
        )
        return Response(RequestCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def comment_or_404(call):
    """Run a comment service; a comment id that is not one of the object's comments is 404."""
    try:
        return call()
    except ObjectDoesNotExist:
        raise Http404("Comment not found") from None


class RequestCommentDetailView(APIView):
    """PATCH {body}: the author edits their comment. DELETE: the author, MOps or an admin deletes
    it (a tombstone stays). 404 when the request is not yours to see or the comment is not its."""

    @extend_schema(request=CommentBodySerializer, responses={200: RequestCommentSerializer})
    def patch(self, request, pk: int, comment_id: int):
        req = selectors.request_get_for(request.user, pk, with_events=False)
        payload = CommentBodySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = comment_or_404(
            lambda: discussion.request_comment_edit(
                request_id=req.pk, comment_id=comment_id, body=payload.validated_data["body"], by=request.user
            )
        )
        return Response(RequestCommentSerializer(comment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, comment_id: int):
        req = selectors.request_get_for(request.user, pk, with_events=False)
        comment_or_404(
            lambda: discussion.request_comment_delete(request_id=req.pk, comment_id=comment_id, by=request.user)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequestAttachmentsView(GenericAPIView):
    """GET: the request's attachments. POST (multipart ``file``): attach a brief or asset."""

    serializer_class = RequestAttachmentSerializer
    filter_backends: list = []
    parser_classes = [MultiPartParser]

    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.request_attachments_for(request.user, pk))
        return self.get_paginated_response(RequestAttachmentSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": RequestUploadSerializer}, responses={201: RequestAttachmentSerializer}
    )
    def post(self, request, pk: int):
        req = selectors.request_get_for(request.user, pk, with_events=False)
        payload = RequestUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attachment = discussion.request_attachment_add(
            request_id=req.pk, upload=payload.validated_data["file"], by=request.user
        )
        return Response(RequestAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class RequestAttachmentDownloadView(APIView):
    """The file itself, with safe download headers (no sniffing, sandboxed)."""

    @extend_schema(
        operation_id="requests_attachments_download", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    def get(self, request, pk: int, attachment_id: int):
        attachment = selectors.request_attachment_get_for(request.user, pk, attachment_id)
        return download_response(
            attachment.file, content_type=attachment.content_type, filename=attachment.original_name
        )


class MentionableSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class RequestMentionableView(APIView):
    """People who may see the request, for the ``@`` autocomplete (``?q=`` name or username)."""

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="part of a name or username")],
        responses=MentionableSerializer(many=True),
    )
    def get(self, request, pk: int):
        req = selectors.request_get_for(request.user, pk, with_events=False)
        q = request.query_params.get("q", "")
        return Response(mentions.suggest(discussion.request_viewers(req), q))

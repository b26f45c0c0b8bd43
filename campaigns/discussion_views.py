"""Pages of a request's discussion: post a comment, attach a file, download a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import discussion, selectors
from .discussion_forms import AttachmentForm, CommentForm
from .forms import add_errors
from .uploads import download_response


def _again(request: HttpRequest, obj, comment_form=None, attachment_form=None) -> HttpResponse:
    """The form again with its field errors (and the text typed), status 400."""
    return render(
        request,
        "campaigns/discussion_form.html",
        {"obj": obj, "comment_form": comment_form, "attachment_form": attachment_form},
        status=400,
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = discussion.request_comment_add(request_id=obj.pk, body=form.cleaned_data["body"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Comment posted."))
            return redirect(reverse("campaigns:detail", args=[obj.pk]) + f"#comment-{comment.pk}")
    return _again(request, obj, comment_form=form)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            discussion.request_attachment_add(request_id=obj.pk, upload=form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("File attached."))
            return redirect(reverse("campaigns:detail", args=[obj.pk]) + "#files")
    return _again(request, obj, attachment_form=form)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    attachment = selectors.request_attachment_get_for(request.user, pk, attachment_id)
    return download_response(attachment.file, content_type=attachment.content_type, filename=attachment.original_name)

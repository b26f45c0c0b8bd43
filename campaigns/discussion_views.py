"""Pages of a request's discussion: post, edit and delete a comment, attach and download a file.

``comment_edit_response`` / ``comment_delete_response`` are the page side of editing and
deleting any comment; the task page uses them too (with its own services)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from . import comments, discussion, selectors
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


def comment_edit_response(
    request: HttpRequest, *, comment, back: str, title: str, mention_url: str, save: Callable[[str], object]
) -> HttpResponse:
    """GET: the author's edit form. POST: ``save(body)`` then back to the comment; the form again
    with field errors (status 400) on bad input; a deleted comment sends you back with a message."""
    if not comments.may_edit(comment, request.user):
        if comment.is_deleted:
            messages.error(request, _("This comment was deleted."))
            return redirect(back)
        raise PermissionDenied(_("Only the author may edit a comment."))
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data["body"])
        except ValidationError as exc:
            add_errors(form, exc)
        except comments.CommentGone as exc:
            messages.error(request, str(exc))
            return redirect(back)
        else:
            messages.success(request, _("Comment updated."))
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "title": title, "back": back, "mention_url": mention_url}
    return render(request, "campaigns/comment_edit.html", ctx, status=status)


def comment_delete_response(request: HttpRequest, *, back: str, delete: Callable[[], object]) -> HttpResponse:
    """POST: ``delete()`` (the author, MOps or an admin; a tombstone stays), back to the thread."""
    try:
        delete()
    except comments.CommentGone as exc:
        messages.error(request, str(exc))
    except ObjectDoesNotExist:
        raise Http404("Comment not found") from None
    else:
        messages.success(request, _("Comment deleted."))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    comment = selectors.request_comment_get_for(request.user, obj.pk, comment_id)
    return comment_edit_response(
        request,
        comment=comment,
        back=reverse("campaigns:detail", args=[obj.pk]) + f"#comment-{comment.pk}",
        title=obj.name,
        mention_url=reverse("api-request-mentionable", args=[obj.pk]),
        save=lambda body: discussion.request_comment_edit(
            request_id=obj.pk, comment_id=comment.pk, body=body, by=request.user
        ),
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    return comment_delete_response(
        request,
        back=reverse("campaigns:detail", args=[obj.pk]) + "#discussion",
        delete=lambda: discussion.request_comment_delete(request_id=obj.pk, comment_id=comment_id, by=request.user),
    )

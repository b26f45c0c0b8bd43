"""The import pages (board and wiki): upload -> preview row by row -> confirm (MOps and Admins).

The upload and its options wait in the session between the preview and the confirmation;
the confirmation plans again from them, so what is written is what the preview showed.
"""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns.models import CampaignType
from governance.models import BusinessUnit
from tasks.models import TaskType

from .forms import BoardImportForm, WikiImportForm
from .importers import boards, kb
from .importers.base import MAX_BYTES, MappingError
from .importers.wiki import MAX_ZIP_BYTES

SESSION_KEY = "board_import"
WIKI_SESSION_KEY = "wiki_import"


def _pending_options(pending: dict) -> dict:
    return {
        "source": pending["source"],
        "content": base64.b64decode(pending["content"]),
        "mapping": base64.b64decode(pending["mapping"]) if pending.get("mapping") else None,
        "unit": BusinessUnit.objects.filter(pk=pending.get("unit")).first() if pending.get("unit") else None,
        "campaign_type": (
            CampaignType.objects.filter(pk=pending.get("campaign_type")).first()
            if pending.get("campaign_type")
            else None
        ),
        "task_type": TaskType.objects.filter(pk=pending.get("task_type")).first() if pending.get("task_type") else None,
    }


@login_required
def board_import(request: HttpRequest) -> HttpResponse:
    if not boards.can_import(request.user):
        raise PermissionDenied
    form = BoardImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method != "POST":
        request.session.pop(SESSION_KEY, None)
        return render(request, "integrations/board_import.html", context)
    if "confirm" in request.POST:
        pending = request.session.get(SESSION_KEY)
        if not pending:
            messages.error(request, _("The upload has expired; choose the file again."))
            return redirect("integrations:board-import")
        try:
            plan = boards.board_preview(by=request.user, **_pending_options(pending))
            result = boards.board_import(plan=plan, by=request.user, valid_only=request.POST.get("valid_only") == "1")
        except ValidationError as exc:
            messages.error(request, _("Not imported; nothing was saved."))
            context.update(errors=exc.messages)
            return render(request, "integrations/board_import.html", context, status=400)
        request.session.pop(SESSION_KEY, None)
        counts = result.counts
        messages.success(
            request,
            _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped.")
            % {
                "created": counts["created"],
                "updated": counts["updated"],
                "unchanged": counts["unchanged"],
                "skipped": counts["skipped"],
            },
        )
        for note in result.notes[:20]:
            messages.warning(request, note)
        return redirect("integrations:board-import")
    if not form.is_valid():
        return render(request, "integrations/board_import.html", context, status=400)
    upload, mapping = form.cleaned_data["file"], form.cleaned_data["mapping"]
    if upload.size > MAX_BYTES or (mapping is not None and mapping.size > MAX_BYTES):
        form.add_error("file", _("At most 5 MB."))
        return render(request, "integrations/board_import.html", context, status=400)
    pending = {
        "source": form.cleaned_data["source"],
        "content": base64.b64encode(upload.read()).decode(),
        "mapping": base64.b64encode(mapping.read()).decode() if mapping is not None else "",
        "unit": form.cleaned_data["unit"].pk if form.cleaned_data["unit"] else None,
        "campaign_type": form.cleaned_data["campaign_type"].pk if form.cleaned_data["campaign_type"] else None,
        "task_type": form.cleaned_data["task_type"].pk if form.cleaned_data["task_type"] else None,
        "name": upload.name,
    }
    try:
        plan = boards.board_preview(by=request.user, **_pending_options(pending))
    except ValidationError as exc:
        form.add_error("mapping" if isinstance(exc, MappingError) else "file", exc.messages)
        return render(request, "integrations/board_import.html", context, status=400)
    request.session[SESSION_KEY] = pending
    context.update(plan=plan, filename=upload.name, counts=plan.counts())
    return render(request, "integrations/board_import.html", context)


def _drop_pending_wiki(request: HttpRequest) -> None:
    pending = request.session.pop(WIKI_SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


@login_required
def wiki_import(request: HttpRequest) -> HttpResponse:
    """Upload a wiki export -> preview the pages -> confirm. The zip waits in storage, named by us."""
    if not boards.can_import(request.user):
        raise PermissionDenied
    form = WikiImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method != "POST":
        _drop_pending_wiki(request)
        return render(request, "integrations/wiki_import.html", context)
    if "confirm" in request.POST:
        pending = request.session.get(WIKI_SESSION_KEY)
        if not pending or not default_storage.exists(pending["path"]):
            messages.error(request, _("The upload has expired; choose the file again."))
            return redirect("integrations:wiki-import")
        with default_storage.open(pending["path"], "rb") as handle:
            content = handle.read()
        try:
            plan = kb.wiki_preview(source=pending["source"], content=content, by=request.user)
            result = kb.wiki_import(plan=plan, by=request.user, valid_only=request.POST.get("valid_only") == "1")
        except ValidationError as exc:
            messages.error(request, _("Not imported; nothing was saved."))
            context.update(errors=exc.messages)
            return render(request, "integrations/wiki_import.html", context, status=400)
        _drop_pending_wiki(request)
        messages.success(
            request,
            _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged; %(files)s files attached.")
            % {**result.counts, "files": result.attachments},
        )
        return redirect("integrations:wiki-import")
    if not form.is_valid():
        return render(request, "integrations/wiki_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_ZIP_BYTES:
        form.add_error("file", _("At most %(mb)s MB.") % {"mb": MAX_ZIP_BYTES // (1024 * 1024)})
        return render(request, "integrations/wiki_import.html", context, status=400)
    content = upload.read()
    try:
        plan = kb.wiki_preview(source=form.cleaned_data["source"], content=content, by=request.user)
    except ValidationError as exc:
        form.add_error("file", exc.messages)
        return render(request, "integrations/wiki_import.html", context, status=400)
    _drop_pending_wiki(request)
    path = default_storage.save(f"imports/wiki-{uuid.uuid4().hex}.zip", ContentFile(content))
    request.session[WIKI_SESSION_KEY] = {"source": form.cleaned_data["source"], "path": path}
    context.update(plan=plan, filename=upload.name)
    return render(request, "integrations/wiki_import.html", context)

"""The board import page: upload -> preview row by row -> confirm (MOps and Admins).

The upload and its options wait in the session between the preview and the confirmation;
the confirmation plans again from them, so what is written is what the preview showed.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns.models import CampaignType
from governance.models import BusinessUnit
from tasks.models import TaskType

from .forms import BoardImportForm
from .importers import boards
from .importers.base import MAX_BYTES, MappingError

SESSION_KEY = "board_import"


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

"""Request pages: straight-line views (access helper -> form -> one service -> redirect)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from governance import policy
from paging import DeepPaginator

from . import change_display, history, results, selectors, services
from .forms import CampaignRequestForm, ExternalRefForm, RequestFilter, TransitionForm, add_errors
from .models import CampaignResult, RequestComment
from .sorting import parse_sort

ACTION_LABELS = {
    "submit": _("Submit"),
    "resubmit": _("Resubmit"),
    "approve": _("Approve"),
    "reject": _("Reject"),
    "request_changes": _("Request changes"),
    "launch": _("Launch"),
    "close": _("Close"),
    "cancel": _("Cancel"),
}


def _paginate(request: HttpRequest, qs, per_page: int = 25):
    # Exact counts (the page shows "page X of Y"); a deep page reads its ids first (issue 19).
    return DeepPaginator(qs, per_page, exact=True).get_page(request.GET.get("page"))


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    filterset = RequestFilter(request.GET, queryset=selectors.request_list_for(request.user))
    sort = parse_sort(request.GET.get("sort"), selectors.REQUEST_SORTS)  # unknown columns: ignored
    page = _paginate(request, selectors.request_sorted(filterset.qs, sort))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/list.html",
        {
            "filter": filterset,
            "page": page,
            "title": _("All requests"),
            "query": query.urlencode(),
            "sort": sort,
            "sort_columns": selectors.REQUEST_SORTS,
            "bulk": True,
        },
    )


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    page = _paginate(request, selectors.request_mine(request.user))
    return render(request, "campaigns/list.html", {"page": page, "title": _("My requests")})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = _paginate(request, selectors.request_inbox_for(request.user))
    return render(
        request, "campaigns/list.html", {"page": page, "title": _("Approval inbox"), "inbox": True, "bulk": True}
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    if not policy.can_create_request(request.user):
        raise PermissionDenied(_("Only requesters file campaign requests."))
    # The requester's own unit is the usual answer: preselect it.
    unit = request.user.unit_memberships.values_list("unit_id", flat=True).first()
    form = CampaignRequestForm(request.POST or None, initial={"business_unit": unit})
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.request_create(
                by=request.user, channels=form.cleaned_data["channels"], **form.service_fields()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if "submit" in request.POST:
                try:
                    services.request_submit(request_id=obj.pk, by=request.user)
                    messages.success(request, _("Request submitted."))
                except (ValidationError, services.Conflict, PermissionDenied) as exc:
                    messages.error(request, str(exc))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("campaigns:detail", pk=obj.pk)
    return render(request, "campaigns/form.html", {"form": form, "title": _("New campaign request")})


@login_required
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    if obj.requester_id != request.user.pk:
        raise PermissionDenied
    if not obj.is_editable:
        messages.error(request, _("This request can no longer be edited."))
        return redirect("campaigns:detail", pk=pk)
    form = CampaignRequestForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_update(
                request_id=pk, by=request.user, channels=form.cleaned_data["channels"], **form.service_fields()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except services.Conflict as exc:
            messages.error(request, str(exc))
            return redirect("campaigns:detail", pk=pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:detail", pk=pk)
    return render(
        request, "campaigns/form.html", {"form": form, "title": _("Edit: %(name)s") % {"name": obj.name}, "object": obj}
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk)
    actions = [(a, ACTION_LABELS[a]) for a in services.allowed_actions(obj, request.user)]
    return render(
        request,
        "campaigns/detail.html",
        {
            "obj": obj,
            "events": selectors.request_timeline(obj),
            # Comment events of deleted comments show a tombstone, not the words they recorded.
            "deleted_comment_ids": set(
                RequestComment.objects.filter(request=obj, deleted_at__isnull=False).values_list("pk", flat=True)
            ),
            "actions": actions,
            "changes": change_display.change_rows(selectors.request_last_changes(obj)),
            "can_edit": obj.is_editable and obj.requester_id == request.user.pk,
            "result": CampaignResult.objects.filter(request=obj).first(),
            "can_edit_result": results.can_edit_result(request.user, obj),
            "form": TransitionForm(initial={"expected_state": obj.state}),
            "external_refs": list(obj.external_refs.all()),
            "can_edit_external": history.can_edit_external_refs(request.user, obj),
            "external_form": ExternalRefForm(),
            "feasibility": (
                selectors.request_feasibility(obj, now=timezone.now())
                if obj.state in selectors.FEASIBILITY_STATES
                else None
            ),
        },
    )


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    if action not in ACTION_LABELS:
        raise PermissionDenied
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for e in form.errors.values()))
        return redirect("campaigns:detail", pk=obj.pk)
    try:
        services.request_transition(
            request_id=obj.pk,
            action=action,
            by=request.user,
            comment=form.cleaned_data["comment"],
            expected_state=form.cleaned_data["expected_state"] or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{ACTION_LABELS[action]}: OK")
    return redirect("campaigns:detail", pk=obj.pk)


@login_required
@require_POST
def request_external_ref(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an external id (MOps or the requester); errors come back as messages."""
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    form = ExternalRefForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("campaigns:detail", pk=obj.pk)
    try:
        history.external_ref_set(request_id=obj.pk, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("External id saved."))
    return redirect("campaigns:detail", pk=obj.pk)

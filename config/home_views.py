"""The brand link: each role's home ("what do I do next"), built by config.homes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import homes


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """``/``: the user's first home; someone with no home (no role yet) gets the request list."""
    available = homes.homes_for(request.user)
    if not available:
        return redirect("campaigns:list")
    return _render(request, available[0], available)


@login_required
def role_home(request: HttpRequest, role: str) -> HttpResponse:
    """``/home/<role>/``: one role's home, for users who hold that role."""
    available = homes.homes_for(request.user)
    if role not in homes.BUILDERS:
        raise PermissionDenied(_("There is no such home page."))
    if role not in available:
        raise PermissionDenied(_("This home page belongs to another role."))
    return _render(request, role, available)


def _render(request: HttpRequest, role: str, available: list[str]) -> HttpResponse:
    data = homes.home_for(request.user, role)
    return render(
        request,
        "home.html",
        {
            "role": role,
            "role_label": homes.HOME_LABELS[role],
            "homes": [(key, homes.HOME_LABELS[key]) for key in available],
            **data,
        },
    )

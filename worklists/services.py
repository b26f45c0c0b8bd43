"""Writes of saved views: create, rename and delete the user's own views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Page, SavedView
from .selectors import clean_query, saved_view_get_for

MAX_VIEWS = 50


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("At most 80 characters.")})
    return name


@transaction.atomic
def saved_view_create(*, page: str, name: str, query: str, by) -> SavedView:
    """Save ``query`` (cleaned to the page's filters) as ``by``'s view called ``name``."""
    if page not in Page.values:
        raise ValidationError({"page": _("Unknown page.")})
    name = _name(name)
    if SavedView.objects.filter(owner=by).count() >= MAX_VIEWS:
        raise ValidationError({"name": _("You have %(n)s views already; delete one first.") % {"n": MAX_VIEWS}})
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=by, page=page, name=name, query=clean_query(page, query))
    except IntegrityError:
        raise ValidationError({"name": _("You already have a view with this name.")}) from None


@transaction.atomic
def saved_view_rename(*, view_id: int, name: str, by) -> SavedView:
    """Rename one of ``by``'s views (someone else's: Http404)."""
    view = saved_view_get_for(by, view_id)
    view.name = _name(name)
    try:
        with transaction.atomic():
            view.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ValidationError({"name": _("You already have a view with this name.")}) from None
    return view


@transaction.atomic
def saved_view_delete(*, view_id: int, by) -> None:
    """Delete one of ``by``'s views (someone else's: Http404)."""
    saved_view_get_for(by, view_id).delete()

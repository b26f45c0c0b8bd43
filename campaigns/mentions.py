"""@mentions in comments: find them, check them against who may see the object, suggest people.

Used by request comments (campaigns) and task comments (tasks). Whoever may be mentioned is
decided by the caller's viewers queryset (governance policy), so a mention never tells
someone about an object they cannot open.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

# "@" not preceded by a word character (so e-mail addresses are not mentions), then a Django
# username (letters incl. Japanese, digits, . + - _). A trailing "." ends a sentence.
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MAX_MENTIONS = 20
SUGGESTIONS = 10


def mentioned_usernames(body: str) -> list[str]:
    """The usernames mentioned in ``body``, in order, each once."""
    names = [m.rstrip(".") for m in MENTION_RE.findall(body or "")]
    return list(dict.fromkeys(n for n in names if n))


def resolve_mentions(body: str, viewers: QuerySet, *, field: str = "body") -> list[Any]:
    """The active users mentioned in ``body``; a field error for an unknown username or for
    someone in ``viewers``' complement (who may not see the object). Writes nothing."""
    names = mentioned_usernames(body)
    if not names:
        return []
    if len(names) > MAX_MENTIONS:
        raise ValidationError({field: _("At most %(n)s people per comment.") % {"n": MAX_MENTIONS}})
    User = get_user_model()
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError({field: _("Unknown user: %(names)s.") % {"names": ", ".join(f"@{n}" for n in unknown)}})
    allowed = set(viewers.filter(pk__in=[u.pk for u in found.values()]).values_list("pk", flat=True))
    refused = [n for n in names if found[n].pk not in allowed]
    if refused:
        raise ValidationError(
            {
                field: _("%(names)s cannot see this and cannot be mentioned here.")
                % {"names": ", ".join(f"@{n}" for n in refused)}
            }
        )
    return [found[n] for n in names]


def suggest(viewers: QuerySet, q: str, *, limit: int = SUGGESTIONS) -> list[dict[str, str]]:
    """People among ``viewers`` whose username or name contains ``q`` (Japanese names too:
    family name + given name with or without a space), for the ``@`` autocomplete."""
    q = (q or "").strip().lstrip("@")[:50]
    qs = viewers.filter(is_active=True).annotate(
        _jp=Concat("last_name", "first_name"),
        _jp_sp=Concat("last_name", Value(" "), "first_name"),
        _en=Concat("first_name", Value(" "), "last_name"),
    )
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(_jp__icontains=q)
            | Q(_jp_sp__icontains=q)
            | Q(_en__icontains=q)
        )
    # Usernames that start with what was typed come first ("@mo" offers mona before cmo).
    first = Case(When(username__istartswith=q, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = qs.order_by(first, "username").values("username", "first_name", "last_name")[:limit]
    return [{"username": r["username"], "name": _display(r)} for r in rows]


def _display(row: dict[str, str]) -> str:
    first, last = row["first_name"].strip(), row["last_name"].strip()
    if not (first or last):
        return row["username"]
    # Japanese names read family name first, without a space.
    if any(ord(ch) > 0x2E80 for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()

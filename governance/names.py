"""How a person's name is shown: one helper for pages, mails, the API and pickers.

Japanese pages put the family name first, and a name written in Japanese script has no space
(佐藤花子). English pages put the given name first (Hanako Sato), except for a name written in
Japanese script: reversing 佐藤 花子 would make it wrong, so it keeps its order, with a space.
A user without a name is shown by their username.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _is_japanese(language: str | None) -> bool:
    return (language or translation.get_language() or "ja").lower().startswith("ja")


def person_name(user: Any, language: str | None = None) -> str:
    """The display name of ``user`` in ``language`` (default: the active language)."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if not first and not last:
        return getattr(user, "username", "") or ""
    written_in_japanese = bool(_CJK.search(first + last))
    if _is_japanese(language):
        return f"{last}{first}" if written_in_japanese else f"{last} {first}".strip()
    if written_in_japanese:
        return f"{last} {first}".strip()
    return f"{first} {last}".strip()


def names_by_username(usernames) -> dict[str, str]:
    """username -> ``person_name`` in the active language, for usernames stored in event data
    (one query; a username no longer found is left out: callers show it as stored)."""
    from django.contrib.auth import get_user_model

    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    return {u.username: person_name(u) for u in get_user_model().objects.filter(username__in=wanted)}


def localized_name(name: str, name_en: str, language: str | None = None) -> str:
    """A configurable table's label (campaign type, channel, unit) in the page's language.

    English pages show ``name_en`` where an admin set it; otherwise (and on Japanese pages)
    the Japanese ``name``, so a row without an English name still reads as something.
    """
    if not _is_japanese(language) and (name_en or "").strip():
        return name_en
    return name

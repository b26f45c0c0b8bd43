"""{{ user|person }}: a person's name in the order their language writes it."""

import re

from django import template

register = template.Library()
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@register.filter
def person(user) -> str:
    """Japanese names family-name first (佐藤 花子), others given-name first; else the username."""
    if user is None:
        return "system"
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return user.username
    if _CJK.search(first + last):
        return f"{last} {first}".strip()
    return f"{first} {last}".strip()


@register.filter
def is_ops(user) -> bool:
    """MOps or Admin: for links to pages only they may open (the page checks again)."""
    from governance import policy

    return bool(user and user.is_authenticated and policy.is_ops(user))

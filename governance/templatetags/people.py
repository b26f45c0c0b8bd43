"""{{ user|person }}: a person's name in the order their language writes it."""

from django import template
from django.utils.translation import gettext

from governance import names

register = template.Library()


@register.filter
def person_name(user) -> str:
    """``{{ user|person_name }}``: the name in the active language's order (governance.names)."""
    return names.person_name(user)


@register.filter
def person(user) -> str:
    """Older spelling of ``person_name``; ``None`` (a system action) reads "system"."""
    if user is None:
        return gettext("system")
    return names.person_name(user)


@register.filter
def is_ops(user) -> bool:
    """MOps or Admin: for links to pages only they may open (the page checks again)."""
    from governance import policy

    return bool(user and user.is_authenticated and policy.is_ops(user))

"""Which webhook target URLs are acceptable: http(s) only, never the server itself.

``validate_webhook_url`` runs on save (model field validator: forms, admin and API) and
``check_resolved`` again right before each delivery, after DNS, so a name that later points
at 127.0.0.1 or the cloud metadata address is refused too. Both honour the setting
``MOPS_WEBHOOKS_ALLOW_LOCAL`` (False by default; tests switch it on to reach 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_SCHEMES = {"http", "https"}
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "0", "0.0.0.0"}


class UnsafeTarget(Exception):
    """The target resolves to an address webhooks may not reach."""


def allow_local() -> bool:
    return bool(getattr(settings, "MOPS_WEBHOOKS_ALLOW_LOCAL", False))


def _ip(host: str) -> ipaddress._BaseAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    # Legacy forms such as 2130706433 or 0x7f.1 that urllib still connects to.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_local_address(addr: ipaddress._BaseAddress) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_unspecified
        or addr.is_reserved
        or addr.is_multicast
    )


def _own_host(host: str) -> bool:
    """True when ``host`` names this server (ALLOWED_HOSTS, localhost)."""
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    for pattern in getattr(settings, "ALLOWED_HOSTS", []):
        pattern = pattern.lower()
        if pattern == "*":
            continue  # a wildcard says nothing about who we are
        if pattern.startswith("."):
            if host == pattern[1:] or host.endswith(pattern):
                return True
        elif host == pattern:
            return True
    return False


def validate_webhook_url(value: str) -> None:
    """Model/serializer validator: raises ValidationError for unacceptable targets."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Enter a URL."), code="required")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValidationError(_("The URL may not contain spaces."), code="invalid")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError(_("Not a valid URL."), code="invalid") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ValidationError(_("Only http and https URLs are allowed."), code="scheme")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ValidationError(_("The URL has no host."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(_("Do not put credentials in the URL."), code="credentials")
    if port == 0:
        raise ValidationError(_("Invalid port."), code="invalid")
    if allow_local():
        return
    addr = _ip(host)
    if _own_host(host) or (addr is not None and is_local_address(addr)):
        raise ValidationError(
            _("Webhooks may not point at this server or a local network."),
            code="local",
        )


def check_resolved(url: str) -> None:
    """Right before sending: re-validate and refuse names that resolve to local addresses."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        raise UnsafeTarget(" ".join(exc.messages)) from None
    if allow_local():
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _ip(host) is not None:
        return
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP
        )
    except OSError as exc:
        raise UnsafeTarget(_("Cannot resolve %(host)s: %(error)s") % {"host": host, "error": exc}) from None
    for info in infos:
        if is_local_address(ipaddress.ip_address(info[4][0].split("%")[0])):
            raise UnsafeTarget(f"{host} はローカルアドレスに解決されます / {host} resolves to a local address.")

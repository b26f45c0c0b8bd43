"""Which webhook target URLs are acceptable: http(s) only, globally routable, never the server itself.

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


NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d form


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, compatible), if any."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr in NAT64_WELL_KNOWN or addr in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_public_address(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for globally routable unicast addresses.

    We ask whether an address is public rather than listing private ranges, so shared
    address space (100.64.0.0/10, where cloud metadata services live), benchmarking, reserved
    and documentation ranges are refused too. IPv6 forms that carry an IPv4 address
    (IPv4-mapped, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``) are judged by that address.
    """
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id:
            return False
        inner = _embedded_ipv4(addr)
        if inner is not None:
            return is_public_address(inner)
        if addr.is_site_local:
            return False
    return addr.is_global and not addr.is_multicast and not addr.is_reserved and not addr.is_unspecified


def is_local_address(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not a public address (kept for callers that ask the question the other way round)."""
    return not is_public_address(addr)


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
    if _own_host(host) or (addr is not None and not is_public_address(addr)):
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
        raise UnsafeTarget(str(_("Cannot resolve %(host)s: %(error)s") % {"host": host, "error": exc})) from None
    for info in infos:
        if not is_public_address(ipaddress.ip_address(info[4][0].split("%")[0])):
            # Every address must be public: the sender may connect to any of them.
            raise UnsafeTarget(str(_("%(host)s resolves to a local or non-public address.") % {"host": host}))

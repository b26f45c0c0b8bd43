"""HMAC-SHA256 signatures of webhook bodies (header ``X-MOpsDesk-Signature: sha256=<hex>``)."""

from __future__ import annotations

import hashlib
import hmac
import json

SIGNATURE_HEADER = "X-MOpsDesk-Signature"
EVENT_HEADER = "X-MOpsDesk-Event"
DELIVERY_HEADER = "X-MOpsDesk-Delivery"
PREFIX = "sha256="


def encode_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted UTF-8 JSON, stable across retries."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    return PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    if not header or not header.startswith(PREFIX) or not secret:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())

"""A minimal iCalendar (RFC 5545) writer for the feed: the few property types it uses, written directly.

The ``icalendar`` library builds a typed object and a parameter map per property and folds each
line in Python: about 0.5 ms per event, most of a 1,000-event feed's time (issue 19). The feed
needs only text, dates, UTC instants, URIs and lists, so it writes those lines itself. The tests
read the output back with ``icalendar`` (the parser stays the reference).
"""

from __future__ import annotations

import datetime as dt

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""})


def text(value: object) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped (RFC 5545 3.3.11)."""
    return str(value).translate(_TEXT_ESCAPES)


def date(value: dt.date) -> str:
    return f"{value:%Y%m%d}"


def instant(value: dt.datetime) -> str:
    """A DATE-TIME in UTC ("Z" form), to the second."""
    return f"{value.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def _fold(line: str) -> bytes:
    """The line as UTF-8, folded at 75 octets without splitting a character (RFC 5545 3.1)."""
    raw = line.encode()
    if len(raw) <= 75:
        return raw + b"\r\n"
    out, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # never cut inside a multi-byte character
            end -= 1
        out.append(raw[start:end])
        start, limit = end, 74  # continuation lines start with a space
    return b"\r\n ".join(out) + b"\r\n"


class Writer:
    """Collects content lines; ``prop`` takes an already formatted value (use ``text`` for TEXT)."""

    def __init__(self) -> None:
        self._lines: list[bytes] = []

    def prop(self, name: str, value: str) -> None:
        self._lines.append(_fold(f"{name}:{value}"))

    def begin(self, component: str) -> None:
        self._lines.append(f"BEGIN:{component}\r\n".encode())

    def end(self, component: str) -> None:
        self._lines.append(f"END:{component}\r\n".encode())

    def to_bytes(self) -> bytes:
        return b"".join(self._lines)

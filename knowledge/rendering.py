"""Markdown -> sanitised HTML, version diffs, and highlighted search snippets.

Sanitising is done by nh3 (Rust ammonia): an allow-list of tags, attributes and URL
schemes. Raw HTML in Markdown passes the Markdown stage and is then cleaned like the rest.
"""

from __future__ import annotations

import difflib
import html
import re

from campaigns.markup import (  # noqa: F401 (moved down so campaigns can render Markdown too)
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MARKDOWN_EXTENSIONS,
    URL_SCHEMES,
    render_markdown,
    sanitize_html,
)


def plain_text(body_html: str) -> str:
    """Visible text of rendered HTML, whitespace collapsed (used for snippets)."""
    text = re.sub(r"<[^>]+>", " ", body_html or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


# --- diff between versions -------------------------------------------------------------


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff as (kind, text) with kind in {"same", "del", "ins", "gap"}; text unescaped."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    out: list[tuple[str, str]] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(3):
        if out:
            out.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(("same", line) for line in a[i1:i2])
            if tag in ("replace", "delete"):
                out.extend(("del", line) for line in a[i1:i2])
            if tag in ("replace", "insert"):
                out.extend(("ins", line) for line in b[j1:j2])
    return out


# --- search snippets ------------------------------------------------------------------


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    lower = text.lower()
    spans = []
    for term in terms:
        t = term.lower()
        if not t:
            continue
        start = lower.find(t)
        while start != -1:
            spans.append((start, start + len(t)))
            start = lower.find(t, start + len(t))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, terms: list[str]) -> str:
    """``text`` HTML-escaped, with every term wrapped in <mark> (the only markup)."""
    out, pos = [], 0
    for s, e in _spans(text, terms):
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def snippet(text: str, terms: list[str], width: int = 80) -> str:
    """A window of ``text`` around the first hit, escaped, with hits marked."""
    spans = _spans(text, terms)
    if not spans:
        cut = text[: width * 2]
        return html.escape(cut) + ("…" if len(text) > len(cut) else "")
    first = spans[0][0]
    start = max(0, first - width)
    end = min(len(text), first + width)
    window = text[start:end]
    return ("…" if start else "") + highlight(window, terms) + ("…" if end < len(text) else "")

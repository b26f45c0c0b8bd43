"""Markdown -> sanitised HTML, shared by the knowledge base and request discussions.

Lives in campaigns (below tasks and knowledge) so every app that shows user-written Markdown
uses one allow-list. Sanitising is done by nh3 (Rust ammonia): an allow-list of tags,
attributes and URL schemes. Raw HTML in Markdown passes the Markdown stage and is then
cleaned like the rest.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "code": {"class"},
    "ol": {"start"},
    "*": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]


def sanitize_html(raw_html: str) -> str:
    """Clean HTML with nh3: no script/style/iframe, no on* handlers, no javascript:/data: URLs."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(body: str) -> str:
    """The article body as safe HTML (tables and fenced code blocks supported)."""
    raw = markdown.markdown(body or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return sanitize_html(raw)

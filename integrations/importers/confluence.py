"""Confluence's space export in HTML: ``index.html``, one ``<Title>_<id>.html`` per page, ``attachments/``.

Each page's title is in ``#title-text`` ("Space : Title"), its ancestors in ``#breadcrumbs`` and
its content in ``#main-content``. The content is cleaned by the knowledge base's sanitiser
(scripts, styles and event handlers go) and then converted to Markdown with markdownify.
"""

from __future__ import annotations

import posixpath
import re

from bs4 import BeautifulSoup
from markdownify import markdownify

from knowledge.rendering import sanitize_html

from .wiki import WikiPage, WikiPlan, check, placeholder, resolve, text_of

SOURCE = "confluence"
_ID = re.compile(r"(?:^|_)(?P<id>\d+)\.html$")


def _page_key(path: str) -> str | None:
    name = posixpath.basename(path)
    if not name.lower().endswith(".html") or name == "index.html":
        return None
    match = _ID.search(name)
    return match["id"] if match else posixpath.splitext(name)[0]


def read(files: dict[str, bytes]) -> WikiPlan:
    """The pages of a Confluence HTML export (already safely unzipped)."""
    plan = WikiPlan(source=SOURCE, files=files)
    keys = {p: k for p in files if (k := _page_key(p))}
    for path, key in keys.items():
        soup = BeautifulSoup(text_of(files[path]), "html.parser")
        heading = soup.select_one("#title-text") or soup.title
        title = heading.get_text(" ", strip=True) if heading else key
        if " : " in title:
            title = title.split(" : ", 1)[1]
        folder = posixpath.dirname(path)
        parent = ""
        for crumb in soup.select("#breadcrumbs a[href]"):
            target = resolve(folder, crumb["href"])
            if target in keys:
                parent = keys[target]  # the last ancestor is the parent
        page = WikiPage(key=key, title=title, path=path, parent=parent)
        content = soup.select_one("#main-content") or soup.body or soup
        for n, tag in enumerate(content.find_all(["a", "img"]), start=1):
            attr = "href" if tag.name == "a" else "src"
            target = resolve(folder, tag.get(attr, "")) if tag.get(attr) else None
            if target is None:
                continue
            if target in keys:
                token = placeholder("page", n)
                page.page_links[token] = keys[target]
            elif target in files:
                token = placeholder("file", n)
                page.file_links[token] = target
            else:
                continue
            tag[attr] = token
        page.markdown = markdownify(sanitize_html(str(content)), heading_style="ATX").strip() + "\n"
        plan.pages.append(page)
    return check(plan)

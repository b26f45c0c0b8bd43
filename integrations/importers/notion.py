"""Notion's "Export → Markdown & CSV" zip: one .md file per page, named "<Title> <32-hex id>.md".

A page's children sit in the folder of the same name; links and images are relative,
URL-encoded paths. Databases (CSV files) are reported as skipped.
"""

from __future__ import annotations

import posixpath
import re

from .wiki import WikiPage, WikiPlan, check, placeholder, resolve, text_of

SOURCE = "notion"
_ID = re.compile(r"^(?P<title>.*?)\s*(?P<id>[0-9a-f]{32})$")
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")


def _page_id(path: str) -> tuple[str, str] | None:
    match = _ID.match(posixpath.splitext(posixpath.basename(path))[0])
    return (match["id"], match["title"]) if match else None


def read(files: dict[str, bytes]) -> WikiPlan:
    """The pages of a Notion export (already safely unzipped)."""
    plan = WikiPlan(source=SOURCE, files=files)
    pages_by_path = {p: _page_id(p) for p in files if p.lower().endswith(".md") and _page_id(p)}
    for path, (key, title) in pages_by_path.items():
        text = text_of(files[path]).replace("\r\n", "\n")
        lines = text.split("\n")
        if lines and lines[0].startswith("# "):
            title, text = lines[0][2:].strip() or title, "\n".join(lines[1:]).lstrip("\n")
        folder = posixpath.dirname(path)
        parent = _page_id(folder) if folder else None
        page = WikiPage(key=key, title=title, path=path, parent=parent[0] if parent else "")
        counter = 0

        def link(match: re.Match, page: WikiPage = page, folder: str = folder) -> str:
            nonlocal counter
            target = resolve(folder, match["target"])
            if target is None:
                return match.group(0)
            counter += 1
            if target in pages_by_path:
                token = placeholder("page", counter)
                page.page_links[token] = pages_by_path[target][0]
            else:
                token = placeholder("file", counter)
                page.file_links[token] = target
            return f"{match['bang']}[{match['text']}]({token})"

        page.markdown = _LINK.sub(link, text)
        plan.pages.append(page)
    plan.skipped = sorted(p for p in files if p.lower().endswith(".csv"))
    return check(plan)

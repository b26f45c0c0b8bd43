"""Global search: requests, tasks and knowledge articles a user may open, Japanese and English.

Every group starts from the selector its list page uses (``request_list_for``,
``task_list_for``, the knowledge search over ``article_list_for``), so search never shows what
the user could not open. Each group costs a fixed number of queries (a page of rows and a
count), whatever the data size.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from campaigns.selectors import request_list_for
from knowledge.rendering import highlight, snippet
from knowledge.search import parse_query, search_articles
from tasks.selectors import task_list_for

MIN_LENGTH = 2  # two characters: Japanese words such as 集客 are two characters long
PER_GROUP = 10
_TASK_KEY = re.compile(r"^(?:mops-)?(\d{1,12})$", re.IGNORECASE)
_REQUEST_ID = re.compile(r"^#?(\d{1,12})$")

TYPES = {"request": _("Requests"), "task": _("Tasks"), "article": _("Knowledge articles")}


@dataclasses.dataclass
class Result:
    type: str
    id: int
    title: str
    url: str
    snippet_html: str  # escaped text with <mark> around the matched terms
    title_html: str


@dataclasses.dataclass
class Group:
    type: str
    label: Any
    results: list[Result]
    total: int


def query_problem(q: str) -> str | None:
    """Why ``q`` cannot be searched (empty or too short), or None. Ids and task keys are fine."""
    text = (q or "").replace("\u3000", " ").strip()
    if not text:
        return str(_("Type something to search for."))
    if _TASK_KEY.match(text) or _REQUEST_ID.match(text):
        return None
    if len(text) < MIN_LENGTH:
        return str(_("Type at least %(n)s characters.") % {"n": MIN_LENGTH})
    return None


def _text_q(terms: list[str], fields: list[str]) -> Q:
    q = Q()
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        q &= any_field
    return q


def _requests(user: Any, terms: list[str], limit: int) -> Group:
    text = _text_q(terms, ["name", "objective"])
    if len(terms) == 1 and (m := _REQUEST_ID.match(terms[0])):
        text |= Q(pk=int(m.group(1)))
    qs = request_list_for(user).filter(text).order_by("-created_at", "-id")
    rows = list(qs.select_related(None).prefetch_related(None).only("id", "name", "objective", "state")[:limit])
    results = [
        Result(
            type="request",
            id=r.pk,
            title=r.name,
            url=reverse("campaigns:detail", args=[r.pk]),
            title_html=highlight(r.name, terms),
            snippet_html=snippet(r.objective or "", terms),
        )
        for r in rows
    ]
    return Group("request", TYPES["request"], results, qs.count())


def _tasks(user: Any, terms: list[str], limit: int) -> Group:
    text = _text_q(terms, ["title", "key"])
    if len(terms) == 1 and (m := _TASK_KEY.match(terms[0])):
        text |= Q(number=int(m.group(1)))
    qs = task_list_for(user).filter(text).order_by("-created_at", "-id")
    rows = list(
        qs.select_related(None)
        .prefetch_related(None)
        .select_related("campaign")
        .only("id", "key", "title", "state", "campaign__name", "campaign__state")[:limit]
    )
    results = [
        Result(
            type="task",
            id=t.pk,
            title=f"{t.key} {t.title}",
            url=reverse("tasks:detail", args=[t.pk]),
            title_html=highlight(f"{t.key} {t.title}", terms),
            snippet_html=escape(t.campaign.name),
        )
        for t in rows
    ]
    return Group("task", TYPES["task"], results, qs.count())


def _articles(user: Any, q: str, limit: int) -> Group:
    hits, total = search_articles(user, q, limit=max(limit, 1))
    results = [
        Result(
            type="article",
            id=h.article.pk,
            title=h.article.title,
            url=reverse("knowledge:detail", args=[h.article.pk]),
            title_html=h.title_html,
            snippet_html=h.snippet_html,
        )
        for h in hits[:limit]
    ]
    return Group("article", TYPES["article"], results, total)


def search_all(user: Any, q: str, *, types: list[str] | None = None, limit: int = PER_GROUP) -> list[Group]:
    """Groups of results for ``q`` (requests, tasks, articles) among what ``user`` may open.

    Call ``query_problem`` first: an empty or too short query returns no groups here.
    """
    if query_problem(q):
        return []
    terms = parse_query(q)
    wanted = types or list(TYPES)
    groups = []
    if "request" in wanted:
        groups.append(_requests(user, terms, limit))
    if "task" in wanted:
        groups.append(_tasks(user, terms, limit))
    if "article" in wanted:
        groups.append(_articles(user, q, limit))
    return groups

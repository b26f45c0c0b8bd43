"""Full-text search over article titles and bodies, Japanese and English.

SQLite: an FTS5 table ``knowledge_article_fts`` with the ``trigram`` tokenizer (substring
matching, so Japanese needs no word segmentation), kept in step with ``knowledge_article``
by triggers. Terms of 3+ characters use MATCH (index); shorter terms (2-character Japanese
words such as 集客) use LIKE on the same rows. Ranking: title hits first, then bm25 with the
title weighted 10x.

PostgreSQL: ``pg_trgm`` GIN indexes on title and body serve ILIKE '%term%'; ranking is title
hits first, then trigram word similarity and the number of occurrences in the body.

Permissions and filters come from the ORM (selectors) and are applied as a subquery.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from . import selectors
from .models import Article, Status
from .rendering import highlight, plain_text, snippet

MAX_TERMS = 8
MAX_QUERY = 200
FTS_TABLE = "knowledge_article_fts"


def parse_query(q: str) -> list[str]:
    """Whitespace-separated terms (full-width spaces too), deduplicated, at most MAX_TERMS."""
    q = (q or "").replace("\u3000", " ")[:MAX_QUERY]
    terms: list[str] = []
    for raw in q.split():
        term = raw.strip().strip('"')
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return terms[:MAX_TERMS]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclasses.dataclass
class Hit:
    article: Article
    title_html: str
    snippet_html: str
    title_hit: bool
    score: float


def _ranked_ids_sqlite(terms: list[str], scope_sql: str, scope_params: tuple, limit: int, offset: int):
    long_terms = [t for t in terms if len(t) >= 3]
    where, params = [f"a.id IN ({scope_sql})"], list(scope_params)
    if long_terms:
        where.append(f"{FTS_TABLE} MATCH %s")
        params.append(" AND ".join(_fts_phrase(t) for t in long_terms))
    for t in terms:
        if len(t) < 3:
            where.append("(f.title LIKE %s ESCAPE '\\' OR f.body LIKE %s ESCAPE '\\')")
            params += [_like(t), _like(t)]
    title_all = " AND ".join(["f.title LIKE %s ESCAPE '\\'"] * len(terms))
    title_params = [_like(t) for t in terms]
    score = f"bm25({FTS_TABLE}, 10.0, 1.0)" if long_terms else "0.0"
    base = f"FROM {FTS_TABLE} f JOIN knowledge_article a ON a.id = f.rowid WHERE " + " AND ".join(where)
    sql = (
        f"SELECT a.id, CASE WHEN {title_all} THEN 1 ELSE 0 END AS title_hit, {score} AS score "
        f"{base} ORDER BY title_hit DESC, score ASC, a.updated_at DESC, a.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, title_params + params + [limit, offset])
        rows = [(r[0], bool(r[1]), -float(r[2] or 0)) for r in cur.fetchall()]
        cur.execute(f"SELECT COUNT(*) {base}", params)
        total = cur.fetchone()[0]
    return rows, total


def _ranked_ids_postgres(terms: list[str], scope_sql: str, scope_params: tuple, limit: int, offset: int):
    where, params = [f"a.id IN ({scope_sql})"], list(scope_params)
    for t in terms:
        where.append("(a.title ILIKE %s OR a.body ILIKE %s)")
        params += [_like(t), _like(t)]
    title_all = " AND ".join(["a.title ILIKE %s"] * len(terms))
    title_params = [_like(t) for t in terms]
    q = " ".join(terms)
    occurrences = " + ".join(
        ["(length(a.body) - length(replace(lower(a.body), lower(%s), ''))) / length(%s)::float"] * len(terms)
    )
    occ_params: list[Any] = []
    for t in terms:
        occ_params += [t, t]
    base = "FROM knowledge_article a WHERE " + " AND ".join(where)
    sql = (
        f"SELECT a.id, CASE WHEN {title_all} THEN 1 ELSE 0 END AS title_hit, "
        f"(word_similarity(%s, a.title) * 10 + LEAST({occurrences}, 20) / 20.0) AS score "
        f"{base} ORDER BY title_hit DESC, score DESC, a.updated_at DESC, a.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, title_params + [q] + occ_params + params + [limit, offset])
        rows = [(r[0], bool(r[1]), float(r[2] or 0)) for r in cur.fetchall()]
        cur.execute(f"SELECT COUNT(*) {base}", params)
        total = cur.fetchone()[0]
    return rows, total


def search_articles(
    user: Any,
    q: str,
    *,
    scope: QuerySet[Article] | None = None,
    include_archived: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Hit], int]:
    """Ranked hits for ``q`` among the articles ``user`` may see (``scope`` narrows further).

    Returns (hits for the page, total number of matches). Drafts are searched only for the
    people who may see them; archived articles only when asked.
    """
    terms = parse_query(q)
    if not terms:
        return [], 0
    if scope is None:
        scope = selectors.article_list_for(user, include_archived=include_archived)
    elif not include_archived:
        scope = scope.exclude(status=Status.ARCHIVED)
    scope_sql, scope_params = scope.order_by().values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        rows, total = _ranked_ids_postgres(terms, scope_sql, scope_params, limit, offset)
    else:
        rows, total = _ranked_ids_sqlite(terms, scope_sql, scope_params, limit, offset)
    by_id = {
        a.pk: a
        for a in Article.objects.filter(pk__in=[r[0] for r in rows])
        .select_related("owner", "unit")
        .prefetch_related("tags", "campaign_types")
    }
    hits = []
    for pk, title_hit, score in rows:
        article = by_id.get(pk)
        if article is None:  # deleted between the two queries
            continue
        hits.append(
            Hit(
                article=article,
                title_html=highlight(article.title, terms),
                snippet_html=snippet(plain_text(article.body_html), terms),
                title_hit=title_hit,
                score=score,
            )
        )
    return hits, total


def ensure_index(using: str = "default") -> None:
    """Recreate the SQLite FTS table/triggers if missing and rebuild it if it drifted.

    Runs after every ``migrate`` (post_migrate): a later migration that rebuilds
    knowledge_article on SQLite drops its triggers, and this puts them back.
    """
    from django.db import connections

    from .migrations import _search_sql

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'knowledge_article'")
        if not cur.fetchone():
            return
        for sql in _search_sql.SQLITE_SCHEMA:
            cur.execute(sql)
        cur.execute("SELECT (SELECT COUNT(*) FROM knowledge_article), (SELECT COUNT(*) FROM knowledge_article_fts)")
        articles, indexed = cur.fetchone()
        if articles != indexed:
            cur.execute("DELETE FROM knowledge_article_fts")
            cur.execute(
                "INSERT INTO knowledge_article_fts(rowid, title, body) SELECT id, title, body FROM knowledge_article"
            )

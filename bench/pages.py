"""Page latency at scale (``make bench``, or ``python -m bench pages [--sizes 1000,100000] [--no-postgres]``).

Builds two databases with the KPI benchmark's generator (``bench.kpis.generate``: N campaigns,
10 N tasks, 3 events per task), over the eight quarters up to the current one, then turns the work
of campaigns launching after today into open work (to do / in progress, assigned) and gives the
generated people roles. Each database is cached under ``BENCH_DATA`` (default /work/benchdata/,
outside the repository; ``BENCH_PG_TAG`` suffixes the PostgreSQL names), keyed by size, seed and
generator version; a cached database is migrated forward on reuse (new indexes are built on it),
and rebuilt when it holds migrations this checkout does not know.

Then every list page, API list, dashboard, drill-down, export, calendar view and feed is requested
through Django's test Client, logged in as the role that uses it, alternating between the small and
the large database (interleaved, so machine noise hits both sizes alike). Per row it prints the
query count and median time at each size and their ratio; the goal per row is a constant query
count, large <= 1.5 x small (or within 50 ms) and <= 1 s. Times, never asserts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DATA = Path(os.environ.get("BENCH_DATA", "/work/benchdata"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SEED = 7
# Bump when the data the bench builds changes (the cache key).
GENERATOR_VERSION = "pages-1"
REPEAT = int(os.environ.get("BENCH_PAGES_REPEAT", "5"))
# Appended to the PostgreSQL database names (as BENCH_DATA moves the SQLite files): two checkouts
# with different migrations each keep their own copy instead of rebuilding each other's.
PG_TAG = os.environ.get("BENCH_PG_TAG", "")

# (label, role, url) — urls may use {request}, {task}, {token}, {month}, {deep}.
ROWS: list[tuple[str, str, str]] = [
    ("home (MOps)", "mops", "/"),
    ("home (CMO)", "cmo", "/"),
    ("home (designer)", "designer", "/"),
    ("home (marketer)", "marketer", "/"),
    ("requests list", "mops", "/requests/"),
    ("requests list, deep page", "mops", "/requests/?page={deep}"),
    ("requests list, filtered by state", "mops", "/requests/?state=launched"),
    ("my requests", "marketer", "/requests/mine/"),
    ("approval inbox", "cmo", "/requests/inbox/"),
    ("request detail", "mops", "/requests/{request}/"),
    ("task board", "mops", "/tasks/"),
    ("task board, done", "mops", "/tasks/?state=done"),
    ("task board, by assignee", "mops", "/tasks/?assignee={designer}"),
    ("task board, SLA breached", "mops", "/tasks/?sla_state=breached"),
    ("task board, SLA at risk", "mops", "/tasks/?sla_state=at_risk"),
    ("my tasks (designer)", "designer", "/tasks/mine/"),
    ("my tasks, older done", "designer", "/tasks/mine/?done=all"),
    ("task detail", "mops", "/tasks/{task}/"),
    ("campaign tasks", "mops", "/tasks/campaign/{request}/"),
    ("workload", "mops", "/tasks/workload/"),
    ("portfolio timeline", "mops", "/tasks/timeline/"),
    ("capacity forecast", "mops", "/tasks/capacity/"),
    ("API requests", "mops", "/api/requests/"),
    ("API requests, deep page", "mops", "/api/requests/?page={deep_api}"),
    ("API requests, filtered by state", "mops", "/api/requests/?state=launched"),
    ("API requests, deep keyset page", "mops", "/api/requests/?paging=cursor&cursor={cursor_requests}"),
    ("API tasks", "mops", "/api/tasks/"),
    ("API tasks, deep page", "mops", "/api/tasks/?page={deep_api_tasks}"),
    ("API tasks, deep keyset page", "mops", "/api/tasks/?paging=cursor&cursor={cursor_tasks}"),
    ("API tasks, mine (designer)", "designer", "/api/tasks/"),
    ("API tasks, SLA breached", "mops", "/api/tasks/?sla_state=breached"),
    ("API workload", "mops", "/api/workload/"),
    ("API timeline", "mops", "/api/timeline/"),
    ("KPI dashboard", "cmo", "/kpis/"),
    ("KPI drill-down", "cmo", "/kpis/drill/sla/"),
    ("KPI export CSV", "cmo", "/kpis/export.csv"),
    ("API KPIs", "cmo", "/api/kpis/"),
    ("calendar month (MOps)", "mops", "/calendar/?start={month}"),
    ("calendar quarter (MOps)", "mops", "/calendar/?view=quarter&start={month}"),
    ("calendar list (MOps)", "mops", "/calendar/?view=list&start={month}"),
    ("calendar month (designer)", "designer", "/calendar/?start={month}"),
    ("calendar month (marketer)", "marketer", "/calendar/?start={month}"),
    ("iCal feed (designer)", "feed-designer", "/calendar/feed/{token}.ics"),
    ("iCal feed (MOps)", "feed-mops", "/calendar/feed/{token_mops}.ics"),
]


def _quarter_now() -> str:
    today = dt.date.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _key(size: int) -> str:
    raw = f"{GENERATOR_VERSION}:{size}:{SEED}:{_quarter_now()}"
    return f"pages-{size}-s{SEED}-{hashlib.sha1(raw.encode()).hexdigest()[:8]}"


def _progress(msg: str) -> None:
    print(f"  {msg}", flush=True)


# --- databases -------------------------------------------------------------------------------


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def postgres_answers() -> bool:
    try:
        _pg_admin().close()
    except Exception:
        return False
    return True


def _settings_for(vendor: str, size: int) -> dict[str, Any]:
    """A Django DATABASES entry for the cached bench database of ``size`` on ``vendor``."""
    import dj_database_url

    if vendor == "sqlite":
        url = f"sqlite:///{BENCH_DATA / (_key(size) + '.sqlite3')}"
    else:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + _key(size).replace("-", "_") + PG_TAG
    entry = dj_database_url.parse(url, conn_max_age=0)
    if vendor == "sqlite":
        entry["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    for k, v in (("ATOMIC_REQUESTS", False), ("AUTOCOMMIT", True), ("CONN_HEALTH_CHECKS", False), ("TIME_ZONE", None)):
        entry.setdefault(k, v)
    entry.setdefault("TEST", {})
    entry.setdefault("OPTIONS", {})
    return entry


def _wrapper(entry: dict[str, Any]):
    from django.db.utils import load_backend

    backend = load_backend(entry["ENGINE"])
    return backend.DatabaseWrapper(entry, "default")


def _use(wrapper) -> None:
    """Make ``wrapper`` the default connection of this thread (the test Client uses it)."""
    from django.db import connections

    connections._connections.default = wrapper  # noqa: SLF001 — the bench swaps databases per request
    # And the cache with it: cached values (KPI charts, the workload job's "queued" guard) are
    # keyed by ids both databases share; one database must not read the other's.
    from django.core.cache import cache

    cache.key_prefix = f"bench-{id(wrapper)}"


def _on_disk_migrations() -> set[tuple[str, str]]:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)


def _applied(wrapper) -> set[tuple[str, str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return set(MigrationRecorder(wrapper).applied_migrations())


def _exists(vendor: str, entry: dict[str, Any]) -> bool:
    if vendor == "sqlite":
        return Path(entry["NAME"]).exists() and Path(entry["NAME"] + ".ready").exists()
    with _pg_admin() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [entry["NAME"]]).fetchone()
        if not row:
            return False
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + entry["NAME"], autocommit=True) as conn:
        try:
            return bool(conn.execute("SELECT ready FROM bench_ready").fetchone())
        except Exception:
            return False


def _drop(vendor: str, entry: dict[str, Any]) -> None:
    if vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", ".ready"):
            Path(entry["NAME"] + suffix).unlink(missing_ok=True)
    else:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{entry["NAME"]}"')


def _create(vendor: str, entry: dict[str, Any]) -> None:
    if vendor == "sqlite":
        BENCH_DATA.mkdir(parents=True, exist_ok=True)
    else:
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{entry["NAME"]}"')


def ensure_database(vendor: str, size: int):
    """The cached database of ``size`` (built when missing, migrated forward when reused)."""
    from django.core.management import call_command

    entry = _settings_for(vendor, size)
    wrapper = _wrapper(entry)
    if _exists(vendor, entry):
        _use(wrapper)  # the migration recorder reads through the "default" alias
        unknown = _applied(wrapper) - _on_disk_migrations()
        if unknown:
            _progress(f"{vendor} {size:,}: cached database has migrations this checkout lacks; rebuilding")
            wrapper.close()
            _drop(vendor, entry)
        else:
            _use(wrapper)
            t0 = time.perf_counter()
            call_command("migrate", verbosity=0)
            _analyze(wrapper)
            _progress(
                f"{vendor} {size:,}: cached {entry['NAME']} (migrated forward in {time.perf_counter() - t0:.1f} s)"
            )
            return wrapper
    _drop(vendor, entry)
    _create(vendor, entry)
    wrapper = _wrapper(entry)
    _use(wrapper)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    _build(size)
    _analyze(wrapper)
    if vendor == "sqlite":
        Path(entry["NAME"] + ".ready").write_text(json.dumps({"size": size, "seed": SEED}))
    else:
        with wrapper.cursor() as cur:
            cur.execute("CREATE TABLE bench_ready (ready boolean)")
            cur.execute("INSERT INTO bench_ready VALUES (true)")
    _progress(f"{vendor} {size:,}: built {entry['NAME']} in {time.perf_counter() - t0:.0f} s")
    return wrapper


def _analyze(wrapper) -> None:
    # PostgreSQL: VACUUM too, as autovacuum does to a live database (it is off on the bench
    # machines' server). Without it a freshly built table has no visibility map, so every
    # "index-only" scan also reads the table, and the rows the build updated stay dead.
    with wrapper.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if wrapper.vendor == "postgresql" else "ANALYZE")


def _build(size: int) -> None:
    """Generate the data, then open work, roles and feed tokens (what the pages need to be real)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models.functions import Mod
    from django.utils import timezone

    from bench.kpis import generate
    from campaigns.models import CampaignRequest
    from governance import roles
    from governance.setup import ensure_roles
    from tasks.models import Task

    generate(campaigns=size, tasks=size * 10, quarter=_quarter_now(), seed=SEED)
    if connection.vendor == "postgresql":  # the generator wrote explicit ids: move the sequences on
        from django.apps import apps

        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cur.execute(sql)
    ensure_roles()
    User = get_user_model()
    today = timezone.localdate()
    # Campaigns launching after today are in production; their tasks are open (a third started).
    future = CampaignRequest.objects.filter(launch_date__gt=today)
    future.update(state="in_production", launched_at=None)
    open_tasks = Task.objects.filter(campaign__launch_date__gt=today)
    open_tasks.update(state="todo", completed_at=None, started_at=None, sla_state="on_track", actual_hours=None)
    open_tasks.annotate(third=Mod("id", 3)).filter(third=0).update(state="in_progress", started_at=timezone.now())
    groups = {name: Group.objects.get(name=name) for name in roles.ALL_ROLES}
    for user in User.objects.filter(username__startswith="bench-p"):
        user.groups.add(groups[roles.SPECIALIST])
    User.objects.get(username="bench-requester").groups.add(groups[roles.REQUESTER])
    User.objects.get(username="bench-approver").groups.add(groups[roles.APPROVER])
    mops = User.objects.create(username="bench-mops", is_staff=True)
    mops.groups.add(groups[roles.MOPS])


def _feed_token(user) -> str:
    from integrations import services

    return services.feed_token_regenerate(user=user)


# --- measurement -----------------------------------------------------------------------------


def _context(size: int) -> dict[str, Any]:
    """Users, clients and URL values for one database (the default connection must be it)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from campaigns.models import CampaignRequest
    from tasks.models import Task

    User = get_user_model()
    users = {
        "mops": User.objects.get(username="bench-mops"),
        "cmo": User.objects.get(username="bench-approver"),
        "designer": User.objects.get(username="bench-p0"),
        "marketer": User.objects.get(username="bench-requester"),
    }
    clients = {}
    for role, user in users.items():
        c = Client(HTTP_ACCEPT_LANGUAGE="ja")
        c.force_login(user)
        clients[role] = c
    clients["feed-designer"] = clients["feed-mops"] = Client()
    # The workload's weekly history, as the hourly job keeps it (the page does not replay it).
    from tasks.jobs import snapshot_workload_history

    snapshot_workload_history(12)
    today = dt.date.today()
    req = CampaignRequest.objects.filter(launch_date__gt=today).order_by("id").values_list("id", flat=True).first()
    task = Task.objects.filter(campaign_id=req).order_by("id").values_list("id", flat=True).first()
    return {
        "clients": clients,
        "values": {
            "request": req,
            "task": task,
            "designer": users["designer"].pk,
            "deep": max(size // 25 // 2, 1),
            "deep_api": max(size // 50 // 2, 1),
            "deep_api_tasks": max(size * 10 // 50 // 2, 1),
            # Keyset cursors at the same depths (half-way down each list), as a client following
            # ``next`` would hold them.
            "cursor_requests": _cursor(CampaignRequest.objects.order_by("-created_at", "-id")),
            "cursor_tasks": _cursor(Task.objects.order_by("campaign_id", "position", "id")),
            "month": today.replace(day=1).isoformat(),
            "token": _feed_token(users["designer"]),
            "token_mops": _feed_token(users["mops"]),
        },
    }


def _cursor(queryset) -> str:
    """The ``cursor`` query value of the keyset page starting half-way down ``queryset``."""
    from urllib.parse import parse_qs, urlsplit

    from rest_framework.pagination import Cursor
    from rest_framework.test import APIRequestFactory

    from config.pagination import KeysetPagination

    row = queryset[queryset.count() // 2]
    pager = KeysetPagination()
    pager.base_url = APIRequestFactory().get("/").build_absolute_uri()
    position = pager._key(row, tuple(queryset.query.order_by))
    url = pager.encode_cursor(Cursor(offset=0, reverse=False, position=position))
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _hit(client, url: str) -> tuple[float, int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - t0
    return elapsed, len(ctx.captured_queries), response.status_code, len(body)


def measure(wrappers: dict[str, Any], *, repeat: int = REPEAT, only: str = "") -> list[dict[str, Any]]:
    """Median time, queries, status and size per row and size, requests interleaved across sizes."""
    contexts = {}
    for label, wrapper in wrappers.items():
        _use(wrapper)
        contexts[label] = _context(int(label))
    out = []
    for name, role, pattern in ROWS:
        if only and only not in name:
            continue
        samples: dict[str, list] = {label: [] for label in wrappers}
        for i in range(repeat + 1):  # the first round warms caches and is dropped
            for label in wrappers:
                _use(wrappers[label])
                ctx = contexts[label]
                url = pattern.format(**ctx["values"])
                t, q, status, nbytes = _hit(ctx["clients"][role], url)
                if i:
                    samples[label].append((t, q, status, nbytes))
        row = {"page": name, "role": role, "url": pattern}
        for label, s in samples.items():
            row[label] = {
                "ms": round(statistics.median(x[0] for x in s) * 1000, 1),
                "queries": s[-1][1],
                "status": s[-1][2],
                "kb": round(s[-1][3] / 1024, 1),
            }
        out.append(row)
        _print_row(row, list(wrappers))
    return out


def _verdict(small: dict, large: dict) -> str:
    if small["status"] >= 400 or large["status"] >= 400:
        return "ERROR"
    ok = (
        large["queries"] <= small["queries"]
        and (large["ms"] <= small["ms"] * 1.5 or large["ms"] - small["ms"] <= 50)
        and large["ms"] <= 1000
    )
    return "ok" if ok else "SLOW"


def _size_label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def _print_header(labels: list[str]) -> None:
    small, large = labels[0], labels[-1]
    print(
        f"  {'page':<34} {'role':<9} {'q ' + small:>9} {'q ' + large:>9} {'ms ' + small:>10} {'ms ' + large:>11}"
        f" {'ratio':>6} {'KB ' + large:>10} {'status':>7}  verdict",
        flush=True,
    )


def _print_row(row: dict, labels: list[str]) -> None:
    a, b = row[labels[0]], row[labels[-1]]
    ratio = b["ms"] / a["ms"] if a["ms"] else 0
    status = f"{a['status']}/{b['status']}"
    print(
        f"  {row['page']:<34} {row['role']:<9} {a['queries']:>9} {b['queries']:>9} {a['ms']:>10.1f} {b['ms']:>11.1f}"
        f" {ratio:>6.2f} {b['kb']:>10.1f} {status:>7}  {_verdict(a, b)}",
        flush=True,
    )


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    os.environ.setdefault("Q_SYNC", "0")
    import django
    from django.conf import settings

    django.setup()
    # Benchmarks issue hundreds of API calls a minute: DRF's throttles would answer 429.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    from rest_framework import settings as drf_settings

    drf_settings.api_settings.reload()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def run_bench(sizes: tuple[int, ...] = (1_000, 100_000), *, postgres: bool = True, only: str = "") -> dict[str, Any]:
    """Build (or reuse) the databases, measure every row on SQLite (and PostgreSQL when it answers)."""
    _setup_django()
    results: dict[str, Any] = {}
    vendors = ["sqlite"] + (["postgresql"] if postgres and postgres_answers() else [])
    for vendor in vendors:
        print(f"\n  -- {vendor}: {' vs '.join(f'{s:,}' for s in sizes)} campaigns (x10 tasks)", flush=True)
        wrappers = {str(size): ensure_database(vendor, size) for size in sizes}
        _print_header([_size_label(int(s)) for s in wrappers])
        results[vendor] = measure(wrappers, only=only)
        for w in wrappers.values():
            w.close()
    return results


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="campaign counts, comma-separated (default 1000,100000)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--only", default="", help="rows whose name contains this text")
    parser.add_argument("--build-only", action="store_true", help="build/cache the databases, measure nothing")
    args = parser.parse_args(argv)
    sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(","))
    if args.build_only:
        _setup_django()
        vendors = ["sqlite"] + ([] if args.no_postgres or not postgres_answers() else ["postgresql"])
        for vendor in vendors:
            for size in sizes:
                ensure_database(vendor, size).close()
        return
    result = run_bench(sizes, postgres=not args.no_postgres, only=args.only)
    out = Path(__file__).resolve().parent.parent / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "pages.json").write_text(json.dumps(result, indent=2, default=str))
    print("  (all figures: bench-results/pages.json)")


if __name__ == "__main__":
    main(sys.argv[1:])

"""`make bench` (``python -m bench``): every benchmark the issues ask for, measured in one run, printed as ratios.

Each benchmark runs in its own process against a throw-away database (a temporary SQLite
file, or a scratch PostgreSQL database when one answers), never against db.sqlite3.
Benchmarks time; they never assert (these machines are shared and noisy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

SNIPPET = """
import json, django
django.setup()
{setup}
from {module} import run_bench
result = run_bench({args})
print("BENCH-JSON " + json.dumps(result, default=str))
"""
MIGRATE = "from django.core.management import call_command\ncall_command('migrate', verbosity=0)"


def _run(title: str, module: str, *, args: str = "", database_url: str | None = None, migrate: bool = False) -> dict:
    # Jobs are queued, not run inline: a benchmark times one thing at a time.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "Q_SYNC": "0", "AXES_ENABLED": "0"}
    if database_url:
        env["DATABASE_URL"] = database_url
    code = SNIPPET.format(setup=MIGRATE if migrate else "", module=module, args=args)
    print(f"\n== {title}", flush=True)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON ") :])
        print("  " + line, flush=True)
    return {"error": f"exit code {proc.returncode}"}


def _postgres_scratch(name: str) -> str | None:
    """Create an empty scratch database; None when PostgreSQL does not answer."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.from_url(os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/1")).ping())
    except Exception:
        return False


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    results: dict[str, dict] = {}
    tmp = Path(tempfile.mkdtemp(prefix="mops-bench-"))

    results["sla_deadlines"] = _run(
        "SLA: bulk business-day deadlines vs numpy.busday_offset",
        "bench.deadlines",
        args="100_000" if quick else "1_000_000",
    )
    results["task_generation"] = _run(
        "Tickets: generation for approved campaigns of 15 tasks (SQLite)",
        "bench.tickets",
        args="campaigns=100" if quick else "",
        database_url=f"sqlite:///{tmp / 'tasks.sqlite3'}",
        migrate=True,
    )
    n_sweep = "10_000" if quick else "100_000"
    results["sla_sweep_sqlite"] = _run(
        f"SLA sweep over {n_sweep} open tasks (SQLite)",
        "bench.sla_sweep",
        args=n_sweep,
        database_url=f"sqlite:///{tmp / 'sweep.sqlite3'}",
        migrate=True,
    )
    pg = _postgres_scratch("mops_bench_sweep")
    if pg:
        results["sla_sweep_postgres"] = _run(
            f"SLA sweep over {n_sweep} open tasks (PostgreSQL)",
            "bench.sla_sweep",
            args=n_sweep,
            database_url=pg,
            migrate=True,
        )
        _drop_postgres("mops_bench_sweep")
    results["kpi_review"] = _run(
        "Quarterly KPI review over 100,000 campaigns / 1,000,000 tasks",
        "bench.kpis",
        args="campaigns=2_000, tasks=20_000" if quick else "",
        database_url=f"sqlite:///{tmp / 'kpi.sqlite3'}",
    )

    results["pages"] = _run(
        "Pages at scale: every list, API list, dashboard, calendar and feed, 1k vs 100k campaigns",
        "bench.pages",
        args="sizes=(1_000, 10_000)" if quick else "",
    )

    # The production runtime under load (make loadtest): needs PostgreSQL and Redis on 127.0.0.1.
    print("\n== Load test: make serve on PostgreSQL + Redis, locust headless", flush=True)
    from bench.loadtest import print_summary
    from bench.loadtest import run_bench as run_loadtest

    if quick:
        os.environ.setdefault("LOADTEST_SECONDS", "20")
    if _postgres_scratch("mops_bench_probe") and _redis_answers():
        _drop_postgres("mops_bench_probe")
        results["loadtest"] = run_loadtest()
    else:
        results["loadtest"] = {"error": "PostgreSQL or Redis not answering on 127.0.0.1: load test skipped"}

    print("\n== Summary (ratios are measured against a baseline in the same run)")
    sla, gen, kpi = results["sla_deadlines"], results["task_generation"], results["kpi_review"]
    rows = [
        ("bulk deadlines / numpy.busday_offset", sla.get("ratio"), "<= 1.2x"),
        ("tasks generated per second", gen.get("tasks_per_second"), ">= 5000"),
        (
            "SLA sweep, SQLite: first sweep, all changes (s)",
            results["sla_sweep_sqlite"].get("cold_sweep_seconds"),
            "<= 0.5 s",
        ),
        ("SLA sweep, SQLite: 5-minute sweep (s)", results["sla_sweep_sqlite"].get("steady_sweep_seconds"), "< 1 s"),
        (
            "SLA sweep, PostgreSQL: first sweep (s)",
            results.get("sla_sweep_postgres", {}).get("cold_sweep_seconds"),
            "<= 0.5 s",
        ),
        (
            "SLA sweep, PostgreSQL: 5-minute sweep (s)",
            results.get("sla_sweep_postgres", {}).get("steady_sweep_seconds"),
            "< 1 s",
        ),
        ("KPI recompute of a quarter / fetch of its rows", kpi.get("recompute_ratio"), "<= 1.2x"),
        ("  the same in CPU time (both threads)", kpi.get("recompute_cpu_ratio"), "report"),
        ("KPI full computation, 8 quarters (verify) / fetch", kpi.get("full_compute_ratio"), "<= 1.2x"),
        ("KPI dashboard from the store (s)", kpi.get("dashboard_seconds"), "< 1 s"),
        ("KPI API from the store (s)", kpi.get("api_seconds"), "< 1 s"),
        (
            "KPI drill-down / CSV / XLSX (s)",
            f"{kpi.get('drill_seconds')} / {kpi.get('csv_seconds')} / {kpi.get('xlsx_seconds')}",
            "report",
        ),
        ("PDF generation (s)", kpi.get("pdf_seconds"), "<= 5 s"),
    ]
    load = results["loadtest"].get("total", {})
    rows += [
        ("load test: requests per second", load.get("rps"), "report"),
        ("load test: p95 over all endpoints (ms)", load.get("p95_ms"), "report"),
        ("load test: errors", load.get("errors"), "0"),
    ]
    for name, value, target in rows:
        shown = "—" if value is None else (f"{value:.2f}" if isinstance(value, (int, float)) else str(value))
        print(f"  {name:<50} {shown:>10}   target {target}")
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print("  (all figures: bench-results/latest.json)")
    print("\n== Load test per endpoint group")
    print_summary(results["loadtest"])


if __name__ == "__main__":
    if sys.argv[1:2] == ["pages"]:  # python -m bench pages [--sizes 1000,100000] [--no-postgres] [--only TEXT]
        from bench.pages import main as pages_main

        pages_main(sys.argv[2:])
    else:
        main()

"""`make loadtest`: `manage.py serve` (what `make serve` runs) on a scratch PostgreSQL database and
Redis, the demo data, then locust headless with 50 simulated users for 60 s; prints requests
per second, p50/p95/p99 per endpoint group and the error count. Stops everything by itself.

Talks only to 127.0.0.1. Settings: LOADTEST_USERS (50), LOADTEST_SECONDS (60), LOADTEST_PORT
(8162), LOADTEST_PG_URL (the PostgreSQL server's maintenance database), LOADTEST_REDIS_URL
(redis://127.0.0.1:6379/1), WEB_CONCURRENCY (2), QCLUSTER_WORKERS (2).
A benchmark: it measures and prints, it asserts nothing.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SCRATCH_DB = "h16_loadtest"


def _env_url(name: str, default: str) -> str:
    url = os.environ.get(name, default)
    # Everything stays on this machine: refuse any other host before connecting anywhere.
    if "@127.0.0.1:" not in url and "//127.0.0.1:" not in url:
        raise SystemExit(f"{name} must point at 127.0.0.1 (got another host)")
    return url


def _pg_scratch(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    return admin_url.rsplit("/", 1)[0] + "/" + SCRATCH_DB


def _pg_drop(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def _wait_healthy(base: str, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=5) as r:  # noqa: S310 - 127.0.0.1 only
                return json.loads(r.read())
        except urllib.error.HTTPError as exc:
            last = json.loads(exc.read() or b"{}")
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the server did not become healthy: {last}")


def _summary(stats_csv: Path, seconds: int) -> dict[str, Any]:
    groups = []
    total: dict[str, Any] = {}
    with stats_csv.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            item = {
                "group": row["Name"],
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": int(float(row["50%"] or 0)),
                "p95_ms": int(float(row["95%"] or 0)),
                "p99_ms": int(float(row["99%"] or 0)),
            }
            if row["Name"] == "Aggregated":
                total = item
            else:
                groups.append(item)
    return {"seconds": seconds, "total": total, "groups": sorted(groups, key=lambda g: g["group"])}


def print_summary(result: dict[str, Any]) -> None:
    """The load test's figures as a table (also used by `make bench`)."""
    if "total" not in result:
        print(f"  load test: {result.get('error', 'no result')}")
        return
    t = result["total"]
    print(
        f"  {result['users']} users for {result['seconds']} s: {t['rps']} requests/s, "
        f"{t['requests']} requests, {t['errors']} errors, "
        f"p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, p99 {t['p99_ms']} ms"
    )
    print(f"  {'endpoint group':<26} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for g in result["groups"]:
        print(
            f"  {g['group']:<26} {g['requests']:>8} {g['errors']:>6} {g['rps']:>6} "
            f"{g['p50_ms']:>6} {g['p95_ms']:>6} {g['p99_ms']:>6}"
        )


def run_bench() -> dict[str, Any]:
    """Serve, seed, load, stop, clean up; returns the summary (also in bench-results/loadtest.json)."""
    users = int(os.environ.get("LOADTEST_USERS", "50"))
    seconds = int(os.environ.get("LOADTEST_SECONDS", "60"))
    port = int(os.environ.get("LOADTEST_PORT", "8162"))
    admin_url = _env_url("LOADTEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = _env_url("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="mops-loadtest-"))
    database_url = _pg_scratch(admin_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "Q_QUEUE": f"h16-loadtest-{os.getpid()}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STATIC_ROOT": str(work / "static"),
        "STATIC_COMPRESS": "0",
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "0",
        "MOPS_BASE_URL": base,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    server = None
    try:
        print(f"  scratch database {SCRATCH_DB}, Redis db {redis_url.rsplit('/', 1)[-1]}, port {port}")
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "seed_demo", "--if-empty"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        server_log = (work / "serve.log").open("wb")
        server = subprocess.Popen([*manage, "serve"], env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
        health = _wait_healthy(base, 300)
        print(
            f"  /health/: {health['status']} ({', '.join(f'{k}: {v}' for k, v in health['checks']['broker'].items())})"
        )
        locust = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))]
        locust += ["--headless", "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s"]
        locust += ["--host", base, "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING"]
        subprocess.run(locust, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(work / "locust.log").open("wb"))
        result = {"users": users, **_summary(work / "load_stats.csv", seconds)}
        failures = work / "load_failures.csv"
        if failures.exists():
            result["failures"] = list(csv.DictReader(failures.open(encoding="utf-8")))[:20]
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}", "log": str(work)}
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        try:
            import redis

            redis.from_url(redis_url).delete(env["Q_QUEUE"])
        except Exception:
            pass
        _pg_drop(admin_url)
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "loadtest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result

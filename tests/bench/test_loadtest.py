"""The load test's plumbing: it only talks to 127.0.0.1 and summarises locust's figures per group."""

from __future__ import annotations

import pytest

from bench import loadtest

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def test_other_hosts_are_refused_before_connecting(monkeypatch):
    monkeypatch.setenv("LOADTEST_PG_URL", "postgres://postgres@10.0.0.5:5432/postgres")
    with pytest.raises(SystemExit, match="127.0.0.1"):
        loadtest._env_url("LOADTEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    assert loadtest._env_url("NOT_SET_H16", "redis://127.0.0.1:6379/1") == "redis://127.0.0.1:6379/1"


def test_summary_per_endpoint_group(tmp_path, capsys):
    stats = tmp_path / "load_stats.csv"
    stats.write_text(
        HEADER
        + "\nGET,tasks: board,100,0,80,90,10,400,1000,1.7,0,80,90,100,110,150,200,250,300,400,400,400"
        + "\n,Aggregated,150,2,70,85,10,900,800,2.5,0.03,70,80,90,100,140,210,260,350,900,900,900\n",
        encoding="utf-8",
    )
    result = {"users": 50, **loadtest._summary(stats, 60)}
    assert result["total"] == {
        "group": "Aggregated",
        "requests": 150,
        "errors": 2,
        "rps": 2.5,
        "p50_ms": 70,
        "p95_ms": 210,
        "p99_ms": 350,
    }
    assert [g["group"] for g in result["groups"]] == ["tasks: board"]
    loadtest.print_summary(result)
    out = capsys.readouterr().out
    assert "2.5 requests/s" in out and "2 errors" in out and "tasks: board" in out

"""The bench runs and reports (no timing assertions: machines differ)."""

from __future__ import annotations

from bench.deadlines import make_inputs, run_bench


def test_run_bench_reports_timings_on_a_small_input() -> None:
    result = run_bench(n=2_000, repeats=1)
    assert result["n"] == 2_000
    assert {"bulk_seconds", "busday_offset_seconds", "ratio", "first_call_seconds"} <= result.keys()
    assert result["bulk_seconds"] >= 0 and result["ratio"] > 0


def test_inputs_are_reproducible() -> None:
    a, da = make_inputs(100, seed=3)
    b, db = make_inputs(100, seed=3)
    assert (a == b).all() and (da == db).all()

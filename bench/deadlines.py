"""Benchmark: bulk business-day deadlines against plain ``numpy.busday_offset``.

``run_bench()`` is called by ``make bench``; it times, never asserts. The baseline gets the
same inputs and the same weekmask + holiday list, but only moves whole dates (no zone
conversion, no closing-time rule), so the ratio is the price of doing the job right.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import numpy as np

from sla.bulk import bulk_business_day_deadlines, busday_calendar
from sla.workcal import WorkCalendar


def _best_of_interleaved(repeats: int, *fns: Callable[[], object]) -> list[float]:
    """The best time of each of ``fns`` over ``repeats`` rounds, taking turns within each round:
    a burst of noise on this shared machine then slows a round of both, not one side's runs."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def make_inputs(
    n: int, seed: int = 0, first_year: int = 2025, years: int = 4, max_days: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random UTC start instants (``datetime64[us]``) and business-day counts 0..max_days."""
    rng = np.random.default_rng(seed)
    lo = np.datetime64(f"{first_year}-01-01T00:00:00", "us").astype(np.int64)
    hi = np.datetime64(f"{first_year + years}-01-01T00:00:00", "us").astype(np.int64)
    starts = rng.integers(lo, hi, size=n).astype("datetime64[us]")
    days = rng.integers(0, max_days + 1, size=n)
    return starts, days


def run_bench(n: int = 1_000_000, *, seed: int = 0, repeats: int = 7, calendar: WorkCalendar | None = None) -> dict:
    """Time ``bulk_business_day_deadlines`` and ``numpy.busday_offset`` on ``n`` inputs.

    Returns a dict with ``n``, ``bulk_seconds``, ``busday_offset_seconds``, ``ratio``
    (bulk / baseline, best of ``repeats`` each), ``first_call_seconds`` (bulk including
    building its holiday and time-zone tables) and ``calendar``.
    """
    cal = calendar or WorkCalendar(company_holidays=["12-29..01-03"])
    starts, days = make_inputs(n, seed)
    t0 = time.perf_counter()
    bulk_business_day_deadlines(cal, starts, days)  # warm-up: builds and caches the tables
    first_call = time.perf_counter() - t0

    start_years = starts.astype("datetime64[Y]").astype(np.int64) + 1970
    bdc = busday_calendar(cal, int(start_years.min()) - 1, int(start_years.max()) + 2)
    start_days = starts.astype("datetime64[D]")
    np.busday_offset(start_days, days, roll="forward", busdaycal=bdc)  # warm-up

    # The baseline's date conversion is part of "the same inputs": both start from datetime64[us].
    bulk, base = _best_of_interleaved(
        repeats,
        lambda: bulk_business_day_deadlines(cal, starts, days),
        lambda: np.busday_offset(starts.astype("datetime64[D]"), days, roll="forward", busdaycal=bdc),
    )
    return {
        "n": n,
        "bulk_seconds": round(bulk, 4),
        "busday_offset_seconds": round(base, 4),
        "ratio": round(bulk / base, 2) if base > 0 else float("inf"),
        "first_call_seconds": round(first_call, 4),
        "calendar": f"{cal.tz} country={cal.country} weekdays={sorted(cal.working_weekdays)}",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":  # python -m bench.deadlines
    import json
    import sys

    print(json.dumps(run_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000), indent=2))

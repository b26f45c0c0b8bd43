"""The KPI helpers written over whole columns (issue 19) against the one-row arithmetic they replace.

At 100k campaigns the return, stall and SLA sections build their per-campaign and per-task
figures over arrays; each test here states the rule per row, as the helpers were written before,
and checks the column version agrees for any input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpis import figures as kpis
from kpis.store import split

CTX = {"start": 100.0, "end": 1000.0, "horizon": 900.0}


def return_row_one_at_a_time(s: dict, retained: float | None, expected: float | None) -> dict:
    """The return figures of one row with the scalar helpers (the code before issue 19)."""
    num, ratio, pct = kpis.num, kpis.ratio, kpis.pct
    cost = s["cost"]
    return {
        "campaigns": int(s.get("campaigns", 1)),
        "spend": num(s["spend"], 0),
        "labour_cost": num(s["labour"], 0),
        "cost": num(cost, 0),
        "leads": int(s["leads"]),
        "mqls": int(s["mqls"]),
        "sqls": int(s["sqls"]),
        "opportunities": int(s["opportunities"]),
        "won_deals": int(s["won_deals"]),
        "revenue": num(s["revenue"], 0),
        "retained_revenue": num(retained, 0),
        "cost_per_lead": num(ratio(cost, s["leads"], 6), 0),
        "cost_per_mql": num(ratio(cost, s["mqls"], 6), 0),
        "cost_per_sql": num(ratio(cost, s["sqls"], 6), 0),
        "lead_to_mql": ratio(s["mqls"], s["leads"]),
        "mql_to_sql": ratio(s["sqls"], s["mqls"]),
        "sql_to_won": ratio(s["won_deals"], s["sqls"]),
        "roi": pct(s["revenue"] - cost, cost),
        "good_roi": pct(retained - cost, cost) if retained is not None else None,
        "expected_roi": num(expected, 1),
        "roi_gap": num(pct(s["revenue"] - cost, cost) - expected, 1) if expected is not None and cost else None,
    }


money = st.one_of(st.integers(0, 10**10).map(float), st.floats(0, 1e9, allow_nan=False).map(lambda x: round(x, 2)))
count = st.integers(0, 10**6).map(float)
campaign = st.fixed_dictionaries(
    {
        "spend": money,
        "labour": money,
        "revenue": money,
        "leads": count,
        "mqls": count,
        "sqls": count,
        "opportunities": count,
        "won_deals": count,
    }
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(campaign, st.one_of(st.none(), money), st.one_of(st.none(), st.floats(-100, 1000).map(round))),
        min_size=1,
        max_size=20,
    )
)
# Found by this test: np.round(x, 10) scales by 1e10 and is not exact past 1e6 (x.25 -> x.2500000001).
@example(
    [
        (
            {
                **dict.fromkeys(["spend", "revenue", "leads", "mqls", "sqls", "opportunities", "won_deals"], 0.0),
                "labour": 100.0,
            },
            941974547.25,
            None,
        )
    ]
)
def test_return_columns_give_each_row_what_the_one_row_arithmetic_gives(rows):
    sums = [{**c, "cost": c["spend"] + c["labour"]} for c, _, _ in rows]
    columns = kpis._return_columns(
        {k: np.array([s[k] for s in sums]) for k in kpis.SUM_COLS},
        [r for _, r, _ in rows],
        [e for _, _, e in rows],
    )
    got = kpis.row_dicts(**columns)
    assert got == [return_row_one_at_a_time(s, r, e) for s, (_, r, e) in zip(sums, rows, strict=True)]
    # and a group's row (sums of many campaigns) goes through the same arithmetic
    assert kpis._return_row(sums[0], rows[0][1], rows[0][2]) == got[0]


def visits_one_entity_at_a_time(events: pd.DataFrame, terminal: set[str]) -> list[tuple]:
    """The visits rule per entity: runs of one state (outside ``terminal``) from its first event to
    the next event in another state (or the horizon), kept when that end is in the quarter."""
    out = []
    for entity, e in events.sort_values(["entity", "at", "id"]).groupby("entity"):
        rows = list(e.itertuples())
        i = 0
        while i < len(rows):
            j = i
            while j + 1 < len(rows) and rows[j + 1].to_state == rows[i].to_state:
                j += 1
            is_open = j + 1 == len(rows)
            end = CTX["horizon"] if is_open else rows[j + 1].at
            if rows[i].to_state not in terminal and CTX["start"] < end <= CTX["horizon"]:
                out.append((entity, rows[i].to_state, max(rows[i].at, CTX["start"]), end, is_open))
            i = j + 1
    return sorted(out)


event_lists = st.lists(
    st.tuples(st.integers(1, 4), st.sampled_from(["todo", "in_progress", "waiting", "done"]), st.integers(0, 1000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(event_lists, st.randoms(use_true_random=False))
def test_visits_merge_same_state_runs_in_any_row_order(rows, rnd):
    events = pd.DataFrame(
        [
            {"entity": ent, "id": i + 1, "to_state": state, "at": float(at), "action": "x", "actor": None}
            for i, (ent, state, at) in enumerate(rows)
        ]
    )
    expected = visits_one_entity_at_a_time(events, {"done"})
    shuffled = events.sample(frac=1, random_state=rnd.randint(0, 10**6))  # the unsorted path sorts first
    for frame in (events.sort_values(["entity", "at", "id"]), shuffled):
        _, visits = kpis._visits(frame.assign(task_type="tt"), CTX, {"done"})
        got = sorted((int(v.entity), v.state, float(v.start), float(v.end), bool(v.open)) for v in visits.itertuples())
        assert got == expected


@given(st.lists(st.integers(-5, 5), max_size=30))
def test_distinct_ids_are_sorted_and_unique(values):
    assert kpis._distinct(np.array(values, dtype="int64")) == sorted(set(values))


def test_ids_by_groups_on_one_or_several_columns():
    frame = pd.DataFrame({"id": [5, 3, 5, 2], "k": ["a", "b", "a", "b"], "s": ["x", "x", "y", "x"]})
    assert kpis._ids_by(frame["id"], frame["k"]) == {"a": [5], "b": [2, 3]}
    assert kpis._ids_by(frame["id"], [frame["k"], frame["s"]]) == {("a", "x"): [5], ("a", "y"): [5], ("b", "x"): [2, 3]}


def test_split_takes_ids_out_of_the_report_but_not_out_of_its_row_lists():
    rows = [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]
    report = {
        "lead_time": {"n": 2, "campaigns": rows, "trend": [{"quarter": "2026Q3", "ids": [1, 2]}]},
        "sla": {"by_unit": [{"key": "u1", "ids": [7]}], "breaches": []},
    }
    light, details = split(report)
    assert list(light["lead_time"]) == ["n", "campaigns", "trend"]  # the cut list keeps its place
    assert light["lead_time"]["campaigns"] == rows
    assert details["lists"]["lead_time.campaigns"] == rows
    assert details["ids"] == {
        # a node's own scalars come along: the keys a drill-down finds its row by
        "lead_time": {"n": 2, "trend": [{"ids": [1, 2], "quarter": "2026Q3"}]},
        "sla": {"by_unit": [{"ids": [7], "key": "u1"}]},
    }
    assert light["meta"]["rows"] == {"lead_time.campaigns": 2, "sla.breaches": 0}

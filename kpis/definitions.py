"""Every KPI's definition, stated once (English msgids, Japanese in locale/ja).

docs/kpis.md carries the same sentences (a test checks it word for word); the dashboard shows
them per section (a details element and title attributes) and the review PDF as an appendix.
``kpis.figures`` follows them; tests compute each figure by hand on fixtures built for it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# section key (as in kpis.pdf.SECTIONS) -> [(figure key, name, definition)]
DEFINITIONS: dict[str, list[tuple[str, object, object]]] = {
    "lead_time": [
        (
            "lead_time",
            _("Request-to-launch time"),
            _(
                "Submission to launch, for campaigns launched in the quarter (attributed to the launch quarter). "
                "Business days = working time on the default calendar / its standard working day; "
                "calendar days = elapsed time / 24 h. Median, p75 and p90 (linear interpolation), 2 decimals."
            ),
        ),
        (
            "process_time",
            _("Process time"),
            _(
                "Submission to the last time the request became ready for launch: the part MOps and the "
                "approvers control. Same campaigns, units and rounding as the request-to-launch time."
            ),
        ),
        (
            "launch_wait",
            _("Launch wait"),
            _(
                "Ready for launch to launched: mostly the wait for the planned launch date. "
                "Same campaigns, units and rounding as the request-to-launch time."
            ),
        ),
    ],
    "stall": [
        (
            "stall",
            _("Stall time"),
            _(
                "Time from an audit event of a request or task to the next one, per state entered; consecutive "
                "events in the same state (assignments, approval steps) make one visit. A wait still open ends "
                "at the quarter's end (or now) and is counted as open; a wait that crosses a quarter boundary is "
                "split there, so each hour counts once, in the quarter it passed in. Hours and business hours, "
                "2 decimals; share = the state's hours / all states' hours."
            ),
        ),
        (
            "bottleneck",
            _("Bottleneck"),
            _(
                "The request state with the most stall hours in the quarter, not counting ready for launch "
                "(that wait is for the planned date, not for anyone)."
            ),
        ),
        (
            "approval_wait",
            _("Approval wait"),
            _(
                "The wait in submitted before each decision (approve, reject, request changes), attributed to "
                "the deciding approver and to the quarter of the decision. A decision a delegate took on an "
                "approver's behalf counts once, for the delegate who took it."
            ),
        ),
    ],
    "workload": [
        (
            "utilisation",
            _("Utilisation"),
            _(
                "A task's hours (actual when done, else the estimate) spread evenly over the working time from "
                "its start to its completion (or due date), per ISO week, divided by the person's weekly "
                "capacity pro-rated to the week's working time. CV of utilisation and Gini of hours over the "
                "people with a capacity, 4 decimals."
            ),
        ),
    ],
    "sla": [
        (
            "sla_met",
            _("SLA attainment"),
            _(
                "Tasks completed in the quarter (met when completed by the due date, else missed) plus open "
                "tasks breached now: their clock runs and their due date in the quarter has passed at the "
                "quarter's end (or now), whatever the sweep has stored. A paused task's due date moves by its "
                "open pause, at most its SLA policy's pause limit (10 business days without a policy). The "
                "clock starts when the task can be worked on (all "
                "predecessors done); tasks still waiting for predecessors and cancelled tasks never count. "
                "A due date MOps moved (with a reason) is the deadline in force, as in Jira Service "
                "Management: the task is judged against it, and the drill-down marks it “deadline moved”. "
                "Share met = met / counted tasks, 4 decimals."
            ),
        ),
    ],
    "return": [
        (
            "roi",
            _("ROI"),
            _(
                "Campaigns launched in the quarter that have results. Cost = actual spend + labour (hours x the "
                "task's hourly rate, actual hours when recorded). ROI = (won revenue - cost) / cost, in %, "
                "1 decimal; a group adds up before dividing."
            ),
        ),
        (
            "good_roi",
            _("Good-revenue ROI and share"),
            _(
                "Over the campaigns whose revenue retained after 12 months is known: (retained revenue - cost) / "
                "cost in %, next to the plain ROI of the same campaigns; good-revenue share = retained revenue / "
                "won revenue of those campaigns."
            ),
        ),
        (
            "funnel",
            _("Funnel and cost per stage"),
            _(
                "Cost per lead, MQL and SQL in JPY (0 decimals); lead to MQL, MQL to SQL and SQL to won as "
                "ratios (4 decimals). Results must narrow: MQLs <= leads, SQLs <= MQLs, won deals <= SQLs, "
                "retained revenue <= won revenue."
            ),
        ),
    ],
    "satisfaction": [
        (
            "satisfaction",
            _("Satisfaction"),
            _(
                "Mean answer (1-5) to the overall-satisfaction question of the quarter's survey, 2 decimals, "
                "with the previous quarter's for comparison. The mean of all five questions pooled is shown "
                "apart as the mean of all answers."
            ),
        ),
    ],
    "martech": [
        (
            "martech",
            _("Martech cost"),
            _(
                "Annual cost per tool category from the quarter's snapshot (for the current quarter without one: "
                "the tools in use), compared with the previous quarter's snapshot; planned savings are the "
                "roadmap entries (retire, consolidate, replace) due in the quarter. JPY, 0 decimals."
            ),
        ),
    ],
    "maturity": [
        (
            "maturity",
            _("Maturity level"),
            _(
                "The highest level (1-5) whose criteria all hold for the campaigns launched in the quarter: "
                "shares that came through the form, set KPI targets, recorded results, wrote a retrospective, "
                "and the SLA share met."
            ),
        ),
    ],
    "governance": [
        (
            "governance",
            _("Governance comparison"),
            _(
                "Per governance model recorded at submission, on the same sets as the headline figures: "
                "lead time and ROI of the campaigns launched in the quarter, and the SLA share of the tasks "
                "counted in SLA attainment."
            ),
        ),
    ],
}


def for_section(key: str) -> list[dict[str, str]]:
    """The definitions of one dashboard / PDF section as plain strings."""
    return [{"key": k, "name": str(name), "text": str(text)} for k, name, text in DEFINITIONS.get(key, [])]


def all_definitions() -> list[dict[str, str]]:
    """Every definition, in section order (the PDF appendix)."""
    return [d for key in DEFINITIONS for d in for_section(key)]

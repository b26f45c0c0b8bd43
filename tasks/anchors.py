"""Anchored template entries: work before the launch, after the launch, or after the end date.

Each template entry is scheduled from one anchor, with an offset in business days on the
task's working calendar (its duration is the task type's SLA rule, as for every task):

- ``before_launch`` (the default, and every entry made before anchors existed): the task must
  be done by the launch. Its due instant is the closing of the working day ``offset + 1``
  working days before the launch day (offset 0: the last working day before the launch, which
  is ``sla.calendar.launch_due``); back-scheduling and feasibility work back from there.
- ``after_launch`` / ``after_end``: the task starts at the opening of the ``offset``-th
  working day after the anchor date (offset 0: the anchor date itself, or the first working
  day after it when it is not one), and never before its predecessors are due. Its deadline
  is its SLA from that start, so post-event work is due after the event.

An entry may only depend on entries anchored at the same point or earlier
(before launch < after launch < after end): a post-launch task cannot come before its
predecessor. ``anchor_order_error`` states that rule for the model validation.

This module is pure scheduling (no queries); generation, feasibility, the timeline and the
capacity forecast call it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sla.calendar import WorkCalendar, launch_due, next_working_day, previous_working_day
from sla.workcal import closing_instant, first_working_day_on_or_after, opening_instant


class Anchor(models.TextChoices):
    """What a template entry is scheduled from."""

    BEFORE_LAUNCH = "before_launch", _("Before the launch")
    AFTER_LAUNCH = "after_launch", _("After the launch")
    AFTER_END = "after_end", _("After the end date")


# Anchors in time order: an entry may only follow predecessors anchored at the same point or earlier.
RANK = {Anchor.BEFORE_LAUNCH: 0, Anchor.AFTER_LAUNCH: 1, Anchor.AFTER_END: 2}


def is_after(anchor: str) -> bool:
    """Whether ``anchor`` schedules the task forward from a campaign date (not back from the launch)."""
    return anchor in (Anchor.AFTER_LAUNCH, Anchor.AFTER_END)


def anchor_order_error(entry: Any, predecessor: Any) -> str | None:
    """Why ``entry`` may not depend on ``predecessor`` given their anchors, or None when it may."""
    if RANK.get(entry.anchor, 0) >= RANK.get(predecessor.anchor, 0):
        return None
    return gettext(
        "“%(entry)s” (%(entry_anchor)s) cannot depend on “%(predecessor)s” (%(predecessor_anchor)s): "
        "it would be scheduled before its predecessor."
    ) % {
        "entry": entry.display_title,
        "entry_anchor": Anchor(entry.anchor).label,
        "predecessor": predecessor.display_title,
        "predecessor_anchor": Anchor(predecessor.anchor).label,
    }


def anchor_date(anchor: str, launch_on: dt.date, end_on: dt.date | None) -> dt.date:
    """The campaign date an after-anchored entry counts from (the end date falls back to the launch)."""
    if anchor == Anchor.AFTER_END and end_on is not None:
        return end_on
    return launch_on


def anchored_start(
    cal: WorkCalendar, anchor: str, offset: int, launch_on: dt.date, end_on: dt.date | None
) -> dt.datetime | None:
    """Earliest start of an after-anchored entry (opening of its start day), None before the launch."""
    if not is_after(anchor):
        return None
    day = first_working_day_on_or_after(cal, anchor_date(anchor, launch_on, end_on))
    if offset:
        day = next_working_day(cal, day, int(offset))
    opening = opening_instant(cal, day)
    assert opening is not None  # a working day always has periods
    return opening.astimezone(cal.zone)


def before_launch_due(cal: WorkCalendar, offset: int, launch_on: dt.date) -> dt.datetime:
    """When a before-launch entry must be done: ``offset`` working days before the launch's due instant."""
    if not offset:
        return launch_due(cal, launch_on).astimezone(cal.zone)
    closing = closing_instant(cal, previous_working_day(cal, launch_on, int(offset) + 1))
    assert closing is not None
    return closing.astimezone(cal.zone)


def entry_not_before(
    entry: Any, cal: WorkCalendar, launch_on: dt.date | None, end_on: dt.date | None
) -> list[dt.datetime]:
    """``[earliest start]`` of an after-anchored entry for a campaign, else ``[]`` (for ``max([...])``)."""
    if launch_on is None:
        return []
    start = anchored_start(
        cal, getattr(entry, "anchor", Anchor.BEFORE_LAUNCH), entry.offset_days or 0, launch_on, end_on
    )
    return [start] if start is not None else []


# Tasks the launch waits for: generated from a before-launch entry, or added by hand/governance.
# Post-launch and post-end tasks neither block the launch nor make a campaign "ready".
LAUNCH_WORK_Q = Q(template_entry__isnull=True) | Q(template_entry__anchor=Anchor.BEFORE_LAUNCH)


def is_post_launch(task: Any) -> bool:
    """Whether a task comes from an after-launch or after-end entry (it is worked after the launch)."""
    entry = task.template_entry if task.template_entry_id else None
    return entry is not None and is_after(entry.anchor)

"""Calendars and helpers shared by the sla tests (explicit datetimes: time is an argument)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sla.calendar import WorkCalendar

JST = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC

T = dt.time

# The "jp-standard" calendar: Mon-Fri 09:00-18:00, JP holidays, 29 Dec - 3 Jan closed.
JP = WorkCalendar(company_holidays=["12-29..01-03"])
# Lunch break 12:00-13:00.
JP_LUNCH = WorkCalendar(periods=[(T(9), T(12)), (T(13), T(18))])
# Friday closes at 16:00, Monday has a lunch break.
JP_SHORT_FRIDAY = WorkCalendar(
    periods={
        0: [(T(9), T(12)), (T(13), T(18))],
        1: [(T(9), T(18))],
        2: [(T(9), T(18))],
        3: [(T(9), T(18))],
        4: [(T(9), T(16))],
    }
)
BERLIN_OFFICE = WorkCalendar(tz="Europe/Berlin", country="DE")
BERLIN_24X7 = WorkCalendar(tz="Europe/Berlin", workdays=range(7), periods=[(T(0), T(0))], country=None)
NEW_YORK_24X7 = WorkCalendar(tz="America/New_York", workdays=range(7), periods=[(T(0), T(0))], country=None)
# Awkward on purpose: a Sunday night shift that contains the DST jump (02:00-03:00).
BERLIN_NIGHT = WorkCalendar(
    tz="Europe/Berlin",
    workdays=range(7),
    periods={
        0: [(T(9), T(18))],
        1: [(T(9), T(18))],
        2: [(T(9), T(18))],
        3: [(T(9), T(18))],
        4: [(T(9), T(18))],
        6: [(T(1), T(2, 30))],
    },
    country=None,
)

ALL_CALENDARS = [JP, JP_LUNCH, JP_SHORT_FRIDAY, BERLIN_OFFICE, BERLIN_24X7, NEW_YORK_24X7, BERLIN_NIGHT]


def jst(*args: int) -> dt.datetime:
    """An aware datetime in Asia/Tokyo."""
    return dt.datetime(*args, tzinfo=JST)


def berlin(*args: int, fold: int = 0) -> dt.datetime:
    """An aware datetime in Europe/Berlin."""
    return dt.datetime(*args, tzinfo=BERLIN, fold=fold)


def ny(*args: int) -> dt.datetime:
    """An aware datetime in America/New_York."""
    return dt.datetime(*args, tzinfo=NEW_YORK)


def hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)

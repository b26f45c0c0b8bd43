"""``manage.py sla_deadline``: print one SLA deadline (a stable command-line contract).

Prints the deadline as one ISO 8601 line in the calendar's zone, e.g.
``2026-05-08T18:00:00+09:00``. Invalid input exits non-zero with one line on stderr.
The database is only touched with ``--calendar``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sla.calendar import WEEKDAY_NAMES, WorkCalendar, deadline

DEFAULT_TZ = "Asia/Tokyo"
CALENDAR_FLAGS = ("timezone", "workdays", "hours", "country", "no_country", "holiday")


def parse_instant(text: str, zone: ZoneInfo, what: str) -> dt.datetime:
    """Parse ISO 8601; a naive value is wall-clock time in ``zone``."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"invalid {what} {text!r}: expected ISO 8601") from None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def parse_clock(text: str, *, is_end: bool) -> dt.time:
    """Parse HH:MM; 24:00 is accepted as an end (midnight at the end of the day)."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise CommandError(f"invalid time {text!r}: expected HH:MM")
    h, m = int(hours), int(minutes)
    if is_end and (h, m) == (24, 0):
        return dt.time(0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise CommandError(f"invalid time {text!r}: expected HH:MM")
    return dt.time(h, m)


def parse_workdays(text: str) -> frozenset[int]:
    """Parse ``mon,tue,...`` (or weekday numbers 0-6)."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(part[:3]))
        elif part.isdigit() and int(part) <= 6:
            days.add(int(part))
        else:
            raise CommandError(f"invalid weekday {part!r}: use mon,tue,wed,thu,fri,sat,sun")
    if not days:
        raise CommandError("--workdays needs at least one weekday")
    return frozenset(days)


def parse_period(text: str) -> tuple[dt.time, dt.time]:
    """Parse ``HH:MM-HH:MM``."""
    start, sep, end = text.partition("-")
    if not sep:
        raise CommandError(f"invalid --hours {text!r}: expected HH:MM-HH:MM")
    return parse_clock(start, is_end=False), parse_clock(end, is_end=True)


def parse_date(text: str) -> dt.date:
    """Parse YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"invalid --holiday {text!r}: expected YYYY-MM-DD") from None


def parse_number(text: str, flag: str, *, whole: bool) -> Decimal:
    """Parse a non-negative duration; whole numbers only for business days."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise CommandError(f"invalid {flag} {text!r}: expected a number") from None
    if not value.is_finite() or value < 0:
        raise CommandError(f"{flag} must not be negative")
    if whole and value != value.to_integral_value():
        raise CommandError(f"{flag} must be a whole number")
    return value


class Command(BaseCommand):
    help = "Print the SLA deadline for a start instant as one ISO 8601 line."
    requires_system_checks: list[str] = []  # a calculator: no need to load the whole project

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        # argparse prints usage plus the message; the contract is one line on stderr.
        def one_line_error(message: str) -> None:
            if parser.called_from_command_line:
                parser.exit(2, f"{subcommand}: error: {message}\n")
            raise CommandError(f"Error: {message}")

        parser.error = one_line_error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="ISO 8601 start; naive = calendar zone")
        parser.add_argument("--business-days", help="SLA in business days (whole number)")
        parser.add_argument("--business-hours", help="SLA in business hours")
        parser.add_argument("--timezone", help=f"IANA zone (default {DEFAULT_TZ})")
        parser.add_argument("--workdays", help="e.g. mon,tue,wed,thu,fri (default)")
        parser.add_argument("--hours", action="append", metavar="HH:MM-HH:MM", help="working period, repeatable")
        parser.add_argument("--country", help="holiday country code (default JP)")
        parser.add_argument("--no-country", action="store_true", help="no national holidays")
        parser.add_argument("--holiday", action="append", metavar="YYYY-MM-DD", help="closure date, repeatable")
        parser.add_argument("--pause", action="append", metavar="START/END", help="ISO 8601 interval, repeatable")
        parser.add_argument("--calendar", metavar="SLUG", help="use a stored working calendar")

    def handle(self, *args: Any, **options: Any) -> None:
        days, hours = options["business_days"], options["business_hours"]
        if (days is None) == (hours is None):
            raise CommandError("give exactly one of --business-days or --business-hours")
        duration = (
            {"business_days": int(parse_number(days, "--business-days", whole=True))}
            if days is not None
            else {"business_hours": parse_number(hours, "--business-hours", whole=False)}
        )
        cal = self._calendar(options)
        start = parse_instant(options["start"], cal.zone, "--start")
        pauses = [self._pause(text, cal.zone) for text in options["pause"] or ()]
        try:
            due, _ = deadline(cal, start, pauses=pauses, **duration)
        except (ValueError, TypeError) as exc:
            raise CommandError(str(exc).splitlines()[0]) from None
        self.stdout.write(due.isoformat())

    def _pause(self, text: str, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        start, sep, end = text.partition("/")
        if not sep:
            raise CommandError(f"invalid --pause {text!r}: expected START/END")
        pause = parse_instant(start, zone, "--pause start"), parse_instant(end, zone, "--pause end")
        if pause[1] < pause[0]:
            raise CommandError(f"invalid --pause {text!r}: end before start")
        return pause

    def _calendar(self, options: dict[str, Any]) -> WorkCalendar:
        if options["calendar"]:
            used = [f"--{name.replace('_', '-')}" for name in CALENDAR_FLAGS if options[name]]
            if used:
                raise CommandError(f"--calendar cannot be combined with {', '.join(used)}")
            return self._stored_calendar(options["calendar"])
        if options["country"] and options["no_country"]:
            raise CommandError("give --country or --no-country, not both")
        periods = [parse_period(p) for p in options["hours"] or ["09:00-18:00"]]
        try:
            return WorkCalendar(
                tz=options["timezone"] or DEFAULT_TZ,
                workdays=parse_workdays(options["workdays"] or "mon,tue,wed,thu,fri"),
                periods=periods,
                country=None if options["no_country"] else (options["country"] or "JP"),
                closures=frozenset(parse_date(d) for d in options["holiday"] or ()),
            )
        except ValueError as exc:
            raise CommandError(str(exc).splitlines()[0]) from None

    def _stored_calendar(self, slug: str) -> WorkCalendar:
        from django.db import DatabaseError

        from sla.models import WorkingCalendar

        try:
            row = WorkingCalendar.objects.with_rules().get(slug=slug)
            return row.to_work_calendar()
        except WorkingCalendar.DoesNotExist:
            raise CommandError(f"unknown calendar {slug!r}") from None
        except DatabaseError as exc:
            raise CommandError(f"cannot read calendar {slug!r}: {str(exc).splitlines()[0]}") from None
        except ValueError as exc:
            raise CommandError(f"calendar {slug!r} is invalid: {str(exc).splitlines()[0]}") from None

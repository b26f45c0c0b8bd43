"""The feed's iCalendar writer: escaping and folding that calendar apps (and icalendar) read back."""

from __future__ import annotations

import datetime as dt

import icalendar

from integrations import ical


def test_text_is_escaped_and_long_lines_fold_without_splitting_a_character():
    out = ical.Writer()
    out.begin("VCALENDAR")
    out.prop("VERSION", "2.0")
    out.prop("PRODID", "-//test//JA")
    out.begin("VEVENT")
    out.prop("UID", "x@example")
    summary = "ウェビナー; 生成AI, 活用\\振り返り\n" + "あ" * 60
    out.prop("SUMMARY", ical.text(summary))
    out.prop("DTSTART;VALUE=DATE", ical.date(dt.date(2027, 1, 12)))
    out.prop("DTSTAMP", ical.instant(dt.datetime(2027, 1, 1, 9, 30, 5, 123, tzinfo=dt.timezone(dt.timedelta(hours=9)))))
    out.end("VEVENT")
    out.end("VCALENDAR")
    body = out.to_bytes()
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode()  # every physical line is whole UTF-8 (raises otherwise)
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["summary"]) == summary
    assert event["dtstart"].dt == dt.date(2027, 1, 12)
    assert event["dtstamp"].dt == dt.datetime(2027, 1, 1, 0, 30, 5, tzinfo=dt.UTC)

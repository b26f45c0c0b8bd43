"""Asana's project "Export → CSV": top-level tasks become campaign requests, subtasks their tasks.

Columns read: Task ID, Created At, Completed At, Last Modified, Name, Section/Column, Assignee,
Assignee Email, Start Date, Due Date, Tags, Notes, Projects, Parent task (the parent's name),
Blocked By (Dependencies) and Blocking (Dependencies) (task ids). Asana writes dates as
``2026-11-29``; the status is the section, or done when the task is completed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .base import BAD_DATE, BoardItem, Mapping, Person, cell, read_csv

TOOL = "Asana"
REQUIRED = {"Task ID", "Created At", "Completed At", "Name", "Section/Column", "Parent task"}
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"]
SECTIONS = {
    "to do": "to do",
    "todo": "to do",
    "backlog": "to do",
    "requests": "to do",
    "new requests": "to do",
    "未着手": "to do",
    "依頼": "to do",
    "in progress": "in progress",
    "doing": "in progress",
    "production": "in progress",
    "進行中": "in progress",
    "制作中": "in progress",
    "done": "done",
    "completed": "done",
    "launched": "done",
    "完了": "done",
}
# Asana exports dates only; a day's events are placed at the start of the working day.
START_OF_DAY = dt.time(9)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _date(raw: str, formats: list[str]) -> dt.date:
    for fmt in formats:
        try:
            return dt.datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def read(content: bytes, mapping: Mapping | None = None) -> list[BoardItem]:
    """The tasks of an Asana CSV export, in file order; problems per row are kept on the item."""
    mapping = mapping or Mapping()
    headers, rows = read_csv(content, required=REQUIRED, tool=TOOL)
    formats = [mapping.date_format] if mapping.date_format else DATE_FORMATS
    names: dict[str, list[str]] = {}
    for row in rows:
        names.setdefault(cell(headers, row, "Name"), []).append(cell(headers, row, "Task ID"))
    items = []
    for line, row in enumerate(rows, start=2):
        errors: list[str] = []

        def at(name: str, errors: list[str] = errors, row: list[str] = row) -> dt.datetime | None:
            raw = cell(headers, row, name)
            if not raw:
                return None
            try:
                return timezone.make_aware(dt.datetime.combine(_date(raw, formats), START_OF_DAY))
            except ValueError:
                errors.append(BAD_DATE % {"column": name, "value": raw})
                return None

        parent = cell(headers, row, "Parent task")
        if parent and parent not in {i for ids in names.values() for i in ids}:
            ids = names.get(parent, [])
            if len(ids) > 1:
                errors.append(_("Several tasks are named %(name)s: the parent is ambiguous.") % {"name": parent})
            parent = ids[0] if ids else parent
        completed = at("Completed At")
        due = at("Due Date")
        section = cell(headers, row, "Section/Column")
        key = cell(headers, row, "Task ID")
        items.append(
            BoardItem(
                line=line,
                key=key,
                title=cell(headers, row, "Name"),
                parent=parent,
                status=section,
                category="done" if completed else SECTIONS.get(section.lower(), "to do"),
                assignee=Person(name=cell(headers, row, "Assignee"), email=cell(headers, row, "Assignee Email")),
                created=at("Created At"),
                resolved=completed,
                due=due.date() if due else None,
                labels=[*_split(cell(headers, row, "Tags")), section],
                description=cell(headers, row, "Notes"),
                url=f"https://app.asana.com/0/0/{key}" if key.isdigit() else "",
                blocked_by=_split(cell(headers, row, "Blocked By (Dependencies)")),
                errors=errors,
            )
        )
    by_key = {i.key: i for i in items}
    for row in rows:
        key = cell(headers, row, "Task ID")
        for target in _split(cell(headers, row, "Blocking (Dependencies)")):
            if target in by_key and key not in by_key[target].blocked_by:
                by_key[target].blocked_by.append(key)
    return items

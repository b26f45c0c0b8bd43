"""Jira Cloud's "Export → CSV (all fields)": epics become campaign requests, their issues tasks.

Columns read: Issue key, Issue id, Issue Type, Summary, Status, Status Category, Assignee
(+ Assignee Id), Reporter (+ Reporter Id), Created, Resolved, Due date, Labels (repeated),
Description, Parent / Parent id (the parent's issue id or key), Inward / Outward issue link
(Blocks), and repeated Comment columns written as ``date;author;text``. Dates are in Jira's
export format (``29/Nov/26 2:15 PM``) unless the mapping file names another ``date_format``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .base import BAD_DATE, BoardItem, Mapping, Person, cell, cells, parse_datetime, read_csv, when

TOOL = "Jira"
REQUIRED = {"Issue key", "Issue id", "Summary", "Status", "Created"}
DATETIME_FORMATS = ["%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]
DATE_FORMATS = ["%d/%b/%y", "%d/%b/%Y", "%Y-%m-%d", "%Y/%m/%d"]
CATEGORIES = {"to do": "to do", "in progress": "in progress", "done": "done", "new": "to do", "complete": "done"}


def read(content: bytes, mapping: Mapping | None = None) -> list[BoardItem]:
    """The issues of a Jira CSV export, in file order; problems per row are kept on the item."""
    mapping = mapping or Mapping()
    headers, rows = read_csv(content, required=REQUIRED, tool=TOOL)
    formats = [mapping.date_format] if mapping.date_format else DATETIME_FORMATS
    date_formats = [mapping.date_format.split(" ")[0]] if mapping.date_format else DATE_FORMATS
    id_to_key = {cell(headers, r, "Issue id"): cell(headers, r, "Issue key") for r in rows}
    items = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header, as in Excel
        errors: list[str] = []
        key = cell(headers, row, "Issue key")
        parent = cell(headers, row, "Parent id") or cell(headers, row, "Parent")
        parent = id_to_key.get(parent, parent)
        due = None
        if raw_due := cell(headers, row, "Due date"):
            try:
                due = timezone.localdate(parse_datetime(raw_due, formats + date_formats))
            except ValueError:
                errors.append(BAD_DATE % {"column": "Due date", "value": raw_due})
        comments = []
        for raw in cells(headers, row, "Comment"):
            parts = raw.split(";", 2)
            try:
                at = parse_datetime(parts[0], formats)
            except ValueError:
                errors.append(_("Comment: %(value)s does not start with a date.") % {"value": raw[:40]})
                continue
            if len(parts) == 3:
                comments.append((at, Person(account=parts[1].strip(), name=parts[1].strip()), parts[2].strip()))
        category = cell(headers, row, "Status Category").lower()
        items.append(
            BoardItem(
                line=line,
                key=key,
                title=cell(headers, row, "Summary"),
                parent=parent,
                issue_type=cell(headers, row, "Issue Type"),
                status=cell(headers, row, "Status"),
                category=CATEGORIES.get(category, "done" if cell(headers, row, "Resolved") else "to do"),
                reporter=Person(name=cell(headers, row, "Reporter"), account=cell(headers, row, "Reporter Id")),
                assignee=Person(name=cell(headers, row, "Assignee"), account=cell(headers, row, "Assignee Id")),
                created=when(headers, row, "Created", formats, errors),
                resolved=when(headers, row, "Resolved", formats, errors),
                due=due,
                labels=cells(headers, row, "Labels"),
                description=cell(headers, row, "Description"),
                url=f"{mapping.base_url.rstrip('/')}/browse/{key}" if mapping.base_url and key else "",
                blocked_by=[k.strip() for k in cells(headers, row, "Inward issue link (Blocks)")],
                comments=comments,
                errors=errors,
            )
        )
    # "A blocks B" written on A (outward link) is "B is blocked by A".
    by_key = {i.key: i for i in items}
    for row in rows:
        key = cell(headers, row, "Issue key")
        for target in cells(headers, row, "Outward issue link (Blocks)"):
            if target in by_key and key not in by_key[target].blocked_by:
                by_key[target].blocked_by.append(key)
    return items

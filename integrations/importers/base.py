"""What every board import shares: reading the CSV, matching people, mapping statuses, the plan.

A board import runs in two steps, as on the page: ``board_plan`` reads an export into
``BoardItem`` rows and decides, row by row, what would be created, updated or skipped and why
(writing nothing); ``board_apply`` writes the plan through ``campaigns.history`` and
``tasks.history`` in one transaction. With errors in the plan nothing is written unless the
user chose to import the valid part (``valid_only``), and then rows that depend on an invalid
row (the tasks of a skipped campaign) are skipped too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import history as request_history
from campaigns.models import CampaignType, ExternalRef
from campaigns.models import State as RequestState
from governance import policy
from governance.models import BusinessUnit
from tasks import history as task_history
from tasks.models import Task, TaskState, TaskType

from .. import dispatch

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# Default status mapping, by the tool's status category (Jira) or section (Asana) ...
REQUEST_BY_CATEGORY = {"to do": RequestState.SUBMITTED, "in progress": RequestState.IN_PRODUCTION, "done": "launched"}
TASK_BY_CATEGORY = {"to do": TaskState.TODO, "in progress": TaskState.IN_PROGRESS, "done": TaskState.DONE}
# ... refined by well-known status names; a mapping file overrides both.
REQUEST_BY_STATUS = {
    "draft": RequestState.DRAFT,
    "approved": RequestState.APPROVED,
    "ready for launch": RequestState.READY_FOR_LAUNCH,
    "launched": RequestState.LAUNCHED,
    "closed": RequestState.CLOSED,
    "rejected": RequestState.REJECTED,
    "declined": RequestState.REJECTED,
    "cancelled": RequestState.CANCELLED,
    "canceled": RequestState.CANCELLED,
    "won't do": RequestState.CANCELLED,
}
TASK_BY_STATUS = {
    "in review": TaskState.IN_REVIEW,
    "review": TaskState.IN_REVIEW,
    "waiting": TaskState.WAITING,
    "blocked": TaskState.WAITING,
    "on hold": TaskState.WAITING,
    "cancelled": TaskState.CANCELLED,
    "canceled": TaskState.CANCELLED,
    "won't do": TaskState.CANCELLED,
}


class ExportError(ValidationError):
    """The file as a whole cannot be imported (encoding, not this tool's export, too big)."""


class MappingError(ExportError):
    """The mapping file cannot be used."""


def decode(content: bytes) -> str:
    """The text of an export: UTF-8 (with or without BOM) or Shift_JIS, as Japanese Excel saves it."""
    if len(content) > MAX_BYTES:
        raise ExportError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        # cp932 maps stray bytes (e.g. a UTF-16 file) to NULs and private-use characters: not text.
        if "\x00" in text or any("\ue000" <= ch <= "\uf8ff" for ch in text[:4096]):
            continue
        return text
    raise ExportError(_("Unknown encoding (use UTF-8 or Shift_JIS)."))


def read_csv(content: bytes, *, required: set[str], tool: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an export; refuses a file that lacks the tool's own columns."""
    text = decode(content)
    try:
        values = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ExportError(_("The file is not a readable CSV: %(error)s") % {"error": exc}) from None
    if not values:
        raise ExportError(_("The file is empty."))
    if len(values) - 1 > MAX_ROWS:
        raise ExportError(_("At most %(rows)s rows.") % {"rows": MAX_ROWS})
    headers = [h.strip() for h in values[0]]
    missing = sorted(required - set(headers))
    if missing:
        raise ExportError(
            _("This is not a %(tool)s CSV export: the columns %(columns)s are missing.")
            % {"tool": tool, "columns": ", ".join(missing)}
        )
    return headers, values[1:]


def cells(headers: list[str], row: list[str], name: str) -> list[str]:
    """Every non-empty value of a column that may repeat (Jira repeats Labels, Comment ...)."""
    return [row[i].strip() for i, h in enumerate(headers) if h == name and i < len(row) and row[i].strip()]


def cell(headers: list[str], row: list[str], name: str) -> str:
    values = cells(headers, row, name)
    return values[0] if values else ""


@dataclass
class Mapping:
    """Overrides from a mapping file (JSON); every key is optional.

    {"date_format": "%d/%b/%y %I:%M %p",
     "request_states": {"Status name": "launched"}, "task_states": {"Status name": "in_review"},
     "campaign_types": {"label": "webinar"}, "units": {"label": "tokyo"},
     "task_types": {"Issue type or label": "lp"}, "people": {"Name, email or account id": "username"},
     "default_campaign_type": "webinar", "default_task_type": "lp", "base_url": "https://x.atlassian.net"}
    """

    date_format: str = ""
    request_states: dict[str, str] = field(default_factory=dict)
    task_states: dict[str, str] = field(default_factory=dict)
    campaign_types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    task_types: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    default_campaign_type: str = ""
    default_task_type: str = ""
    base_url: str = ""  # Jira: https://example.atlassian.net, for links to the issues

    @classmethod
    def load(cls, content: bytes | None) -> Mapping:
        """Parse a mapping file; a clear error for anything that is not the documented shape."""
        if not content:
            return cls()
        try:
            data = json.loads(decode(content))
        except (json.JSONDecodeError, ExportError):
            raise MappingError(_("The mapping file is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise MappingError(_("The mapping file must be a JSON object."))
        mapping = cls()
        for key, value in data.items():
            if not hasattr(mapping, key):
                raise MappingError(_("Unknown key in the mapping file: %(key)s") % {"key": key})
            expected = type(getattr(mapping, key))
            if not isinstance(value, expected) or (
                expected is dict and not all(isinstance(v, str) for v in value.values())
            ):
                raise MappingError(_("Wrong value for %(key)s in the mapping file.") % {"key": key})
            if expected is dict:
                value = {k.strip().lower(): v.strip() for k, v in value.items()}
            setattr(mapping, key, value)
        for key, choices in (("request_states", RequestState.values), ("task_states", TaskState.values)):
            bad = sorted(v for v in getattr(mapping, key).values() if v not in choices)
            if bad:
                raise MappingError(_("Unknown states in %(key)s: %(states)s") % {"key": key, "states": ", ".join(bad)})
        return mapping


@dataclass
class Person:
    """Someone named in an export: whatever the tool wrote about them."""

    name: str = ""
    email: str = ""
    account: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.email or self.account)

    def __str__(self) -> str:
        return self.email or self.name or self.account


@dataclass
class BoardItem:
    """One issue / task of an export, in the tool's own terms."""

    line: int
    key: str
    title: str
    parent: str = ""  # the parent's key (or id / name, resolved by the reader)
    issue_type: str = ""
    status: str = ""
    category: str = ""  # "to do" | "in progress" | "done"
    reporter: Person = field(default_factory=Person)
    assignee: Person = field(default_factory=Person)
    created: dt.datetime | None = None
    resolved: dt.datetime | None = None
    due: dt.date | None = None
    labels: list[str] = field(default_factory=list)
    description: str = ""
    url: str = ""
    blocked_by: list[str] = field(default_factory=list)
    comments: list[tuple[dt.datetime, Person, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class People:
    """Matches export people to our users: by email, then username, then display name.

    Nobody is ever created: an unmatched or ambiguous person is reported.
    """

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        User = get_user_model()
        users = list(User.objects.filter(is_active=True))
        self.by_username = {u.get_username().lower(): u for u in users}
        self.by_email: dict[str, list] = {}
        self.by_name: dict[str, list] = {}
        for u in users:
            if u.email:
                self.by_email.setdefault(u.email.lower(), []).append(u)
            first, last = u.first_name.strip(), u.last_name.strip()
            names = {f"{first} {last}".strip(), f"{last} {first}".strip(), f"{last}{first}", u.get_full_name()}
            for name in {n.lower() for n in names if n}:
                self.by_name.setdefault(name, []).append(u)
        self.overrides = overrides or {}
        self.unmatched: Counter[str] = Counter()

    def match(self, person: Person) -> tuple[Any, str]:
        """(user or None, why not) for one person of the export."""
        if not person:
            return None, ""
        for value in (person.account, person.email, person.name):
            username = self.overrides.get(value.lower()) if value else None
            if username and username.lower() in self.by_username:
                return self.by_username[username.lower()], ""
        if person.email and len(self.by_email.get(person.email.lower(), [])) == 1:
            return self.by_email[person.email.lower()][0], ""
        for value in (person.email.split("@")[0] if person.email else "", person.name):
            if value and value.lower() in self.by_username:
                return self.by_username[value.lower()], ""
        found = self.by_name.get(" ".join(person.name.split()).lower(), []) if person.name else []
        if len(found) == 1:
            return found[0], ""
        self.unmatched[str(person)] += 1
        if len(found) > 1:
            return None, _("%(person)s matches several users.") % {"person": person}
        return None, _("%(person)s is not a user here.") % {"person": person}


def parse_datetime(raw: str, formats: list[str]) -> dt.datetime:
    """An aware datetime in the current time zone (exports write local times); ValueError when none fits."""
    raw = raw.strip()
    for fmt in formats:
        try:
            value = dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    raise ValueError(raw)


BAD_DATE = gettext_lazy("%(column)s: %(value)s is not a date in the export's format.")


def when(headers: list[str], row: list[str], name: str, formats: list[str], errors: list[str]) -> dt.datetime | None:
    """The datetime in column ``name``, None when empty; a bad value is added to ``errors``."""
    raw = cell(headers, row, name)
    if not raw:
        return None
    try:
        return parse_datetime(raw, formats)
    except ValueError:
        errors.append(BAD_DATE % {"column": name, "value": raw})
        return None


@dataclass
class PlanRow:
    """What the import does with one row of the export; ``action`` is create/update/unchanged/error."""

    line: int
    key: str
    kind: str  # "request" | "task"
    title: str
    action: str = "create"
    state: str = ""
    messages: list[str] = field(default_factory=list)  # why it is skipped
    notes: list[str] = field(default_factory=list)  # warnings: unmatched people, guessed dates
    item: BoardItem | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.action != "error"


@dataclass
class BoardPlan:
    source: str
    rows: list[PlanRow] = field(default_factory=list)
    unmatched_people: list[tuple[str, int]] = field(default_factory=list)

    @property
    def errors(self) -> list[PlanRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.action for r in self.rows))


def _lookup_slug(model, labels: list[str], overrides: dict[str, str]):
    """The first label that names an object (through the mapping, else by slug or name)."""
    objects = list(model.objects.all())
    names: dict[str, Any] = {}
    for obj in objects:
        for attr in ("slug", "name", "name_en"):
            value = getattr(obj, attr, "")
            if value:
                names.setdefault(value.strip().lower(), obj)
    by_slug = {o.slug: o for o in objects}
    for label in labels:
        low = label.strip().lower()
        if low in overrides and overrides[low] in by_slug:
            return by_slug[overrides[low]]
        if low in names:
            return names[low]
    return None


def _state(item: BoardItem, *, statuses: dict[str, str], defaults: dict[str, str], by_category: dict[str, str]) -> str:
    status = item.status.strip().lower()
    if status in statuses:
        return statuses[status]
    if status in defaults:
        return defaults[status]
    return by_category.get(item.category, by_category["to do"])


def _when(item: BoardItem, at: dt.date | None, hour: int) -> dt.datetime | None:
    if at is None:
        return None
    return timezone.make_aware(dt.datetime.combine(at, dt.time(hour)))


def board_plan(
    items: list[BoardItem],
    *,
    source: str,
    by,
    unit: BusinessUnit | None = None,
    campaign_type: CampaignType | None = None,
    task_type: TaskType | None = None,
    mapping: Mapping | None = None,
) -> BoardPlan:
    """Decide, row by row, what importing ``items`` would do. Writes nothing."""
    mapping = mapping or Mapping()
    people = People(mapping.people)
    plan = BoardPlan(source=source)
    if campaign_type is None and mapping.default_campaign_type:
        campaign_type = CampaignType.objects.filter(slug=mapping.default_campaign_type).first()
    if task_type is None and mapping.default_task_type:
        task_type = TaskType.objects.filter(slug=mapping.default_task_type).first()
    seen: dict[str, int] = {}
    by_key = {i.key: i for i in items}
    existing_refs = dict(
        ExternalRef.objects.filter(system=source, key__in=list(by_key)).values_list("key", "request_id")
    )
    existing_tasks = set(
        Task.objects.filter(external_source=source, external_key__in=list(by_key)).values_list(
            "external_key", flat=True
        )
    )

    def top(item: BoardItem) -> BoardItem | None:
        hops = 0
        while item.parent and hops < 20:
            parent = by_key.get(item.parent)
            if parent is None:
                return None
            item, hops = parent, hops + 1
        return item

    for item in items:
        kind = "task" if item.parent else "request"
        row = PlanRow(line=item.line, key=item.key, kind=kind, title=item.title, item=item)
        plan.rows.append(row)
        row.messages.extend(item.errors)
        if not item.key:
            row.messages.append(_("No key."))
        elif item.key in seen:
            row.messages.append(_("Duplicate of line %(line)s.") % {"line": seen[item.key]})
        else:
            seen[item.key] = item.line
        if not item.title:
            row.messages.append(_("No title."))
        if item.created is None and not item.errors:
            row.messages.append(_("No creation date."))
        assignee, why = people.match(item.assignee)
        if why:
            row.notes.append(why)
        row.values["assignee"] = assignee
        if kind == "request":
            row.state = _state(
                item, statuses=mapping.request_states, defaults=REQUEST_BY_STATUS, by_category=REQUEST_BY_CATEGORY
            )
            requester, why = people.match(item.reporter)
            if requester is None:
                requester = by
                if why:
                    row.notes.append(why)
                row.notes.append(_("You are recorded as the requester."))
            row.values["requester"] = requester
            ctype = _lookup_slug(CampaignType, item.labels, mapping.campaign_types) or campaign_type
            bu = _lookup_slug(BusinessUnit, item.labels, mapping.units) or unit
            if ctype is None:
                row.messages.append(_("No campaign type: add a label, a mapping or a default type."))
            if bu is None:
                row.messages.append(_("No business unit: add a label, a mapping or choose a unit."))
            launch = item.due or (item.resolved and timezone.localdate(item.resolved))
            if launch is None and item.created is not None:
                launch = timezone.localdate(item.created)
                row.notes.append(_("No due date: the launch date is the creation date; complete it."))
            row.values.update(campaign_type=ctype, business_unit=bu, launch_date=launch)
            row.action = "update" if item.key in existing_refs else "create"
        else:
            row.state = _state(
                item, statuses=mapping.task_states, defaults=TASK_BY_STATUS, by_category=TASK_BY_CATEGORY
            )
            root = top(item)
            if root is None or root is item:
                if item.parent not in existing_refs and item.parent not in by_key:
                    row.messages.append(_("The parent %(key)s is not in the file.") % {"key": item.parent})
                root = None
            row.values["campaign_key"] = root.key if root is not None else item.parent
            ttype = (
                _lookup_slug(TaskType, [item.issue_type, *item.labels], mapping.task_types)
                if (mapping.task_types or item.labels or item.issue_type)
                else None
            ) or task_type
            if ttype is None:
                row.messages.append(_("No task type: add a label, a mapping or a default task type."))
            row.values["task_type"] = ttype
            comments = []
            for at, author, body in item.comments:
                user, _why = people.match(author)
                # An unmatched author is named in the text; the comment is filed under the importer.
                comments.append((at, user, body if user is not None else f"[{author}] {body}"))
            row.values["comments"] = comments
            row.action = "update" if item.key in existing_tasks else "create"
        if row.messages:
            row.action = "error"
    # Tasks of a campaign row with errors cannot come in either.
    bad = {r.key for r in plan.rows if r.kind == "request" and not r.ok}
    for row in plan.rows:
        if row.kind == "task" and row.ok and row.values.get("campaign_key") in bad:
            row.action = "error"
            row.messages.append(_("Its campaign %(key)s has errors.") % {"key": row.values["campaign_key"]})
    plan.unmatched_people = sorted(people.unmatched.items())
    return plan


@dataclass
class BoardResult:
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)


def board_apply(plan: BoardPlan, *, by, valid_only: bool = False) -> BoardResult:
    """Write ``plan``: all of it, or with ``valid_only`` the rows without errors. One transaction."""
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps imports boards."))
    if plan.errors and not valid_only:
        raise ValidationError(
            [
                _("Line %(line)s (%(key)s): %(message)s")
                % {"line": r.line, "key": r.key, "message": " ".join(r.messages)}
                for r in plan.errors
            ]
        )
    result = BoardResult()
    source = plan.source
    with transaction.atomic(), dispatch.suppressed():
        campaigns: dict[str, int] = dict(ExternalRef.objects.filter(system=source).values_list("key", "request_id"))
        tasks: dict[str, int] = {}
        for row in plan.rows:
            if not row.ok or row.kind != "request":
                result.counts["skipped"] += not row.ok and row.kind == "request"
                continue
            item, v = row.item, row.values
            request, outcome, notes = request_history.request_import(
                source=source,
                key=row.key,
                url=item.url,
                requester=v["requester"],
                state=row.state,
                created=item.created,
                resolved=item.resolved,
                fields={
                    "name": item.title[:200],
                    "objective": (item.description or item.title)[:4000],
                    "campaign_type": v["campaign_type"],
                    "business_unit": v["business_unit"],
                    "launch_date": v["launch_date"],
                    "end_date": v["launch_date"],
                    "budget": 0,
                },
                by=by,
            )
            campaigns[row.key] = request.pk
            result.request_ids.append(request.pk)
            result.counts[outcome] += 1
            result.notes.extend(f"{row.key}: {n}" for n in notes)
        for row in plan.rows:
            if not row.ok or row.kind != "task":
                result.counts["skipped"] += not row.ok and row.kind == "task"
                continue
            item, v = row.item, row.values
            campaign_id = campaigns.get(v["campaign_key"])
            if campaign_id is None:  # pragma: no cover - the plan refused it
                continue
            task, outcome, notes = task_history.task_import(
                campaign_id=campaign_id,
                source=source,
                key=row.key,
                task_type=v["task_type"],
                title=item.title,
                description=item.description,
                assignee=v["assignee"],
                state=row.state,
                created=item.created,
                resolved=item.resolved,
                due_at=_when(item, item.due, 18),  # the end of the working day it was due
                by=by,
            )
            tasks[row.key] = task.pk
            result.counts[outcome] += 1
            result.notes.extend(notes)
            for at, user, text in v["comments"]:
                _comment, added = task_history.task_import_comment(
                    task_id=task.pk, author=user or by, body=text, at=at, by=by
                )
                result.counts["comments"] += added
        known = dict(Task.objects.filter(external_source=source).values_list("external_key", "pk"))
        for row in plan.rows:
            if not row.ok or row.kind != "task" or not row.item.blocked_by:
                continue
            preds = [known[k] for k in row.item.blocked_by if k in known]
            missing = [k for k in row.item.blocked_by if k not in known]
            if missing:
                result.notes.append(
                    _("%(key)s: predecessors not imported: %(keys)s") % {"key": row.key, "keys": ", ".join(missing)}
                )
            try:
                result.counts["dependencies"] += task_history.task_import_dependencies(
                    task_id=tasks[row.key], predecessor_ids=preds, by=by
                )
            except ValidationError as exc:
                result.notes.append(f"{row.key}: {' '.join(exc.messages)}")
    return result

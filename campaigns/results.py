"""Campaign results: entered by hand, through the API, or imported from CRM/MA exports.

An import is all-or-nothing: every row is parsed and validated first; any error (with its
row number) stops the import before anything is written. Rows are matched to campaigns by
id, so importing the same file again updates the results instead of duplicating them.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from governance import policy

from .models import CampaignRequest, CampaignResult, ResultImport, State, funnel_errors

RESULT_FIELDS = [
    "actual_spend",
    "leads",
    "mqls",
    "sqls",
    "opportunities",
    "won_deals",
    "won_revenue",
    "retained_revenue_12m",
]
MONEY_FIELDS = {"actual_spend", "won_revenue", "retained_revenue_12m"}
OPTIONAL_FIELDS = {"retained_revenue_12m"}
KEY_FIELD = "campaign_id"
RESULT_STATES = (State.LAUNCHED, State.CLOSED)
MAX_ROWS = 20_000

# Column names seen in CRM/MA exports (Salesforce, HubSpot, Marketo; Japanese and English).
SYNONYMS: dict[str, set[str]] = {
    KEY_FIELD: {"campaign_id", "campaign id", "キャンペーンid", "id", "mops id", "mops_id"},
    "actual_spend": {"actual_spend", "spend", "actual cost", "actualcost", "cost", "費用", "実績費用", "コスト"},
    "leads": {"leads", "lead", "リード", "リード数", "number of leads"},
    "mqls": {"mqls", "mql", "mql数"},
    "sqls": {"sqls", "sql", "sql数"},
    "opportunities": {"opportunities", "opportunity", "opps", "商談", "商談数", "numberofopportunities"},
    "won_deals": {"won_deals", "won", "won deals", "closed won", "受注", "受注数", "numberofwonopportunities"},
    "won_revenue": {"won_revenue", "revenue", "won revenue", "amountwonopportunities", "受注額", "売上"},
    "retained_revenue_12m": {"retained_revenue_12m", "retained revenue", "retained", "継続売上", "12か月後継続売上"},
}


# Presets: the columns of each tool's standard campaign / program report, in English and
# Japanese. Rows are matched to requests by the tool's id (an ExternalRef of that system), then
# the UTM campaign code recorded on the request, then the exact campaign name.
EXTERNAL_ID, UTM, NAME = "external_id", "utm", "name"
MATCH_FIELDS = (EXTERNAL_ID, UTM, NAME)
PRESETS: dict[str, dict[str, set[str]]] = {
    "salesforce": {
        EXTERNAL_ID: {"campaign id", "キャンペーン id", "キャンペーンid", "18 文字のキャンペーン id"},
        UTM: {"utm campaign", "utm_campaign", "utm キャンペーン"},
        NAME: {"campaign name", "キャンペーン名"},
        "actual_spend": {"actual cost in campaign", "actual cost", "キャンペーンの実際のコスト", "実際のコスト"},
        "leads": {"leads in campaign", "キャンペーン内のリード", "キャンペーンのリード"},
        "mqls": {"mqls in campaign", "mqls", "mql", "キャンペーン内の mql", "mql数"},
        "sqls": {"sqls in campaign", "sqls", "sql", "キャンペーン内の sql", "sql数"},
        "opportunities": {"opportunities in campaign", "キャンペーン内の商談", "キャンペーンの商談"},
        "won_deals": {"won opportunities in campaign", "キャンペーン内の成立商談", "キャンペーンの成立商談"},
        "won_revenue": {
            "value won opportunities in campaign",
            "キャンペーン内の成立商談の金額",
            "キャンペーンの成立商談の金額",
        },
        "retained_revenue_12m": {"retained revenue (12 months)", "retained revenue", "12か月後継続売上"},
    },
    "hubspot": {
        EXTERNAL_ID: {"campaign id", "キャンペーンid", "キャンペーン id"},
        UTM: {"utm", "utm_campaign", "utm campaign", "utmキャンペーン"},
        NAME: {"campaign name", "name", "キャンペーン名", "名前"},
        "actual_spend": {"spend", "campaign spend", "費用", "キャンペーン費用"},
        "leads": {
            "new contacts",
            "new contacts (first touch)",
            "contacts",
            "新規コンタクト",
            "新規コンタクト(ファーストタッチ)",
        },
        "mqls": {"marketing qualified leads", "mqls", "マーケティング・クオリファイド・リード", "mql"},
        "sqls": {"sales qualified leads", "sqls", "セールス・クオリファイド・リード", "sql"},
        "opportunities": {"deals", "deals created", "opportunities", "取引", "作成された取引"},
        "won_deals": {"closed won deals", "won deals", "成約した取引", "受注した取引"},
        "won_revenue": {"revenue", "closed won revenue", "attributed revenue", "収益", "成約した収益"},
        "retained_revenue_12m": {"retained revenue", "継続売上"},
    },
    "marketo": {
        EXTERNAL_ID: {"program id", "プログラムid", "プログラム id"},
        UTM: {"utm campaign", "utm_campaign"},
        NAME: {"program name", "プログラム名"},
        "actual_spend": {"period cost", "program cost", "cost", "期間コスト", "プログラムコスト", "コスト"},
        "leads": {"new names", "new leads", "新規名", "新規リード"},
        "mqls": {"mqls", "mql", "marketing qualified leads", "mql数"},
        "sqls": {"sqls", "sql", "sales qualified leads", "sql数"},
        "opportunities": {"(ft) opportunity created", "opportunities created", "opportunities", "商談作成", "商談"},
        "won_deals": {"(ft) won", "won", "won deals", "受注", "受注数"},
        "won_revenue": {"(mt) revenue won", "revenue won", "won revenue", "受注額", "獲得収益"},
        "retained_revenue_12m": {"retained revenue", "継続売上"},
    },
}


def guess_mapping(headers: list[str], preset: str = "") -> dict[str, str]:
    """Our field -> the file column that most likely holds it (the preset's names first)."""
    normalised = {" ".join(h.strip().lower().split()): h for h in headers}
    mapping = {}
    tables = [PRESETS[preset], SYNONYMS] if preset else [SYNONYMS]
    for table in tables:
        for ours, names in table.items():
            if ours in mapping:
                continue
            for name in sorted(names):
                if name in normalised:
                    mapping[ours] = normalised[name]
                    break
    # A preset's own "Campaign ID" is the tool's id, not our request number.
    if preset and KEY_FIELD in mapping and mapping[KEY_FIELD] in {mapping.get(f) for f in MATCH_FIELDS}:
        mapping.pop(KEY_FIELD)
    return mapping


def _match_lookups(preset: str, rows: list[dict[str, str]], mapping: dict[str, str]) -> dict[str, Any]:
    from .models import ExternalRef

    def column(name: str) -> set[str]:
        return {r.get(mapping[name], "") for r in rows} - {""} if mapping.get(name) else set()

    ids, utms, names = column(EXTERNAL_ID), column(UTM), column(NAME)
    by_name: dict[str, list[int]] = {}
    for pk, name in CampaignRequest.objects.filter(name__in=names).values_list("pk", "name"):
        by_name.setdefault(name, []).append(pk)
    return {
        EXTERNAL_ID: dict(ExternalRef.objects.filter(system=preset, key__in=ids).values_list("key", "request_id")),
        UTM: dict(ExternalRef.objects.filter(system="utm", key__in=utms).values_list("key", "request_id")),
        NAME: by_name,
    }


def _match(raw: dict[str, str], mapping: dict[str, str], lookups: dict[str, Any]) -> tuple[int | None, str]:
    """The request a preset row reports on, or an error: by the tool's id, the UTM code, the exact name."""
    tried = []
    for name in (EXTERNAL_ID, UTM):
        value = raw.get(mapping[name], "") if mapping.get(name) else ""
        if value:
            tried.append(value)
            if value in lookups[name]:
                return lookups[name][value], ""
    if mapping.get(KEY_FIELD) and raw.get(mapping[KEY_FIELD], "").isdigit():
        return int(raw[mapping[KEY_FIELD]]), ""
    value = raw.get(mapping[NAME], "") if mapping.get(NAME) else ""
    if value:
        found = lookups[NAME].get(value, [])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, str(
                _("Several requests are named %(name)s: record the campaign id on the request.") % {"name": value}
            )
        tried.append(value)
    return None, str(_("No request matches %(values)s.") % {"values": ", ".join(tried) or "—"})


def read_table(content: bytes, filename: str) -> tuple[list[str], list[dict[str, str]]]:
    """Headers and rows of a CSV (UTF-8 or Shift_JIS, as Japanese Excel saves it) or XLSX file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception:
            raise ValidationError({"file": _("The Excel file cannot be read.")}) from None
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif filename.lower().endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("Unknown encoding (use UTF-8 or Shift_JIS).")})
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise ValidationError({"file": _("Choose a CSV or Excel (.xlsx) file.")})
    values = [row for row in values if any(cell.strip() for cell in row)]
    if not values:
        raise ValidationError({"file": _("The file is empty.")})
    if len(values) - 1 > MAX_ROWS:
        raise ValidationError({"file": _("At most %(n)s rows.") % {"n": MAX_ROWS}})
    headers = [h.strip() for h in values[0]]
    rows = [dict(zip(headers, [c.strip() for c in row], strict=False)) for row in values[1:]]
    return headers, rows


@dataclass
class ImportPlan:
    """A validated import, ready to apply; or the errors that stop it."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # row, campaign, values, action
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, message

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(raw: str, name: str) -> Decimal | int:
    # Shift_JIS has no ¥: Japanese Excel writes the yen sign as a backslash (0x5C).
    text = raw.replace(",", "").replace("¥", "").replace("￥", "").replace("\\", "").replace("円", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("not a number: %(raw)r") % {"raw": raw}) from None
    if value < 0:
        raise ValueError(_("negative: %(raw)r") % {"raw": raw})
    if name in MONEY_FIELDS:
        return value.quantize(Decimal(1))
    if value != value.to_integral_value():
        raise ValueError(_("not a whole number: %(raw)r") % {"raw": raw})
    return int(value)


def results_import_plan(
    *, headers: list[str], rows: list[dict[str, str]], mapping: dict[str, str], by, preset: str = ""
) -> ImportPlan:
    """Validate every row against ``mapping`` (our field -> column). Writes nothing.

    With a ``preset`` (salesforce, hubspot, marketo) rows are matched by the tool's id, the UTM
    code or the exact name instead of our request number; unmatched or ambiguous rows are errors.
    """
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps imports results."))
    if preset and preset not in PRESETS:
        raise ValidationError({"preset": _("Unknown preset.")})
    plan = ImportPlan()
    mapping = {k: v for k, v in mapping.items() if v}
    unknown = [c for c in mapping.values() if c not in headers]
    keys = [] if preset else [KEY_FIELD]
    missing = [f for f in [*keys, *RESULT_FIELDS] if f not in mapping and f not in OPTIONAL_FIELDS]
    if preset and not any(mapping.get(f) for f in (*MATCH_FIELDS, KEY_FIELD)):
        missing.append("/".join(MATCH_FIELDS))
    if unknown or missing:
        if unknown:
            plan.errors.append({"row": 1, "column": ", ".join(unknown), "message": _("Column not in the file.")})
        if missing:
            plan.errors.append(
                {"row": 1, "column": ", ".join(missing), "message": _("No column mapped for these fields.")}
            )
        return plan
    matched: dict[int, int | None] = {}
    if preset:
        lookups = _match_lookups(preset, rows, mapping)
        for index, raw in enumerate(rows, start=2):
            matched[index], message = _match(raw, mapping, lookups)
            if message:
                column = mapping.get(EXTERNAL_ID) or mapping.get(UTM) or mapping.get(NAME) or ""
                plan.errors.append({"row": index, "column": column, "message": message})
    ids = [v for v in matched.values() if v is not None]
    for raw in rows if not preset else []:
        with contextlib.suppress(ValueError):
            ids.append(int(raw.get(mapping[KEY_FIELD], "")))
    campaigns = CampaignRequest.objects.in_bulk(ids)
    existing = set(CampaignResult.objects.filter(request_id__in=ids).values_list("request_id", flat=True))
    seen: dict[int, int] = {}
    for index, raw in enumerate(rows, start=2):  # row 1 is the header, as in Excel
        if preset:
            if matched[index] is None:
                continue
            campaign_id = matched[index]
        else:
            key = raw.get(mapping[KEY_FIELD], "")
            try:
                campaign_id = int(key)
            except ValueError:
                plan.errors.append(
                    {
                        "row": index,
                        "column": mapping[KEY_FIELD],
                        "message": str(_("Invalid campaign id: %(key)r") % {"key": key}),
                    }
                )
                continue
        key_column = mapping.get(KEY_FIELD) or mapping.get(EXTERNAL_ID) or mapping.get(UTM) or mapping.get(NAME)
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            plan.errors.append(
                {
                    "row": index,
                    "column": key_column,
                    "message": str(_("No campaign %(id)s.") % {"id": campaign_id}),
                }
            )
            continue
        if campaign.state not in RESULT_STATES:
            plan.errors.append(
                {
                    "row": index,
                    "column": key_column,
                    "message": f"キャンペーン{campaign_id}はまだローンチされていません"
                    f" / Campaign {campaign_id} has not launched.",
                }
            )
            continue
        if campaign_id in seen:
            plan.errors.append(
                {
                    "row": index,
                    "column": key_column,
                    "message": str(_("Duplicate of row %(row)s.") % {"row": seen[campaign_id]}),
                }
            )
            continue
        seen[campaign_id] = index
        values: dict[str, Any] = {}
        for name in RESULT_FIELDS:
            column = mapping.get(name)
            cell = raw.get(column, "") if column else ""
            if cell == "" and name in OPTIONAL_FIELDS:
                values[name] = None
                continue
            try:
                values[name] = _number(cell, name)
            except ValueError as exc:
                plan.errors.append({"row": index, "column": column, "message": str(exc)})
        # An impossible funnel (300 MQLs from 180 leads) stops the whole import like any bad cell.
        for name, message in funnel_errors(values).items():
            plan.errors.append({"row": index, "column": mapping.get(name) or name, "message": message})
        plan.rows.append(
            {
                "row": index,
                "campaign": campaign,
                "values": values,
                "action": "update" if campaign_id in existing else "create",
            }
        )
    return plan


@transaction.atomic
def results_import_apply(
    *, content: bytes, filename: str, mapping: dict[str, str], by, preset: str = ""
) -> ResultImport:
    """Import a results file all-or-nothing; raises ValidationError listing every bad row."""
    headers, rows = read_table(content, filename)
    plan = results_import_plan(headers=headers, rows=rows, mapping=mapping, by=by, preset=preset)
    if not plan.ok:
        raise ValidationError({"rows": [_("Row %(row)s [%(column)s]: %(message)s") % e for e in plan.errors]})
    record = ResultImport.objects.create(
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        mapping={**mapping, "preset": preset} if preset else mapping,
        rows=len(plan.rows),
        by=by,
    )
    created = updated = 0
    for row in plan.rows:
        _result, was_created = CampaignResult.objects.update_or_create(
            request=row["campaign"],
            defaults={**row["values"], "source": f"import:{record.pk}", "updated_by": by},
        )
        created += was_created
        updated += not was_created
    record.created, record.updated = created, updated
    record.save(update_fields=["created", "updated"])
    return record


def can_edit_result(user: Any, request: CampaignRequest) -> bool:
    """The campaign's requester and MOps record results once the campaign has launched."""
    return request.state in RESULT_STATES and (user.pk == request.requester_id or policy.is_ops(user))


@transaction.atomic
def result_save(*, request_id: int, by, source: str = "manual", **values: Any) -> CampaignResult:
    """Create or update one campaign's results after launch."""
    request = CampaignRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    if not can_edit_result(by, request):
        if request.state not in RESULT_STATES:
            raise ValidationError({"state": _("Results can be entered once the campaign has launched.")})
        raise PermissionDenied(_("You may not edit these results."))
    result = CampaignResult.objects.filter(request=request).first() or CampaignResult(request=request)
    for key, value in values.items():
        if key not in RESULT_FIELDS:
            raise ValidationError({key: "Unknown field."})
        setattr(result, key, value)
    result.source, result.updated_by = source, by
    result.full_clean(exclude=["request"])
    result.save()
    return result

"""`aiguide reports export`: one row per report, every field and the timeline, in CSV or in an
XLSX a person can read (Japanese headers, sized columns, times in JST)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook

from bot.files.xlsx import tidy
from bot.services.report_views import jst
from dialogs.catalog import Catalog
from dialogs.risk_report import HANDLING_FORM, RESULT_FORM, RISK_REPORT_FORM
from storage.models import ReportEvent, RiskReport


@dataclass(frozen=True)
class Column:
    key: str
    header_key: str  # catalogue key of the header


DETECTION = tuple(f.key for f in RISK_REPORT_FORM.fields)
HANDLING = tuple(f.key for f in HANDLING_FORM.fields if f.ask)
RESULT = tuple(f.key for f in RESULT_FORM.fields if f.ask)
COLUMNS: tuple[Column, ...] = (
    Column("number", "report.export.number"),
    Column("created_at", "report.export.created_at"),
    Column("status", "report.export.status"),
    Column("serious", "report.seriousness"),
    Column("security_incident", "report.export.security"),
    *(Column(f"detection.{k}", f"forms.risk_report.{k}.label") for k in DETECTION),
    *(Column(f"handling.{k}", f"forms.report_handling.{k}.label") for k in HANDLING),
    *(Column(f"result.{k}", f"forms.report_result.{k}.label") for k in RESULT),
    Column("timeline", "report.timeline"),
)


def _value(report: RiskReport, events: Sequence[ReportEvent], key: str, msg: Catalog) -> str:
    if key == "created_at":
        return jst(report.created_at).strftime("%Y-%m-%d %H:%M JST")
    if key == "status":
        return msg.t(f"report.export.statuses.{report.status}")
    if key == "serious":
        reasons = msg.t("common.separator").join(
            msg.t(f"report.rule.{code}") for code in report.serious_reasons
        )
        return reasons if report.serious else msg.t("report.serious_no")
    if key == "security_incident":
        return msg.t("common.yes") if report.security_incident else msg.t("common.no")
    if key == "timeline":
        return "\n".join(
            f"{jst(e.created_at).strftime('%Y-%m-%d %H:%M')} {e.actor} "
            f"{msg.t(f'report.kind.{e.kind}')}"
            for e in events
        )
    if key == "number":
        return report.number
    part, _, field = key.partition(".")
    value = getattr(report, part).get(field, "")
    return _label(part, field, str(value), msg)


def _label(part: str, field: str, value: str, msg: Catalog) -> str:
    """Choices are stored as values (e.g. "third_parties"): show them as their labels."""
    groups = {
        "category": "categories",
        "impact": "impacts",
        "severity": "severities",
        "entered": "entered_options",
    }
    if part == "detection" and field in groups and value:
        return msg.t(f"forms.risk_report.{groups[field]}.{value}")
    return value


def rows(
    reports: Sequence[tuple[RiskReport, Sequence[ReportEvent]]], msg: Catalog
) -> list[list[str]]:
    return [[_value(r, events, c.key, msg) for c in COLUMNS] for r, events in reports]


def to_csv(reports: Sequence[tuple[RiskReport, Sequence[ReportEvent]]], msg: Catalog) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([msg.t(c.header_key) for c in COLUMNS])
    writer.writerows(rows(reports, msg))
    return out.getvalue()


def to_xlsx(reports: Sequence[tuple[RiskReport, Sequence[ReportEvent]]], msg: Catalog) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = msg.t("report.export.sheet")
    sheet.append([msg.t(c.header_key) for c in COLUMNS])
    for row in rows(reports, msg):
        sheet.append(row)
    tidy(sheet, freeze="B2", wrap=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

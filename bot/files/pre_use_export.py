"""The pre-use status as text, CSV and XLSX for the policy division."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook

from bot.files.xlsx import tidy
from bot.services.pre_use import Standing
from dialogs.catalog import Catalog
from dialogs.context import MunicipalityFacts
from dialogs.guideline import DivisionCounts

COLUMNS = ("division", "confirmed", "pending", "overdue")


def status_text(rows: Sequence[DivisionCounts], msg: Catalog) -> str:
    """A table for the terminal: a header row, then one row per division."""
    header = "\t".join(msg.t(f"pre_use.export.{c}") for c in COLUMNS)
    lines = [f"{r.division or '-'}\t{r.confirmed}\t{r.pending}\t{r.overdue}" for r in rows]
    return "\n".join([header, *lines]) + "\n"


def status_csv(rows: Sequence[DivisionCounts], msg: Catalog) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([msg.t(f"pre_use.export.{c}") for c in COLUMNS])
    for r in rows:
        writer.writerow([r.division, r.confirmed, r.pending, r.overdue])
    return out.getvalue()


def status_xlsx(
    rows: Sequence[DivisionCounts],
    people: Sequence[Standing],
    today: date,
    town: MunicipalityFacts,
    msg: Catalog,
) -> bytes:
    """Two sheets a person can read: per division, and per person (Japanese headers)."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = msg.t("pre_use.export.summary_sheet")
    summary.append([msg.t(f"pre_use.export.{c}") for c in COLUMNS])
    for r in rows:
        summary.append([r.division, r.confirmed, r.pending, r.overdue])
    detail = book.create_sheet(msg.t("pre_use.export.people_sheet"))
    detail.append(
        [
            msg.t(f"pre_use.export.{c}")
            for c in ("user", "division", "status", "training", "version")
        ]
    )
    for p in sorted(people, key=lambda p: (p.division, p.user_id)):
        training = p.state.training_completed_on
        detail.append(
            [
                p.user_id,
                p.division,
                msg.t(f"pre_use.export.{p.status(today, town)}"),
                training.isoformat() if training else "",
                p.state.confirmed_version or "",
            ]
        )
    for sheet in (summary, detail):
        tidy(sheet, widest=40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

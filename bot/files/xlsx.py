"""Workbooks a person can read: bold headers, frozen header row, columns sized to content."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


def tidy(sheet: Worksheet, *, freeze: str = "A2", widest: int = 60, wrap: bool = False) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = freeze
    for index, column in enumerate(sheet.columns, start=1):
        longest = max(
            (max(len(line) for line in str(cell.value or "").split("\n")) for cell in column),
            default=0,
        )
        # Japanese characters are about twice as wide as Latin ones in Excel's units.
        sheet.column_dimensions[get_column_letter(index)].width = min(
            widest, max(10, longest * 1.8)
        )
        if wrap:
            for cell in column:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

"""The training roster as a CSV file (`aiguide training import roster.csv`).

Columns (a header row, Japanese or English): person (staff number, or a chat user id), name,
division, completed_on (YYYY-MM-DD or YYYY/MM/DD), and optionally email. A row applies to the
member of staff with that staff number or e-mail address, also one who has not talked to the
bot yet (it applies when they first do). A row may leave the staff number empty when it gives
an e-mail address. All or nothing: every bad row is reported with its line, and nothing is
saved while any row is bad.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot.files.registry_io import RegistryFileError, RowError
from bot.files.text_files import NotTextError, os_error_text, read_text
from dialogs.catalog import Catalog
from dialogs.context import JST
from storage.models import TrainingRecord

HEADERS = {
    "person": ("person", "user", "user_id", "staff_id", "職員番号", "ユーザーID", "利用者ID"),
    "name": ("name", "氏名", "名前"),
    "division": ("division", "所属", "課"),
    "completed_on": ("completed_on", "completed", "受講日", "修了日"),
}
OPTIONAL = {"email": ("email", "e-mail", "mail", "メール", "メールアドレス")}

Progress = Callable[[int, int], None]


class RosterFileError(RegistryFileError):
    """Every bad row of a roster file, with its line."""


def _columns(header: list[str]) -> dict[str, int] | None:
    folded = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, names in (HEADERS | OPTIONAL).items():
        for index, column in enumerate(folded):
            if column in {n.lower() for n in names}:
                found[key] = index
    return found if set(HEADERS) <= set(found) else None


def _date(text: str) -> date:
    """2026-10-02, 2026/10/02 or 2026年10月2日, in full-width digits as Excel users type."""
    value = unicodedata.normalize("NFKC", text).strip()
    value = value.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    return datetime.strptime(value, "%Y-%m-%d").date()


def read_roster(path: Path, msg: Catalog, progress: Progress | None = None) -> list[TrainingRecord]:
    """Every row as a record, or RosterFileError naming each bad row in `msg`'s language."""
    try:
        text, _ = read_text(path)
    except OSError as error:
        raise RosterFileError(path, [RowError(0, "", os_error_text(error, msg))]) from None
    except NotTextError:
        raise RosterFileError(path, [RowError(0, "", msg.t("cli.not_text"))]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RosterFileError(path, [RowError(1, "", msg.t("roster.empty"))])
    columns = _columns(rows[0])
    if columns is None:
        wanted = ", ".join(names[0] for names in HEADERS.values())
        raise RosterFileError(path, [RowError(1, "", msg.t("roster.header", wanted=wanted))])
    records: list[TrainingRecord] = []
    errors: list[RowError] = []
    today = datetime.now(JST).date()  # "in the future" as seen in Japan, whatever the server
    seen: dict[str, int] = {}
    total = len(rows) - 1
    # Line numbers as a person sees them in an editor: the header is line 1.
    for number, (line, row) in enumerate(enumerate(rows[1:], start=2), start=1):
        if progress is not None:
            progress(number, total)
        if not any(cell.strip() for cell in row):
            continue
        values = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        email = values.pop("email", "").lower()
        person = values["person"] or email
        problems = [msg.t("roster.bad_email", value=email)] if email and "@" not in email else []
        if not person:
            problems.append(msg.t("roster.no_person"))
        values.pop("person")
        problems += [
            msg.t("roster.empty_cell", key=key) for key, value in values.items() if not value
        ]
        completed: date | None = None
        if values["completed_on"]:
            try:
                completed = _date(values["completed_on"])
            except ValueError:
                problems.append(msg.t("roster.bad_date", value=values["completed_on"]))
        if completed is not None and completed > today:
            problems.append(msg.t("roster.future", value=completed))
        if person in seen:
            problems.append(msg.t("roster.repeated", person=person, line=seen[person]))
        if problems:
            errors += [RowError(line, person, problem) for problem in problems]
            continue
        seen[person] = line
        assert completed is not None
        records.append(
            TrainingRecord(
                tenant_id="",
                person=person,
                email=email,
                name=values["name"],
                division=values["division"],
                completed_on=completed,
            )
        )
    if errors:
        raise RosterFileError(path, errors)
    return records


def progress_bar(stream: TextIO, width: int = 30) -> Progress:
    """A progress bar on `stream` (stderr), redrawn at most once per percent."""
    last = -1

    def show(done: int, total: int) -> None:
        nonlocal last
        percent = 100 if total == 0 else done * 100 // total
        if percent == last:
            return
        last = percent
        filled = width * percent // 100
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        stream.write(f"\r[{bar}] {percent:3d}% {done}/{total}{end}")
        stream.flush()

    return show

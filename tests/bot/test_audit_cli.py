"""`aiguide audit export`: the real command line (a subprocess on SQLite), after changes made
the way the policy division makes them — `aiguide chat --as sato --script`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogs.context import JST
from tests.cli import aiguide, sqlite_at

HEADER = ["at_jst", "channel", "actor", "action", "target", "outcome", "before", "after"]
CHANGE_SCRIPT = ["system set copilot owner_contact 内線2199", "[button:確定]"]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = aiguide(*args, env=sqlite_at(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def chat(db: Path, user: str, lines: list[str]) -> str:
    """What `aiguide chat --as USER --script` printed for these lines."""
    script = db.with_name(f"{user}-{len(list(db.parent.glob('*.txt')))}.txt")
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(db, "chat", "--as", user, "--script", str(script)).stdout


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert lines, "nothing was printed"
    return [json.loads(line) for line in lines]


def assert_now_in_jst(shown: str) -> datetime:
    """A CSV time (YYYY-MM-DD HH:MM:SS, JST) that is now, give or take a few minutes."""
    at = datetime.strptime(shown, "%Y-%m-%d %H:%M:%S").replace(tzinfo=JST)
    assert abs(datetime.now(JST) - at) < timedelta(minutes=5), shown
    return at


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database where sato changed Copilot's contact (confirmed), then yamada, a member of
    staff, tried an admin command and was refused."""
    db = tmp_path_factory.mktemp("audit") / "aiguide.db"
    said = chat(db, "sato", CHANGE_SCRIPT)
    assert "担当課室の連絡先: 内線2101 → 内線2199" in said
    assert "Microsoft 365 Copilot Chat を変更しました。" in said
    refused = chat(db, "yamada", ["system list"])
    assert "この操作は情報政策課（管理者）だけが行えます。" in refused
    return db


def test_the_csv_has_a_header_and_a_row_per_entry_with_before_and_after(changed: Path) -> None:
    header, change, refusal = csv_rows(run(changed, "audit", "export").stdout)
    assert header == HEADER
    row = dict(zip(HEADER, change, strict=True))
    assert_now_in_jst(row["at_jst"])
    assert (row["channel"], row["actor"], row["action"]) == ("local", "sato", "system.set")
    assert (row["target"], row["outcome"]) == ("system:copilot", "done")
    before, after = json.loads(row["before"]), json.loads(row["after"])
    assert before["owner_contact"] == "内線2101"
    assert after["owner_contact"] == "内線2199"
    assert {k: v for k, v in before.items() if k != "owner_contact"} == {
        k: v for k, v in after.items() if k != "owner_contact"
    }
    assert "内線2199" in row["after"]  # written as it reads, not as \\u escapes

    refused = dict(zip(HEADER, refusal, strict=True))
    assert (refused["actor"], refused["action"], refused["target"]) == (
        "yamada",
        "refused",
        "system list",
    )
    assert refused["outcome"] == "refused"
    assert json.loads(refused["before"]) == json.loads(refused["after"]) == {}


def test_json_prints_one_object_per_line_at_the_same_times(changed: Path) -> None:
    change, refusal = json_lines(run(changed, "audit", "export", "--format", "json").stdout)
    assert set(change) == {
        "at",
        "channel",
        "actor",
        "action",
        "target",
        "outcome",
        "before",
        "after",
    }
    assert (change["actor"], change["action"], change["target"]) == (
        "sato",
        "system.set",
        "system:copilot",
    )
    assert change["before"]["owner_contact"] == "内線2101"
    assert change["after"]["owner_contact"] == "内線2199"
    assert (refusal["actor"], refusal["outcome"]) == ("yamada", "refused")

    # the same instant as the CSV's JST time
    _, row, _ = csv_rows(run(changed, "audit", "export").stdout)
    at = datetime.fromisoformat(change["at"])
    assert at.tzinfo is not None
    assert at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S") == row[0]


def test_output_writes_the_same_csv_to_a_file(changed: Path, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    printed = run(changed, "audit", "export").stdout
    assert run(changed, "audit", "export", "--output", str(target)).stdout == ""
    # A file for a person: with the BOM that makes Japanese Excel read it as UTF-8.
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert target.read_text(encoding="utf-8-sig") == printed


def test_the_exported_registry_has_the_change(changed: Path) -> None:
    entries = yaml.safe_load(run(changed, "systems", "export").stdout)
    copilot = next(e for e in entries if e["id"] == "copilot")
    assert copilot["owner_contact"] == "内線2199"


def test_an_empty_log_exports_only_the_header(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert csv_rows(run(db, "audit", "export").stdout) == [HEADER]
    assert run(db, "audit", "export", "--format", "json").stdout == ""

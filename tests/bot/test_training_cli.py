"""The policy division's commands: `aiguide training import|status`, `aiguide guideline
publish` and `aiguide tick`, run as the real command line on a SQLite file."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from dialogs.context import JST
from tests.cli import aiguide, sqlite_at

HEADER = "職員番号,氏名,所属,受講日"
PRE_USE = ["利用開始", "2026-10-01", *["[button:確認しました]"] * 5, "[button:送信]"]
PUBLISH = (
    "guideline",
    "publish",
    "--version",
    "2.0",
    "--kind",
    "major",
    "--approver",
    "副市長",
    "--effective",
    "2026-11-01",
    "--summary",
    "生成AIの利用範囲を見直しました",
)


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_ok(*args: str, env: dict[str, str]) -> str:
    result = aiguide(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def chat(tmp_path: Path, env: dict[str, str], user: str, *lines: str) -> str:
    script = write(tmp_path / f"{user}.txt", *lines)
    return run_ok("chat", "--as", user, "--script", str(script), env=env)


def status_rows(env: dict[str, str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(run_ok("training", "status", "--format", "csv", env=env))))


def posts_for(db: Path, user: str) -> list[str]:
    """What arrived in a person's conversation on the local channel (the web chat's inbox)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT body FROM channel_post WHERE channel_key = ? ORDER BY id", (f"user:{user}",)
        ).fetchall()
    return [json.loads(body).get("title") or json.loads(body).get("text") for (body,) in rows]


def test_a_roster_import_counts_what_it_added_and_changed(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    roster = tmp_path / "roster.csv"
    write(roster, HEADER, "E001,山田 花子,税務課,2026-10-01", "E002,田中 一郎,福祉課,2026/10/02")
    assert run_ok("training", "import", str(roster), env=env).endswith(": 追加 2 件、変更 0 件\n")
    assert run_ok("training", "import", str(roster), env=env).endswith(": 追加 0 件、変更 0 件\n")
    write(roster, HEADER, "E001,山田 花子,税務課,2026-10-01", "E002,田中 一郎,福祉課,2026-10-09")
    assert run_ok("training", "import", str(roster), env=env).endswith(": 追加 0 件、変更 1 件\n")
    assert status_rows(env)[1:] == [["税務課", "0", "1", "0"], ["福祉課", "0", "1", "0"]]


def test_a_bad_roster_names_every_bad_line_and_changes_nothing(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    good = write(tmp_path / "roster.csv", HEADER, "E001,山田 花子,税務課,2026-10-01")
    run_ok("training", "import", str(good), env=env)
    bad = write(
        tmp_path / "bad.csv",
        HEADER,
        "E001,山田 花子,市民課,2026-10-05",  # a valid change: must not be saved either
        "E002,,福祉課,2026-10-02",
        "E003,鈴木 次郎,市民課,2026/13/01",
        "E004,高橋 三郎,市民課,2099-01-01",
        "E001,山田 花子,税務課,2026-10-01",
    )

    result = aiguide("training", "import", str(bad), env=env)
    assert result.returncode == 2
    assert "何も変更していません" in result.stderr
    assert f"{bad}:3: E002: name が空です。" in result.stderr
    assert f"{bad}:4: E003: 受講日「2026/13/01」が日付として読めません" in result.stderr
    assert f"{bad}:5: E004: 受講日 2099-01-01 が未来の日付です。" in result.stderr
    assert f"{bad}:6: E001: E001 は2行目と重複しています。" in result.stderr
    assert f"{bad}:2:" not in result.stderr
    assert "Traceback" not in result.stderr

    assert status_rows(env)[1:] == [["税務課", "0", "1", "0"]]
    assert run_ok("training", "import", str(good), env=env).endswith(": 追加 0 件、変更 0 件\n")


def test_a_training_date_of_today_in_japan_is_not_in_the_future_on_any_server_clock(
    tmp_path: Path,
) -> None:
    """The server's own zone (here UTC-12, where it is still yesterday) does not decide what
    "the future" is: training taken today in Japan can be imported today."""
    env = {**sqlite_at(tmp_path / "a.db"), "TZ": "Etc/GMT+12"}
    today = datetime.now(JST).date().isoformat()
    roster = write(tmp_path / "roster.csv", HEADER, f"E001,山田 花子,税務課,{today}")
    result = aiguide("training", "import", str(roster), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(": 追加 1 件、変更 0 件\n")


def test_a_large_roster_shows_its_progress_up_to_100_percent(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    rows = [f"S{n:05d},職員 {n},税務課,2026-10-01" for n in range(1, 5001)]
    roster = write(tmp_path / "roster.csv", HEADER, *rows)

    result = aiguide("training", "import", str(roster), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(": 追加 5000 件、変更 0 件\n")
    # The bar is redrawn in place with "\r" (read back here as line breaks).
    drawn = [line for line in re.split(r"[\r\n]+", result.stderr) if line]
    assert drawn[-1] == f"[{'#' * 30}] 100% 5000/5000"
    assert f"[{'#' * 15}{'-' * 15}]  50% 2500/5000" in drawn  # along the way, too


def test_status_counts_each_division_as_csv(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    chat(tmp_path, env, "yamada", "メニュー")
    chat(tmp_path, env, "tanaka", "メニュー", "私の状況")
    rows = status_rows(env)
    assert rows[0] == ["所属", "確認済み", "未確認", "期限超過"]
    assert rows[1:] == [["税務課", "0", "1", "0"], ["福祉課", "0", "1", "0"]]

    assert "利用前の確認を記録しました" in chat(tmp_path, env, "yamada", *PRE_USE)
    assert status_rows(env)[1:] == [["税務課", "1", "0", "0"], ["福祉課", "0", "1", "0"]]


def test_status_as_a_workbook_has_two_sheets_with_japanese_headers(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    chat(tmp_path, env, "yamada", *PRE_USE)
    chat(tmp_path, env, "tanaka", "メニュー")
    output = tmp_path / "status.xlsx"
    assert run_ok("training", "status", "--format", "xlsx", "--output", str(output), env=env) == ""

    book = load_workbook(output)
    assert book.sheetnames == ["所属別", "職員別"]
    divisions = [list(row) for row in book["所属別"].iter_rows(values_only=True)]
    assert divisions == [
        ["所属", "確認済み", "未確認", "期限超過"],
        ["税務課", 1, 0, 0],
        ["福祉課", 0, 1, 0],
    ]
    people = [list(row) for row in book["職員別"].iter_rows(values_only=True)]
    assert people[0] == ["利用者ID", "所属", "状況", "研修受講日", "確認した版"]
    assert ["yamada", "税務課", "確認済み", "2026-10-01", "1.0"] in people
    assert ["tanaka", "福祉課", "未確認", None, None] in people


def test_a_published_major_version_reaches_everyone_and_asks_for_new_confirmations(
    tmp_path: Path,
) -> None:
    db = tmp_path / "a.db"
    env = sqlite_at(db)
    chat(tmp_path, env, "yamada", *PRE_USE)
    chat(tmp_path, env, "tanaka", "メニュー")

    published = run_ok(*PUBLISH, env=env)
    assert "ガイドライン Ver2.0" in published
    assert "を公開しました。2 人に通知します。" in published
    assert posts_for(db, "yamada") == []  # queued, not yet delivered

    run_ok("tick", env=env)
    notice = "ガイドラインが Ver2.0 に改定されました"
    assert posts_for(db, "yamada") == [notice]
    assert posts_for(db, "tanaka") == [notice]

    status = chat(tmp_path, env, "yamada", "私の状況")
    assert "現在のガイドライン: 2.0" in status
    assert "利用前の確認: 未完了" in status
    assert "ガイドラインが Ver2.0 に改定されました。確認し直してください。" in status
    assert status_rows(env)[1:] == [["税務課", "0", "1", "0"], ["福祉課", "0", "1", "0"]]


def test_publishing_a_version_already_published_fails_clearly(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    run_ok(*PUBLISH, env=env)
    again = aiguide(*PUBLISH, env=env)
    assert again.returncode != 0
    assert "Ver2.0 はすでに公開されています" in again.stdout + again.stderr


def test_only_an_admin_may_publish(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    chat(tmp_path, env, "yamada", "メニュー")
    refused = aiguide(*PUBLISH, "--as", "yamada", env=env)
    assert refused.returncode == 2
    assert "yamada は管理者ではありません" in refused.stderr
    assert "現在のガイドライン: 1.0" in chat(tmp_path, env, "yamada", "私の状況")

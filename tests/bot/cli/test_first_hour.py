"""The command line as a policy-division or IT person first meets it: Japanese by default,
English on request, files from Excel, and one clear line (never a traceback) for a mistake."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.cli import aiguide, sqlite_at

ROSTER_HEADER = "職員番号,氏名,所属,受講日"


def refused(result: object) -> str:
    """The one line a refused command prints, after checking it was refused cleanly."""
    assert result.returncode == 2, result.stdout  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    return result.stderr  # type: ignore[attr-defined,no-any-return]


def test_files_saved_by_japanese_excel_in_cp932_are_read_and_the_encoding_is_named(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    roster = tmp_path / "roster.csv"
    row = "E001,山田 花子,税務課,２０２６年１０月２日"
    roster.write_bytes(f"{ROSTER_HEADER}\r\n{row}\r\n".encode("cp932"))
    imported = aiguide("training", "import", str(roster), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "（文字コード CP932）: 追加 1 件" in imported.stdout

    with_bom = tmp_path / "bom.csv"
    row = "E002,田中 一郎,福祉課,2026/10/02"
    with_bom.write_bytes(b"\xef\xbb\xbf" + f"{ROSTER_HEADER}\n{row}\n".encode())
    imported = aiguide("training", "import", str(with_bom), env=env)
    assert "（文字コード UTF-8）: 追加 1 件" in imported.stdout

    text = tmp_path / "draft.txt"
    text.write_bytes("担当は山田太郎様です\n".encode("cp932"))
    scanned = aiguide("scan", str(text), env=env)
    assert scanned.returncode == 0, scanned.stderr
    assert "CP932（Shift_JIS）として読みました" in scanned.stderr
    assert scanned.stdout.startswith("1行目: 機密性 2: 氏名")

    systems = tmp_path / "systems.csv"
    exported = aiguide("systems", "export", "--format", "csv", env=env).stdout
    systems.write_bytes(exported.encode("cp932", errors="replace"))
    again = aiguide("systems", "import", str(systems), env=env)
    assert again.returncode == 0, again.stderr
    assert "（文字コード CP932）: 追加 0 件、変更 0 件" in again.stdout


def test_a_binary_file_is_refused_in_one_line(tmp_path: Path) -> None:
    book = tmp_path / "roster.csv"
    book.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81")
    said = refused(aiguide("scan", str(book), env=sqlite_at(tmp_path / "a.db")))
    assert "UTF-8 でも CP932（Shift_JIS）でもない" in said


def test_an_export_into_a_missing_folder_and_reversed_dates_are_one_line_each(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    target = "/nonexistent/dir/x.xlsx"
    said = refused(aiguide("reports", "export", "--format", "xlsx", "--output", target, env=env))
    # The operating system's reason is worded in the person's language, not strerror's English.
    assert said == f"aiguide: {target} に書き込めません: そのファイルまたはフォルダがありません\n"
    said = refused(aiguide("reports", "export", "--output", str(tmp_path), env=env))
    assert (
        said
        == f"aiguide: {tmp_path} に書き込めません: フォルダです（ファイル名を指定してください）\n"
    )
    said = refused(aiguide("--lang", "en", "scan", str(tmp_path / "none.txt"), env=env))
    assert said.endswith(": no such file or folder\n")

    reversed_dates = ("--from", "2026-05-01", "--to", "2026-04-01")
    said = refused(aiguide("reports", "export", *reversed_dates, env=env))
    assert "--from 2026-05-01 が --to 2026-04-01 より後になっています" in said
    said = refused(aiguide("reports", "export", "--from", "2026/13/01", env=env))
    assert "--from の日付「2026/13/01」が読めません" in said
    # Full-width digits and 年月日 are dates too.
    fine = aiguide("reports", "export", "--from", "２０２６年４月１日", env=env)
    assert fine.returncode == 0, fine.stderr


def test_csv_written_to_a_file_opens_in_japanese_excel(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    utf8, cp932 = tmp_path / "systems.csv", tmp_path / "systems-sjis.csv"
    written = aiguide("systems", "export", "--format", "csv", "--output", str(utf8), env=env)
    assert written.returncode == 0, written.stderr
    assert f"{utf8} に書き出しました" in written.stderr
    assert utf8.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with it
    args = ("--format", "csv", "--encoding", "cp932", "--output", str(cp932))
    assert aiguide("systems", "export", *args, env=env).returncode == 0
    assert "庁内AIアシスタント" in cp932.read_bytes().decode("cp932")


def test_check_takes_a_full_width_class_and_prints_a_verdict_without_buttons(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    result = aiguide("check", "--system", "copilot", "--class", "１", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("▸ Microsoft 365 Copilot Chat への入力")
    assert "(button:" not in result.stdout and "[別の情報で確認]" not in result.stdout

    asked = ("--system", "copilot", "--class", "２", "--json")
    answer = json.loads(aiguide("check", *asked, env=env).stdout)
    reason = next(r for r in answer["reasons"] if r["code"] == "class_above_limit")
    assert reason["key"] == "entry.reason.class_above_limit"
    assert "機密性" in reason["message"]


def test_an_unknown_system_names_every_registered_system_close_to_it(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    asked = ("--system", "assistant", "--class", "1", "--json")
    answer = json.loads(aiguide("check", *asked, env=env).stdout)
    assert answer["system"] is None
    # Both systems with "assistant" in a name or alias, whatever difflib thinks.
    assert {"庁内AIアシスタント", "LGWAN AIアシスタント"} & set(answer["closest"])


def test_english_with_lang_en_or_an_english_locale(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    flag = aiguide("check", "--system", "copilot", "--class", "9", "--lang", "en", env=env)
    assert "--class must be one of 3A, 3B, 3C, 2, 1" in refused(flag)
    english = {**env, "LANG": "en_US.UTF-8"}
    locale = aiguide("check", "--system", "copilot", "--class", "9", env=english)
    assert "--class must be one of" in refused(locale)
    verdict = aiguide("check", "--system", "copilot", "--class", "1", env=english)
    assert verdict.stdout.startswith("▸ Entering into Microsoft 365 Copilot Chat")


def test_chat_script_dash_reads_standard_input(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    result = aiguide("chat", "--as", "yamada", "--script", "-", env=env, stdin="メニュー\n")
    assert result.returncode == 0, result.stderr
    assert "you> メニュー" in result.stdout  # echoed, as a script's lines are


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**sqlite_at(tmp_path / "a.db"), "AIGUIDE_HOST": "127.0.0.1"}
        said = refused(aiguide("serve", env={**env, "AIGUIDE_PORT": str(port)}))
    # The log may say what was loaded first; the refusal is the one line after it.
    assert said.splitlines()[-1].startswith(f"aiguide: 127.0.0.1:{port} は別のプログラムが使用中")


def test_a_systems_file_lists_every_bad_row_including_a_full_width_class(tmp_path: Path) -> None:
    bad = tmp_path / "systems.yaml"
    entry = "- id: {}\n  name: {}\n  service_type: {}\n  owner_division: 課\n  max_class: {}\n"
    one = entry.format("one", "一", "cloud", '"４"')
    two = entry.format("two", "二", "on_premises", '"２"')
    bad.write_text(one + two, encoding="utf-8")
    said = refused(aiguide("systems", "import", str(bad), env=sqlite_at(tmp_path / "a.db")))
    assert f"{bad}:1: one: service_type:" in said
    assert f"{bad}:1: one: max_class: 機密性「4」は分類にありません" in said
    assert "「２」" not in said and "「2」" not in said  # a full-width ２ is the class 2

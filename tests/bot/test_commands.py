"""The administrative commands: `aiguide check`, `aiguide systems …`, `aiguide scan`."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from tests.cli import REPO, aiguide, sqlite_at


def check(tmp_path: Path, *args: str) -> dict[str, Any]:
    result = aiguide("check", *args, "--json", env=sqlite_at(tmp_path / "a.db"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_answers_by_alias_with_codes_and_clauses(tmp_path: Path) -> None:
    answer = check(tmp_path, "--system", "コパイロット", "--class", "2")
    assert answer["system"] == "copilot"
    assert answer["outcome"] == "denied"
    assert {"code": "class_above_limit", "clause": "§2"} in [
        {"code": r["code"], "clause": r["clause"]} for r in answer["reasons"]
    ]

    answer = check(tmp_path, "--system", "Qommons", "--class", "2", "--personal", "yes")
    assert answer["outcome"] == "conditional"
    assert "personal_minimum_necessary" in [c["code"] for c in answer["conditions"]]
    assert {c["clause"] for c in answer["conditions"]} >= {"§3(2)1", "§3(2)2"}


def test_check_of_an_unknown_system_is_denied_and_names_the_closest(tmp_path: Path) -> None:
    answer = check(tmp_path, "--system", "copilt", "--class", "1")
    assert answer["system"] is None
    assert answer["outcome"] == "denied"
    assert answer["reasons"][0] == {
        "code": "not_designated",
        "clause": "§2",
        "key": "entry.reason.not_designated",
        "message": "copiltは別表の指定システムではありません。"
        "指定されていない生成AIシステムの利用は禁止されています。",
    }
    assert "Microsoft 365 Copilot Chat" in answer["closest"]


def test_check_without_a_user_says_what_it_assumed(tmp_path: Path) -> None:
    result = aiguide(
        "check", "--system", "knowledge-rag", "--class", "1", env=sqlite_at(tmp_path / "a.db")
    )
    assert result.returncode == 0
    assert "研修の受講と利用前の確認が済んでいるものとして回答しています" in result.stdout
    assert "の職員に限られます" in result.stdout  # taken as one of the system's users

    other = check(tmp_path, "--system", "knowledge-rag", "--class", "1", "--division", "広報課")
    assert other["outcome"] == "denied"
    assert "not_a_user" in [r["code"] for r in other["reasons"]]


def test_check_refuses_bad_arguments_clearly(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    bad_class = aiguide("check", "--system", "copilot", "--class", "5", env=env)
    assert bad_class.returncode == 2
    assert "--class は次のいずれかを指定してください: 3A, 3B, 3C, 2, 1" in bad_class.stderr
    nobody = aiguide("check", "--system", "copilot", "--class", "1", "--user", "nobody", env=env)
    assert nobody.returncode == 2
    assert "利用者「nobody」は登録されていません" in nobody.stderr
    assert "Traceback" not in bad_class.stderr + nobody.stderr


def test_systems_list_export_and_a_bad_import_that_changes_nothing(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    header, *listing = aiguide("systems", "list", env=env).stdout.splitlines()
    assert header.split("\t")[:2] == ["ID", "名称"]
    assert [line.split("\t")[0] for line in listing] == [
        "copilot",
        "image-generator",
        "knowledge-rag",
        "lgwan-assistant",
        "translator",
    ]
    before = aiguide("systems", "export", env=env).stdout
    exported = yaml.safe_load(before)
    assert exported[0]["name"] == "Microsoft 365 Copilot Chat"

    entries = yaml.safe_load((REPO / "config" / "systems.yaml").read_text(encoding="utf-8"))
    entries[1]["max_class"] = "2"  # copilot at class 2 without the provider confirmations
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    refused = aiguide("systems", "import", str(bad), env=env)
    assert refused.returncode == 2
    assert "何も変更していません" in refused.stderr
    assert "copilot: 機密性2（要機密情報）を入力可能にするには" in refused.stderr
    assert aiguide("systems", "export", env=env).stdout == before

    again = aiguide("systems", "import", str(REPO / "config" / "systems.yaml"), env=env)
    assert again.stdout.strip().endswith("追加 0 件、変更 0 件")

    xlsx = tmp_path / "systems.xlsx"
    aiguide("systems", "export", "--format", "xlsx", "--output", str(xlsx), env=env)
    sheet = load_workbook(BytesIO(xlsx.read_bytes())).active
    assert sheet is not None
    assert sheet["B1"].value == "システム名"
    assert sheet.max_row == 6


def test_scan_prints_one_json_object_per_input_line(tmp_path: Path) -> None:
    lines = "担当は山田太郎様、電話 03-1234-5678 です\n来週の会議資料を作成する\n"
    result = aiguide("scan", "--json", "-", env=sqlite_at(tmp_path / "a.db"), stdin=lines)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["line"] == 1
    assert {f["kind"] for f in first["findings"]} == {"person_name", "phone"}
    phone = next(f for f in first["findings"] if f["kind"] == "phone")
    assert lines[phone["start"] : phone["end"]] == "03-1234-5678"
    assert "03-1234-5678" not in phone["excerpt"]
    assert first["suggested_class"] == "2"
    assert second == {"line": 2, "findings": [], "suggested_class": "1"}

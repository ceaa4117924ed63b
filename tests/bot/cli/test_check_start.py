"""`aiguide check` on a database that is ready answers without starting the bot (its fast
path, bench/cli_startup.py), and says exactly what the full start would have said."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import REPO, aiguide, sqlite_at

MOMIJI = REPO / "tests" / "data" / "momiji" / "municipality.toml"
ASKED = ("check", "--system", "knowledge-rag", "--class", "2", "--personal", "yes")


def test_the_answer_on_a_ready_database_is_the_one_given_on_the_first_start(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    first = aiguide(*ASKED, env=env)  # creates, migrates and fills the database first
    again = aiguide(*ASKED, env=env)
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert again.stdout == first.stdout
    assert "研修の受講と利用前の確認が済んでいるものとして回答しています" in again.stdout


def test_a_known_user_is_answered_with_their_division_and_pre_use_state(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    talked = aiguide("chat", "--as", "yamada", "--script", "-", env=env, stdin="メニュー\n")
    assert talked.returncode == 0, talked.stderr
    result = aiguide(
        "check", "--system", "copilot", "--class", "1", "--user", "yamada", "--json", env=env
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    # yamada has talked to the bot but not confirmed the guideline yet: not assumed ready.
    assert answer["outcome"] != "allowed"
    assert "研修の受講と利用前の確認が済んでいるものとして" not in json.dumps(
        answer, ensure_ascii=False
    )


def test_with_several_municipalities_check_asks_which_and_answers_for_the_one_named(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    assert aiguide("tenants", "add", str(MOMIJI), env=env).returncode == 0
    unsure = aiguide("check", "--system", "copilot", "--class", "1", env=env)
    assert unsure.returncode == 2 and "Traceback" not in unsure.stderr
    assert "複数の自治体が登録されています。--tenant ID で指定してください" in unsure.stderr
    assert "momiji-town" in unsure.stderr and "sakura-city" in unsure.stderr
    unknown = aiguide("check", "--system", "copilot", "--class", "1", "--tenant", "x", env=env)
    assert "自治体「x」は登録されていません" in unknown.stderr
    named = aiguide(
        "check", "--system", "copilot", "--class", "1", "--tenant", "sakura-city", env=env
    )
    assert named.returncode == 0, named.stderr
    assert named.stdout.startswith("▸ Microsoft 365 Copilot Chat への入力")

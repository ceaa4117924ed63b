"""`aiguide --help` and every command's help speak the catalogue's language: Japanese by
default, English with `--lang en` or an English locale, argparse's own words included."""

from __future__ import annotations

import tomllib

from tests.cli import REPO, aiguide

COMMANDS = [
    *("serve", "chat", "check", "systems", "scan", "training", "guideline", "reports"),
    *("audit", "tick", "tenants", "outbox", "manifest", "data", "db"),
]


def test_the_help_is_japanese_by_default_and_names_every_command() -> None:
    shown = aiguide("--help", env={"LANG": "ja_JP.UTF-8"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("使い方: aiguide")
    assert "オプション:" in shown.stdout and "この説明を表示して終わります" in shown.stdout
    assert "この端末でボットと話します" in shown.stdout  # chat
    for command in COMMANDS:
        assert f"\n    {command} " in shown.stdout, command
    assert "show this help" not in shown.stdout and "usage:" not in shown.stdout


def test_english_with_lang_en_before_or_after_the_command_or_an_english_locale() -> None:
    for asked, env in (
        (("--lang", "en", "--help"), {}),
        (("chat", "--help", "--lang=en"), {}),
        (("chat", "--help"), {"LANG": "en_US.UTF-8"}),
    ):
        shown = aiguide(*asked, env=env)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("usage: aiguide"), asked
        assert "show this help message and exit" in shown.stdout
        assert "使い方" not in shown.stdout


def test_check_help_says_what_each_value_means() -> None:
    shown = aiguide("check", "--help").stdout
    assert "--personal {yes,no}" in shown
    assert "個人情報を含むか: yes（含む）または no（含まない、既定）" in shown
    assert "--class CLASS" in shown and "機密性の分類" in shown


def test_a_mistyped_command_or_a_missing_option_is_refused_in_the_chosen_language() -> None:
    typo = aiguide("chek")
    assert typo.returncode == 2 and typo.stdout == ""
    assert "aiguide: エラー: 引数 COMMAND: 'chek' は選べません" in typo.stderr
    missing = aiguide("check", "--class", "1", env={"LANG": "ja_JP.UTF-8"})
    assert "次の引数が必要です: --system" in missing.stderr
    english = aiguide("check", "--class", "1", "--lang", "en")
    assert "the following arguments are required: --system" in english.stderr
    assert "Traceback" not in typo.stderr + missing.stderr + english.stderr


def test_every_help_text_has_its_english_translation() -> None:
    folder = REPO / "dialogs" / "messages"
    ja = tomllib.loads((folder / "ja.toml").read_text(encoding="utf-8"))["cli"]
    en = tomllib.loads((folder / "en.toml").read_text(encoding="utf-8"))["cli"]
    for table in ("help", "argparse", "manifest"):
        assert set(ja[table]) == set(en[table]), table

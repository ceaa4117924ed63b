"""`aiguide chat --script`: the real command line, driven as a user would drive it."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

from tests.cli import aiguide, sqlite_at
from tests.towns import with_many_divisions

REPO = Path(__file__).resolve().parents[3]
TIMEOUT = 120


def chat(
    tmp_path: Path, lines: list[str], *, user: str = "yamada", as_json: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot chat` on a script of `lines` against the database in tmp_path."""
    script = tmp_path / f"script-{len(list(tmp_path.glob('script-*')))}.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run_cli(tmp_path, "chat", "--as", user, "--script", str(script), as_json=as_json)


def run_cli(
    tmp_path: Path, *args: str, as_json: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    flags = ["--json"] if as_json else []
    env = {**sqlite_at(tmp_path / "c.db"), **(env or {})}
    return aiguide(*args, *flags, env=env, timeout=TIMEOUT)


def replies(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The JSON replies of a successful run; every stdout line must be one JSON object."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert parsed, "the bot said nothing"
    assert all(isinstance(reply, dict) and "type" in reply for reply in parsed)
    return parsed


def texts(parsed: list[dict[str, Any]]) -> list[str]:
    return [reply.get("text") or reply.get("title", "") for reply in parsed]


def button_ids(reply: dict[str, Any]) -> list[str]:
    return [button["id"] for button in reply.get("buttons", [])]


def question(parsed: list[dict[str, Any]], progress: str) -> dict[str, Any]:
    """The form question whose text starts with `progress` (e.g. "2/3")."""
    return next(r for r in parsed if r.get("text", "").startswith(f"{progress} "))


def default_button(reply: dict[str, Any]) -> str:
    """The answer offered as one press: the one marked primary."""
    return next(b["label"] for b in reply["answers"] if b["style"] == "primary")


PROFILE_SCRIPT = [
    "# a comment line is not sent",
    "",
    "メニュー",
    "[button:menu:profile]",
    "[button:山田 花子]",
    "税務課",
    "内線１２３４",
    "はい",
]


# --- the profile form end to end ----------------------------------------------------------


def test_a_script_registers_a_profile_through_the_menu(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, PROFILE_SCRIPT))

    menu = parsed[0]
    assert menu["type"] == "choices"
    assert "menu:profile" in button_ids(menu)

    said = texts(parsed)
    positions = [next(i for i, t in enumerate(said) if t.startswith(p)) for p in ("1/", "2/", "3/")]
    assert [said[i][:3] for i in positions] == ["1/3", "2/3", "3/3"]
    assert positions == sorted(positions)

    card = next(r for r in parsed if r["type"] == "card")
    facts = {fact["label"]: fact["value"] for fact in card["facts"]}
    assert facts.keys() == {"氏名", "所属", "連絡先"}
    assert (facts["氏名"], facts["所属"]) == ("山田 花子", "税務課")
    # The full-width digits are accepted; shown back as typed or folded to half width.
    assert unicodedata.normalize("NFKC", facts["連絡先"]) == "内線1234"
    assert parsed.index(card) > positions[-1]

    assert parsed[-1] == {"type": "text", "text": "山田 花子 さんのプロフィールを登録しました。"}


def test_the_profile_is_still_there_in_the_next_session(tmp_path: Path) -> None:
    replies(chat(tmp_path, PROFILE_SCRIPT))

    parsed = replies(chat(tmp_path, ["プロフィール", "[button:山田 花子]"]))

    assert default_button(question(parsed, "1/3")) == "山田 花子"
    # Only the stored profile knows the division: the persona gives just the name.
    assert default_button(question(parsed, "2/3")) == "税務課"


def test_a_name_typed_by_someone_without_a_persona_is_remembered(tmp_path: Path) -> None:
    first = replies(chat(tmp_path, ["プロフィール"], user="kimura"))
    assert not any(b["style"] == "primary" for b in question(first, "1/4")["answers"])

    # No persona, so no e-mail from the settings: the form asks for it (once).
    mail = "kimura.taro@city.sakura.example.lg.jp"
    script = ["木村 太郎", "市民課", mail, "[button:スキップ]", "はい"]
    done = replies(chat(tmp_path, script, user="kimura"))
    assert done[-1]["text"] == "木村 太郎 さんのプロフィールを登録しました。"

    again = replies(chat(tmp_path, ["プロフィール"], user="kimura"))
    assert default_button(question(again, "1/3")) == "木村 太郎"


def test_a_contact_that_is_not_a_contact_is_asked_again(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["プロフィール", "[button:山田 花子]", "税務課", "よろしく"]))

    said = texts(parsed)
    assert any("内線番号（例: 内線1234）" in t for t in said)
    assert said[-1].startswith("3/3 ")


# --- the text output ----------------------------------------------------------------------


def test_without_json_the_script_is_echoed_and_the_bot_answers_in_text(tmp_path: Path) -> None:
    result = chat(tmp_path, ["# not echoed", "メニュー", "[button:menu:contacts]"], as_json=False)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("you> ")] == [
        "you> メニュー",
        "you> [button:menu:contacts]",
    ]
    assert lines[0] == "you> メニュー"
    assert lines[1] == "bot> ご用件を選んでください。文章で話しかけても大丈夫です。"
    assert any("(button:menu:profile)" in line for line in lines)
    assert "not echoed" not in result.stdout


def test_a_missing_script_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-script.txt"

    result = run_cli(tmp_path, "chat", "--as", "yamada", "--script", str(missing))

    assert result.returncode == 2
    assert f"スクリプト {missing} を読めません" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# --- lines a person should not be able to break the bot with ------------------------------


def test_a_line_of_only_spaces_is_ignored_in_a_script(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["   ", "\t", "メニュー"]))

    assert len(parsed) == 1
    assert parsed[0]["type"] == "choices"


def test_a_very_long_line_gets_the_too_long_message(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["あ" * 20_000]))

    assert "長すぎます" in parsed[0]["text"]
    assert "あ" * 100 not in json.dumps(parsed, ensure_ascii=False)


def test_control_characters_and_emoji_do_not_crash_the_bot(tmp_path: Path) -> None:
    result = chat(tmp_path, ["ベル\x07と\x1b[31m赤い文字 😀👍🏽", "メニュー"])

    parsed = replies(result)
    assert parsed[-1]["type"] == "choices"
    assert "\x07" not in result.stdout
    assert "\x1b" not in result.stdout


def test_markup_in_a_line_stays_data(tmp_path: Path) -> None:
    markup = "<script>alert(1)</script>"

    parsed = replies(chat(tmp_path, ["プロフィール", markup, "税務課", "スキップ"]))

    card = parsed[-1]
    assert card["type"] == "card"
    assert {"label": "氏名", "value": markup} in card["facts"]


def test_a_form_button_with_no_form_open_gets_the_menu(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["[button:f:999:pick:x]"]))

    assert any("このボタンは今は使えません" in t for t in texts(parsed))
    assert any(b["id"] == "menu:profile" for r in parsed for b in r.get("buttons", []))


def test_a_stale_button_in_a_form_repeats_the_current_question(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["プロフィール", "[button:f:999:pick:x]"]))

    said = texts(parsed)
    stale = next(i for i, t in enumerate(said) if "古くなっています" in t)
    assert said[stale + 1].startswith("1/3 ")


# --- vocabulary v2 in the terminal --------------------------------------------------------


def test_forty_divisions_are_a_numbered_list_and_a_number_picks_one(tmp_path: Path) -> None:
    town = {"AIGUIDE_MUNICIPALITY_FILE": str(with_many_divisions(tmp_path, 40))}
    script = tmp_path / "many.txt"
    script.write_text("プロフィール\n[button:山田 花子]\n[button:12]\n", encoding="utf-8")

    result = run_cli(
        tmp_path, "chat", "--as", "yamada", "--script", str(script), as_json=False, env=town
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    asked = lines.index("bot> 2/3 所属の課を選んでください。")
    listed = lines[asked + 1 : lines.index("       [戻る] (button:f:2:back)")]
    # Forty answers on a few lines, numbered; the navigation stays buttons.
    assert len(listed) <= 6
    assert listed[0].startswith("       1.情報政策課 2.DX推進課 3.税務課")
    assert "12.第4課" in " ".join(listed)
    assert "40.第32課" in listed[-1]
    assert "(button:f:2:pick" not in result.stdout
    # The question answered is shown again as answered, with no buttons, and the form goes on.
    assert "bot> ↻ 2/3 所属の課を選んでください。" in lines
    assert "     ✔ 第4課" in lines
    assert lines[-4] == "bot> 3/3 連絡先（内線番号・電話番号・メールアドレス）を入力してください。"


def test_a_pressed_question_replaces_the_one_shown_and_names_it(tmp_path: Path) -> None:
    parsed = replies(chat(tmp_path, ["プロフィール", "[button:山田 花子]"]))

    # The terminal numbers what it shows: the intro is console:1, the question console:2.
    assert parsed[2] == {
        "type": "text",
        "text": "1/3 お名前を教えてください。\n✔ 山田 花子",
        "replaces": "console:2",
    }
    assert parsed[3]["text"].startswith("2/3 ")


def test_a_session_starts_with_the_notices_that_arrived_since_the_last_turn(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "c.db")
    first = aiguide("chat", "--as", "yamada", "--script", "-", env=env, stdin="メニュー\n")
    assert first.returncode == 0, first.stderr
    assert "前回の会話のあとに届いたお知らせ" not in first.stdout
    publish = ("--version", "1.1", "--kind", "minor", "--approver", "情報政策課長")
    published = aiguide(
        "guideline",
        "publish",
        *publish,
        "--effective",
        "2026-11-01",
        "--summary",
        "誤字の修正",
        env=env,
    )
    assert published.returncode == 0, published.stderr
    assert aiguide("tick", env=env).returncode == 0  # delivered while no session is open

    second = aiguide("chat", "--as", "yamada", "--script", "-", env=env, stdin="メニュー\n")
    assert second.returncode == 0, second.stderr
    before_the_menu = second.stdout.split("you> メニュー")[0]
    assert "bot> 前回の会話のあとに届いたお知らせ（1 件）:" in before_the_menu
    assert "Ver1.1" in before_the_menu

    third = aiguide("chat", "--as", "yamada", "--script", "-", env=env, stdin="メニュー\n")
    assert "前回の会話のあとに届いたお知らせ" not in third.stdout  # seen in the last session

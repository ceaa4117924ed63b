"""Answers inside forms: typed answers match options tolerantly, and text that is clearly
something else (a command, another request, a question about the field) is never stored.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.runtime import Runtime
from bot.settings import load_municipality
from dialogs.answers import match_option
from dialogs.catalog import Catalogs
from dialogs.context import JST, DialogContext, PersonFacts
from dialogs.ui import Option
from tests.chat import Chat
from tests.conftest import SAMPLE_MUNICIPALITY

CONFIRM_ITEMS = 5


async def _at_first_confirmation(chat: Chat) -> None:
    await chat.say("利用開始")
    await chat.say("2026-10-01")
    assert "確認しました" in chat.labels


@pytest.mark.parametrize("typed", ["はい", "わかりました", "ok", "ＯＫ", "了解です", "1"])
async def test_a_confirmation_is_given_by_any_way_of_saying_yes(
    runtime: Runtime, typed: str
) -> None:
    chat = Chat(runtime)
    await _at_first_confirmation(chat)
    for _ in range(CONFIRM_ITEMS):
        await chat.say(typed)
        assert "選択肢から選んでください" not in chat.text, typed
    assert "内容を確認してください" in chat.text
    await chat.say("はい")
    assert "利用前の確認を記録しました" in chat.text


@pytest.mark.parametrize(
    ("typed", "system"),
    [
        ("コパイロット", "Microsoft 365 Copilot Chat"),
        ("copilot", "Microsoft 365 Copilot Chat"),
        ("ｺﾊﾟｲﾛｯﾄ", "Microsoft 365 Copilot Chat"),
        ("Qommons", "庁内AIアシスタント"),
        ("アシスタント", "庁内AIアシスタント"),
        ("3", "庁内AIアシスタント"),
        ("DeepL", "翻訳AIサービス"),
    ],
)
async def test_a_system_is_named_by_alias_number_or_part_wherever_it_is_asked(
    runtime: Runtime, typed: str, system: str
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("入力してよいか確認")  # the menu's own label, typed
    assert "どのAIシステムですか？" in chat.text
    await chat.say(typed)
    assert "選択肢から選んでください" not in chat.text, chat.text
    await chat.press("含まない")
    while not any(r.to_dict()["type"] == "card" for r in chat.last):
        await chat.press("スキップ" if "スキップ" in chat.labels else chat.labels[0])
    assert f"{system} への入力" in chat.text


async def test_chatgpt_at_the_system_question_is_answered_as_undesignated(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("入力してよいか確認")
    await chat.say("ChatGPT")
    assert "「ChatGPT」 への入力 — 入力できません" in chat.text
    assert "指定システムではありません" in chat.text


async def test_dont_know_picks_the_dont_know_option(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("入力してよいか確認")
    await chat.say("わからない")  # [その他・わからない]
    assert "選択肢から選んでください" not in chat.text
    await chat.say("Copilotに議事録を入れていい？")
    await chat.say("分かりません")  # [わからない] at 個人情報
    assert "選択肢から選んでください" not in chat.text
    assert "機密性" in chat.text


async def test_continue_after_another_form_ends_is_typed_as_continue_or_yes(
    runtime: Runtime,
) -> None:
    for typed in ("続ける", "はい", "つづける"):
        chat = Chat(runtime, user=f"u-{typed}", name="山田 花子")
        await chat.say("プロフィール")
        await chat.say("山田 花子")
        await chat.say("指定申請")  # another form; the profile is kept
        await chat.say("中止")
        assert "「プロフィール登録」の入力が途中です。続けますか？" in chat.text
        await chat.say(typed)
        assert "2/3" in chat.text, typed


# --- text that is not the answer ------------------------------------------------------


async def test_a_change_of_mind_is_not_stored_as_the_reporters_name(runtime: Runtime) -> None:
    chat = Chat(runtime, name=None)
    await chat.say("リスクケースの報告")
    assert "報告者のお名前を教えてください" in chat.text
    await chat.say("やっぱり入力していいか確認したい")
    assert "どのAIシステムですか？" in chat.text
    await chat.say("中止")
    await chat.say("続ける")
    assert "報告者のお名前を教えてください" in chat.text  # still unanswered


async def test_a_question_about_the_field_is_held_not_saved_as_the_excerpt(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("報告")
    while "関係する入力や出力" not in chat.text:
        if "どんなことが" in chat.text:
            await chat.press("その他")
        elif "何が起きたか" in chat.text or "具体的に" in chat.text:
            await chat.say("AIが誤った数字を出力した")
        elif "スキップ" in chat.labels:
            await chat.press("スキップ")
        else:
            await chat.press(chat.labels[0])
    await chat.say("これって重大？")
    assert "「これって重大？」を、今の質問への回答として保存しますか？" in chat.text
    await chat.press("保存しないで質問に戻る")
    assert "関係する入力や出力" in chat.text
    await chat.say("これって重大？")
    await chat.say("はい")  # keep it after all
    assert "関係する入力や出力" not in chat.text
    assert "個人情報や要機密情報を入力しましたか" in chat.text


async def test_commands_typed_in_a_free_text_field_are_not_answers(runtime: Runtime) -> None:
    chat = Chat(runtime, name=None)
    await chat.say("プロフィール")
    await chat.say("メニュー")
    assert "ご用件を選んでください" in chat.text
    await chat.say("戻る")
    assert "これが最初の質問です" in chat.text
    await chat.say("このテキストを確認")
    assert "貼り付けて" in chat.text
    await chat.say("中止")
    await chat.say("続ける")
    assert "1/3" in chat.text


async def test_an_admin_command_in_the_middle_of_a_report_is_never_the_contact(
    runtime: Runtime,
) -> None:
    admin = Chat(runtime, user="sato", name="佐藤 健")
    await admin.say("報告")
    while "連絡先" not in admin.text:
        await admin.press(admin.labels[0])
    await admin.say("報告一覧")
    assert "対応中の報告" in admin.text
    await admin.say("admin list")
    assert "sato" in admin.text
    await admin.press("続ける")
    assert "連絡先" in admin.text  # still the question it was


async def test_a_real_answer_that_mentions_a_request_word_is_stored(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("指定申請")
    await chat.say("議事録AI")  # a system's name, not 「議事録に使えるAIは？」
    assert "2/10" in chat.text


async def test_yes_to_go_back_to_the_form_is_not_taken_as_the_answer(runtime: Runtime) -> None:
    chat = Chat(runtime, name=None)
    await chat.say("プロフィール")
    await chat.say("問い合わせ先は？")
    assert "「プロフィール登録」の入力に戻りますか？" in chat.text
    await chat.say("はい")
    assert "1/3" in chat.text  # the name is asked again, not answered with 「はい」
    await chat.say("山田 花子")
    assert "2/3" in chat.text


async def test_no_to_go_back_keeps_the_form_for_later(runtime: Runtime) -> None:
    chat = Chat(runtime, name=None)
    await chat.say("プロフィール")
    await chat.say("ヘルプ")
    await chat.say("あとで")
    assert "入力を保存しました" in chat.text


# --- the matching rule itself, on options as any form offers them ----------------------


@pytest.fixture(scope="module")
def ctx() -> DialogContext:
    return DialogContext(
        catalogs=Catalogs(),
        municipality=load_municipality(SAMPLE_MUNICIPALITY).facts(),
        person=PersonFacts(user_id="yamada"),
        locale="ja",
        now=datetime(2026, 11, 28, 10, 0, tzinfo=JST),
    )


SEVERITY = [("serious", "重大"), ("not_serious", "重大ではない"), ("unsure", "わからない")]
OTHER = [("a", "庁内だけ"), ("b", "住民など第三者に影響"), ("other", "その他・わからない")]


@pytest.mark.parametrize(
    ("options", "typed", "value"),
    [
        (SEVERITY, "重大", "serious"),  # a label that is part of another is still itself
        (SEVERITY, "重大ではない", "not_serious"),
        (SEVERITY, "２", "not_serious"),
        (SEVERITY, "3番", "unsure"),
        (SEVERITY, "不明です", "unsure"),
        (SEVERITY, "分かりません", "unsure"),
        (OTHER, "わからない", "other"),
        (OTHER, "その他", "other"),
        (OTHER, "住民", "b"),
        (OTHER, "庁内だけ。", "a"),
        (OTHER, "庁内だけ", "a"),
        ([("confirmed", "確認しました")], "OK", "confirmed"),
        ([("confirmed", "確認しました")], "りょうかい", "confirmed"),
        ([("confirmed", "確認しました")], "Got it", "confirmed"),
    ],
)
def test_a_typed_answer_matches_one_option(
    ctx: DialogContext, options: list[tuple[str, str]], typed: str, value: str
) -> None:
    found = match_option(typed, [Option(v, label) for v, label in options], ctx)
    assert found is not None and found.value == value, typed


@pytest.mark.parametrize("typed", ["どれでもいい", "4", "0", "", "重"])
def test_no_match_rather_than_a_guess(ctx: DialogContext, typed: str) -> None:
    assert match_option(typed, [Option(v, label) for v, label in SEVERITY], ctx) is None


async def test_which_field_to_edit_is_matched_like_any_other_choice(runtime: Runtime) -> None:
    chat = Chat(runtime, "yamada", "山田 花子")
    await chat.say("プロフィール")
    await chat.press("山田 花子")
    await chat.press("税務課")
    await chat.say("内線1234")
    await chat.press("修正する")
    await chat.say("連絡")  # a unique part of one label
    assert "連絡先" in chat.text and "入力してください" in chat.text, chat.text

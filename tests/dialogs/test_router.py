"""The router: menu and help, what it does with text it does not understand, and bad input."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.chat import Chat


async def test_anything_not_understood_gets_a_short_answer_and_the_menu(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("ぬるぽ がっ")
    assert "うまく理解できませんでした" in chat.text
    assert {"使い方", "問い合わせ先", "プロフィール登録", "English"} <= set(chat.labels)


async def test_help_explains_and_shows_the_menu(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("使い方を教えて")
    assert "さくら市の生成AI利用ガイドラインのアシスタントです。" in chat.text
    assert "プロフィール登録" in chat.labels


async def test_contacts_come_from_the_municipality_settings(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("メニュー")
    await chat.press("問い合わせ先")
    assert "ガイドラインについて: 情報政策課 AI推進担当 / ai-guide@city.sakura.example.lg.jp" in (
        chat.text
    )
    assert "電話 内線2110" in chat.text
    assert "担当課室の窓口" in chat.text


async def test_english_is_a_per_person_choice(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("English")
    assert chat.text == "The display language is now English."
    await chat.say("menu")
    assert {"How to use", "Contacts", "My profile", "日本語"} <= set(chat.labels)

    colleague = Chat(runtime, user="tanaka", name="田中 一郎")
    await colleague.say("メニュー")
    assert "プロフィール登録" in colleague.labels  # still Japanese for everyone else

    await chat.press("日本語")
    assert chat.text == "表示言語を日本語にしました。"


async def test_empty_and_whitespace_messages_get_the_menu(runtime: Runtime) -> None:
    chat = Chat(runtime)
    for blank in ("", "   ", "\u3000\n\t"):
        await chat.say(blank)
        assert "メッセージが空でした" in chat.text
        assert "プロフィール登録" in chat.labels


async def test_a_very_long_message_is_refused_politely_and_the_form_kept(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("あ" * 20_000)
    assert "メッセージが長すぎます（4000文字まで）" in chat.text
    assert "2/3" in chat.text  # the same question at once


async def test_control_characters_and_emoji_do_no_harm(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田\x00花子\x1b[31m 🌸")
    await chat.press("税務課")
    await chat.press("スキップ")
    assert "氏名: 山田花子[31m 🌸" in chat.text  # control characters dropped, emoji kept


async def test_html_is_kept_as_text(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("<script>alert(1)</script>")
    await chat.press("税務課")
    await chat.press("スキップ")
    assert "氏名: <script>alert(1)</script>" in chat.text


async def test_a_button_that_does_not_exist_changes_nothing(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    for bogus in ("menu:nothing", "f:abc", "f:99999:pick:税務課", "no-such-button", "f:1:"):
        await chat.send(action=bogus, event_id=f"bogus-{bogus}")
        assert "このボタン" in chat.text
        assert "税務課" not in chat.text or "2/3" in chat.text
    await chat.say("税務課")
    assert "3/3" in chat.text  # the form is where it was


async def test_a_retried_event_is_handled_once(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール", event_id="evt-1")
    await chat.say("山田花子", event_id="evt-2")
    assert "2/3" in chat.text
    assert await chat.say("山田花子", event_id="evt-2") == []  # the platform retried
    await chat.say("税務課", event_id="evt-3")
    assert "3/3" in chat.text  # the retry did not answer a question twice


async def test_naming_the_form_in_progress_resumes_it_with_working_buttons(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("プロフィール")
    assert "続きから再開します" in chat.text
    assert "入力に戻りますか" not in chat.text
    await chat.press("山田 花子")
    assert "2/3" in chat.text


async def test_a_form_button_with_no_form_open_shows_the_menu(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send(action="f:999:pick:x", event_id="no-form")
    assert "このボタンは今は使えません。" in chat.text
    assert "プロフィール登録" in chat.labels


async def test_cancelling_with_nothing_under_way_says_so_and_shows_the_menu(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("やめる")
    assert "途中の入力はありません" in chat.text
    assert "うまく理解できませんでした" not in chat.text
    assert "リスクケースの報告" in chat.labels


async def test_switching_to_english_in_a_form_offers_the_form_back_in_english(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("報告したい")
    await chat.say("English")
    assert "The display language is now English." in chat.text
    assert "Continue" in chat.labels and "続ける" not in chat.labels

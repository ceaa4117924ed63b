"""Transcripts in the bot's DM: what a member of staff types and presses, and what Slack shows."""

from __future__ import annotations

from tests.bot.channels.slack.conftest import STAFF, SlackBot
from tests.bot.channels.slack.person import SlackPerson


async def test_help_in_the_dm_shows_the_menu_as_buttons(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("ヘルプ")
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in yamada.text
    assert all(m["channel"] == yamada.dm for m in yamada.last)
    assert "入力してよいか確認" in yamada.labels


async def test_pre_use_confirmation_in_the_dm(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    while "確認しました" in yamada.labels:
        await yamada.press("確認しました")
    await yamada.press("送信")
    assert "利用前の確認を記録しました" in yamada.text, yamada.text


async def test_a_pressed_question_is_replaced_by_its_answer(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    question = yamada.message_with("確認しました")
    await yamada.press("確認しました")
    [update] = [c for c in bot.slack.of("chat.update") if c.params["ts"] == question["ts"]]
    blocks = update.params["blocks"]
    assert all(b["type"] != "actions" for b in blocks), "its buttons are gone"
    assert blocks[-1]["elements"][0]["text"] == "✔ 確認しました"


async def test_the_directory_gives_name_email_division_and_locale(bot: SlackBot) -> None:
    alice = SlackPerson(bot, "UENG")
    await alice.say("help")
    assert "I help you follow" in alice.text, alice.text  # en-US: the English catalogue
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("ヘルプ")
    from storage.db import transaction
    from storage.people import get_person

    async with transaction(bot.runtime.sessions) as session:
        person = await get_person(session, "sakura-city", "slack", STAFF)
    assert person is not None
    assert (person.display_name, person.email, person.division) == (
        "山田 花子",
        "yamada@example.lg.jp",
        "税務課",
    )


async def test_a_mention_in_a_channel_is_answered_in_its_thread(bot: SlackBot) -> None:
    event = {
        "type": "app_mention",
        "channel": "CGENERAL",
        "user": STAFF,
        "text": "<@UBOT> ヘルプ",
        "ts": "1700000000.000100",
    }
    yamada = SlackPerson(bot, STAFF)
    assert (await bot.event(event)).status == 200
    await yamada.quiet()
    answers = bot.posts_to("CGENERAL")
    assert answers and all(a["thread_ts"] == "1700000000.000100" for a in answers)
    from tests.bot.channels.slack.conftest import text_of

    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in text_of(answers[0])


async def test_a_channel_message_outside_a_report_thread_is_not_a_turn(bot: SlackBot) -> None:
    event = {
        "type": "message",
        "channel": "CGENERAL",
        "channel_type": "channel",
        "user": STAFF,
        "text": "ヘルプ",
        "ts": "1700000000.000200",
    }
    yamada = SlackPerson(bot, STAFF)
    assert (await bot.event(event)).status == 200
    await yamada.quiet()
    assert bot.slack.of("chat.postMessage") == []

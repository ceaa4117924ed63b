"""App Home and /aiguide: what a person sees on the bot's Home tab and from the slash command."""

from __future__ import annotations

from storage.db import transaction
from storage.systems import list_systems
from tests.bot.channels.slack.conftest import STAFF, SlackBot, text_of
from tests.bot.channels.slack.person import SlackPerson


async def open_home(bot: SlackBot, user: str) -> dict[str, object]:
    before = len(bot.slack.of("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    assert (await bot.event(event)).status == 200
    published = await bot.slack.wait_for("views.publish", before + 1)
    return published[-1].params


async def test_app_home_shows_the_confirmation_status_and_quick_actions(bot: SlackBot) -> None:
    home = await open_home(bot, STAFF)
    assert home["user_id"] == STAFF
    view = home["view"]
    assert view["type"] == "home"
    shown = text_of(view)
    assert "私の状況（利用前の確認）" in shown
    assert "未完了" in shown
    for action in ("利用開始（利用前の確認）", "入力してよいか確認", "リスクケースの報告"):
        assert action in shown

    yamada = SlackPerson(bot, STAFF)
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    while "確認しました" in yamada.labels:
        await yamada.press("確認しました")
    await yamada.press("送信")
    assert "済み（Ver" in text_of((await open_home(bot, STAFF))["view"])


async def test_opening_app_home_changes_no_conversation(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("利用開始")
    await open_home(bot, STAFF)
    await yamada.say("2026-10-01")  # still the answer to the training-date question
    assert "確認しました" in yamada.labels, yamada.text


async def test_slash_help_is_private(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    answers = await yamada.command("help", channel="CGENERAL")
    assert answers and all(a["response_type"] == "ephemeral" for a in answers)
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in yamada.text
    assert not bot.posts_to("CGENERAL")


async def test_an_unknown_subcommand_gets_help_not_silence(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.command("dance")
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in yamada.text


async def test_slash_status_and_check(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.command("status")
    assert "私の状況（利用前の確認）" in yamada.text
    await yamada.command("check 公開済みの議事録をQommonsに入れていい？")
    assert yamada.text, "the entry check answers"
    assert "利用前の確認" in yamada.text  # not confirmed yet: the check says so first


async def test_slash_report_opens_the_report_in_the_dm_conversation(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.command("report")
    assert "生成AIのリスクケースの報告ですね" in yamada.text, yamada.text


async def test_admin_commands_are_refused_to_staff(bot: SlackBot) -> None:
    async def statuses() -> dict[str, str]:
        async with transaction(bot.runtime.sessions) as session:
            return {s.id: s.status for s in await list_systems(session, "sakura-city")}

    before = await statuses()
    yamada = SlackPerson(bot, STAFF)
    await yamada.command(f"system suspend {next(iter(before))} 調査中")
    assert "情報政策課（管理者）だけが行えます" in yamada.text, yamada.text
    assert await statuses() == before


async def test_admin_commands_work_for_the_policy_division(bot: SlackBot) -> None:
    from tests.bot.channels.slack.conftest import ADMIN

    sato = SlackPerson(bot, ADMIN)
    await sato.command("system list")
    assert "Microsoft 365 Copilot Chat" in sato.text, sato.text

"""App Home drawn again when something on it changes: the person's confirmation, a new
guideline version, their reports filed or moved on by the policy division. Each change
leaves one outbox item; the delivery publishes the home as it is then."""

from __future__ import annotations

from dialogs.effects import PublishGuideline
from tests.bot.channels.slack.conftest import ADMIN, POLICY_CHANNEL, STAFF, SlackBot, text_of
from tests.bot.channels.slack.fake_slack import Call
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_reports import file_report


def homes_of(bot: SlackBot, user: str) -> list[Call]:
    return [c for c in bot.slack.of("views.publish") if c.params["user_id"] == user]


async def confirm(yamada: SlackPerson) -> None:
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    while "確認しました" in yamada.labels:
        await yamada.press("確認しました")
    await yamada.press("送信")


async def test_completing_the_confirmation_redraws_the_home_once(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await confirm(yamada)
    assert homes_of(bot, STAFF) == []  # drawn after the turn, by the outbox
    await bot.runtime.delivery.run_once()
    [home] = homes_of(bot, STAFF)
    assert home.params["view"]["type"] == "home"
    assert "済み（Ver" in text_of(home.params["view"])
    await bot.runtime.delivery.run_once()
    assert len(homes_of(bot, STAFF)) == 1  # nothing changed since: not drawn again


async def publish_new_version(bot: SlackBot) -> None:
    """What `aiguide guideline publish` (and the division's form) does."""
    town = await bot.runtime.town("sakura-city")
    effect = PublishGuideline(
        version="9.0",
        kind="major",
        approver="副市長",
        effective_on=bot.runtime.today(),
        summary="全面改定",
    )
    assert (await town.publish_version(effect, "slack", ADMIN))[0]


async def test_a_new_guideline_version_makes_the_home_say_pending_again(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await confirm(yamada)
    await bot.runtime.delivery.run_once()
    assert "済み（Ver" in text_of(homes_of(bot, STAFF)[-1].params["view"])

    await publish_new_version(bot)
    await bot.runtime.delivery.run_once()
    shown = text_of(homes_of(bot, STAFF)[-1].params["view"])
    assert "済み（Ver" not in shown
    assert "9.0" in shown


async def test_changes_in_a_burst_redraw_the_home_once_as_it_is_after_them(
    bot: SlackBot,
) -> None:
    yamada = SlackPerson(bot, STAFF)
    await confirm(yamada)
    await publish_new_version(bot)  # before the first redraw was delivered
    await bot.runtime.delivery.run_once()
    [home] = homes_of(bot, STAFF)
    assert "9.0" in text_of(home.params["view"])
    assert "済み（Ver" not in text_of(home.params["view"])


async def test_a_report_filed_then_acknowledged_shows_on_the_reporter_s_home(
    bot: SlackBot,
) -> None:
    yamada = SlackPerson(bot, STAFF)
    number = await file_report(yamada)
    await bot.runtime.delivery.run_once()
    [filed] = homes_of(bot, STAFF)
    assert number in text_of(filed.params["view"])
    assert "未受付" in text_of(filed.params["view"])

    # The policy division acknowledges it from the report's thread in its channel.
    [summary] = bot.posts_to(POLICY_CHANNEL)
    sato = SlackPerson(bot, ADMIN)
    assert (await bot.press(ADMIN, summary, "受付", channel=POLICY_CHANNEL)).status == 200
    await sato.quiet()
    await bot.runtime.delivery.run_once()
    [_, acknowledged] = homes_of(bot, STAFF)
    assert number in text_of(acknowledged.params["view"])
    assert "受付済み" in text_of(acknowledged.params["view"])
    assert homes_of(bot, ADMIN) == []  # the division's own home did not change

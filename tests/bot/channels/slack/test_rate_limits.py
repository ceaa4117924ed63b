"""Slack's 429: the bot waits as long as Retry-After says, and nothing is lost."""

from __future__ import annotations

from sqlmodel import select

from storage.db import transaction
from storage.models import OutboxMessage
from tests.bot.channels.slack.conftest import POLICY_CHANNEL, STAFF, SlackBot
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_reports import file_report


async def test_a_reply_answered_429_is_posted_after_retry_after(bot: SlackBot) -> None:
    bot.slack.limit_next["chat.postMessage"] = [1]
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("ヘルプ")
    calls = [c for c in bot.slack.calls if c.method.startswith("chat.postMessage")]
    assert calls[0].method == "chat.postMessage#429"
    assert calls[1].method == "chat.postMessage"
    assert calls[1].params["text"] == calls[0].params["text"]  # the same message, again
    assert calls[1].at - calls[0].at >= 0.9  # waited as told, not hammering
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in yamada.text


async def test_an_outbox_post_still_limited_waits_without_counting_an_attempt(
    bot: SlackBot,
) -> None:
    yamada = SlackPerson(bot, STAFF)
    await file_report(yamada)
    # More 429s than the client retries: the outbox's lane waits as Slack says, then posts.
    bot.slack.limit_next["chat.postMessage"] = [0, 0, 0]
    for _ in range(3):
        await bot.runtime.delivery.run_once()
    limited = [c for c in bot.slack.calls if c.method == "chat.postMessage#429"]
    assert len(limited) == 3
    assert len(bot.posts_to(POLICY_CHANNEL)) == 1  # posted once, after the limit
    async with transaction(bot.runtime.sessions) as session:
        opening = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.key == "report:1:filed"))
        ).one()
    assert opening.sent_at is not None
    assert opening.attempts <= 1  # being throttled is not a failed attempt

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


async def test_an_outbox_post_still_limited_is_kept_and_sent_later(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await file_report(yamada)
    # More 429s than the client retries: the outbox keeps the message for a later pass.
    bot.slack.limit_next["chat.postMessage"] = [0, 0, 0]
    assert await bot.runtime.delivery.run_once() == 0
    assert bot.posts_to(POLICY_CHANNEL) == []
    async with transaction(bot.runtime.sessions) as session:
        waiting = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))  # type: ignore[union-attr]
        ).all()
    assert any("rate limited" in m.last_error for m in waiting)
    later = max(m.next_attempt_at for m in waiting)
    assert await bot.runtime.delivery.run_once(later) >= 1
    assert len(bot.posts_to(POLICY_CHANNEL)) == 1

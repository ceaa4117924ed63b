"""What the reliability tests share: a serious risk report filed in Slack, driving the outbox
through its retries, and reading back what the outbox holds."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.runtime import Runtime
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from tests.bot.channels.slack.person import SlackPerson

COPILOT = "Microsoft 365 Copilot Chat"
CAIO_MAIL = "caio@city.sakura.example.lg.jp"


async def file_serious_report(person: SlackPerson, what: str = "攻撃的な表現が出力された") -> str:
    """A report its reporter judges serious (§4ア: the CAIO's channel and mail at once)."""
    await person.say("報告したい")
    await person.say("内線3456")
    await person.press(COPILOT)
    await person.press("スキップ")
    await person.press("今日")
    await person.press("攻撃的・危険な内容")
    await person.say(what)
    await person.press("スキップ")
    await person.press("入力していない")
    await person.press("庁内だけ")
    await person.press("重大だと思う")
    await person.press("スキップ")
    assert "の内容を確認してください" in person.text, person.text
    await person.press("送信")
    found = re.search(r"RC-\d{4}-\d{4}", person.text)
    assert found, person.text
    return found[0]


async def outbox(runtime: Runtime) -> list[OutboxMessage]:
    async with transaction(runtime.sessions) as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return list(rows.all())


async def pending(runtime: Runtime) -> list[OutboxMessage]:
    return [m for m in await outbox(runtime) if m.sent_at is None and m.dead_at is None]


async def deliver_until_done(runtime: Runtime, *, passes: int = 60) -> int:
    """Delivery passes until nothing is left to send; the number of passes it took.

    Each pass runs as if two hours had gone by since the one before, so a failed message's
    backoff (2, 4, 8 … s) is over by the next pass without the test waiting for it; a
    platform's Retry-After, which the delivery keeps on its own monotonic clock, is waited
    for real (a short pause between passes)."""
    assert runtime.delivery is not None
    now: datetime = utcnow()
    for done in range(1, passes + 1):
        await runtime.delivery.run_once(now)
        if not await pending(runtime):
            return done
        now += timedelta(hours=2)
        await asyncio.sleep(0.3)
    left = [(m.key, m.attempts, m.last_error) for m in await pending(runtime)]
    raise AssertionError(f"still undelivered after {passes} passes: {left}")

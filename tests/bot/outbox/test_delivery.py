"""Delivering the outbox: retried with growing backoff, resumed after an interruption without
a second copy, paced by the channel's rate limit, one message per idempotency key.

Passes are run with explicit times (`Delivery.run_once(now)`), just after the wall clock so
that what the bot queued on its own (stamped with that clock) is due.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.outbox.delivery import Delivery, LocalDeliverer
from bot.runtime import Runtime
from dialogs.effects import PublishGuideline
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import enqueue, pending_count
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC; PostgreSQL an aware time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Deliverers pass on what Delivery gives them beyond the message (such as the thread to post in).


class Flaky:
    """The platform is down for the first `failures` attempts, then posts as the local one."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0

    async def deliver(self, session: Any, message: OutboxMessage, *where: Any) -> Any:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError(f"platform unavailable (attempt {self.attempts})")
        return await LocalDeliverer().deliver(session, message, *where)


class Outage:
    """Posts `successes` messages, then fails every attempt until `recover()`."""

    def __init__(self, successes: int) -> None:
        self.left: int | None = successes
        self.down = False

    def recover(self) -> None:
        self.down, self.left = False, None

    async def deliver(self, session: Any, message: OutboxMessage, *where: Any) -> Any:
        if self.left == 0:
            self.down = True
        if self.down:
            raise ConnectionError("platform went away")
        if self.left is not None:
            self.left -= 1
        return await LocalDeliverer().deliver(session, message, *where)


class Shutdown:
    """Posts `successes` messages, then the pass is cancelled (the process is stopping)."""

    def __init__(self, successes: int) -> None:
        self.left = successes

    async def deliver(self, session: Any, message: OutboxMessage, *where: Any) -> Any:
        if self.left == 0:
            raise asyncio.CancelledError
        self.left -= 1
        return await LocalDeliverer().deliver(session, message, *where)


async def queue(runtime: Runtime, key: str, user: str, text: str, at: datetime) -> bool:
    async with transaction(runtime.sessions) as session:
        return await enqueue(
            session,
            SAMPLE_TENANT,
            key=key,
            channel="local",
            target=f"user:{user}",
            body={"type": "text", "text": text},
            not_before=at,
        )


async def outbox_row(runtime: Runtime, key: str) -> OutboxMessage:
    async with transaction(runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.key) == key)
        return (await session.exec(statement)).one()


async def inbox_texts(runtime: Runtime, user: str) -> list[str]:
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [str(post.body.get("title") or post.body.get("text")) for post in posts]


async def test_a_failed_delivery_is_retried_with_growing_backoff_and_sent_once(
    runtime: Runtime,
) -> None:
    platform = Flaky(failures=3)
    delivery = Delivery(runtime.sessions, {"local": platform}, per_second={})
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert await queue(runtime, "notice-1", "yamada", "お知らせ", now)

    gaps: list[timedelta] = []
    for attempt in (1, 2, 3):
        assert await delivery.run_once(now) == 0
        row = await outbox_row(runtime, "notice-1")
        assert row.attempts == attempt
        assert row.sent_at is None
        assert f"platform unavailable (attempt {attempt})" in row.last_error
        retry_at = as_utc(row.next_attempt_at)
        gaps.append(retry_at - now)
        # Not before its time: a pass just before the retry leaves it alone.
        assert await delivery.run_once(retry_at - timedelta(milliseconds=500)) == 0
        assert platform.attempts == attempt
        now = retry_at
    assert gaps[0] < gaps[1] < gaps[2]
    assert await inbox_texts(runtime, "yamada") == []

    assert await delivery.run_once(now) == 1
    row = await outbox_row(runtime, "notice-1")
    assert row.sent_at is not None
    assert row.attempts == 4
    assert await delivery.run_once(now + timedelta(hours=2)) == 0
    assert await inbox_texts(runtime, "yamada") == ["お知らせ"]
    assert platform.attempts == 4


async def publish_to(runtime: Runtime, people: list[str]) -> None:
    for user in people:
        await Chat(runtime, user, None).say("メニュー")
    published, replies = await (await runtime.town()).publish_version(
        PublishGuideline(
            version="2.0",
            kind="major",
            approver="副市長",
            effective_on=date(2026, 11, 1),
            summary="生成AIの利用範囲を見直しました",
        ),
        "local",
        "sato",
    )
    assert published
    assert f"{len(people)} 人に通知します" in replies[0].to_dict()["text"]


async def test_a_broadcast_interrupted_midway_resumes_without_a_second_copy(
    runtime: Runtime,
) -> None:
    people = [f"staff{n:02d}" for n in range(1, 31)]
    await publish_to(runtime, people)
    platform = Outage(successes=10)
    assert runtime.delivery is not None
    # Passes of 8, as a paced channel gets through a few at a time.
    delivery = Delivery(
        runtime.sessions,
        {"local": platform},
        per_second={},
        batch=8,
        progress=runtime.delivery.progress,
    )
    now = utcnow() + timedelta(seconds=1)
    await delivery.run_once(now)
    await delivery.run_once(now := now + timedelta(minutes=1))  # the platform fails midway
    assert platform.down
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 20 + 1  # and one report
    platform.recover()
    for _ in range(6):
        await delivery.run_once(now := now + timedelta(minutes=1))

    for user in people:
        assert await inbox_texts(runtime, user) == ["ガイドラインが Ver2.0 に改定されました"], user
    reports = await inbox_texts(runtime, "sato")
    finished = "Ver2.0 の通知をすべて配信しました（30 人）。"
    assert reports[-1] == finished
    assert reports.count(finished) == 1
    progress = [int(r.split(": ")[1].split(" / ")[0]) for r in reports[:-1]]
    assert all(r.endswith(" / 30 人に配信しました。") for r in reports[:-1]), reports
    # One report in each quarter (25%, 50%, 75% reached), each once, in order.
    assert [4 * sent // 30 for sent in progress] == [1, 2, 3], reports
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 0


async def test_a_pass_cut_short_by_a_shutdown_is_redone_without_a_second_copy(
    runtime: Runtime,
) -> None:
    people = [f"staff{n:02d}" for n in range(1, 31)]
    await publish_to(runtime, people)
    assert runtime.delivery is not None
    now = utcnow() + timedelta(seconds=1)
    stopping = Delivery(runtime.sessions, {"local": Shutdown(successes=10)}, per_second={})
    try:
        await stopping.run_once(now)
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the pass was expected to be cancelled")

    await runtime.delivery.run_once(now + timedelta(seconds=1))
    for user in people:
        assert await inbox_texts(runtime, user) == ["ガイドラインが Ver2.0 に改定されました"], user


async def timed_pass(runtime: Runtime, per_second: dict[str, float], prefix: str) -> float:
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    for n in range(10):
        await queue(runtime, f"{prefix}-{n}", f"staff{n:02d}", "お知らせ", now)
    delivery = Delivery(runtime.sessions, {"local": LocalDeliverer()}, per_second=per_second)
    started = time.monotonic()
    assert await delivery.run_once(now) == 10
    return time.monotonic() - started


async def test_a_rate_limit_paces_a_pass(runtime: Runtime) -> None:
    # 20 a second: ten messages take about half a second.
    assert await timed_pass(runtime, {"local": 20}, "paced") >= 0.45
    # No limit (or a limit for another channel): the same ten go out in one pass unpaced.
    await timed_pass(runtime, {"slack": 1}, "free")
    for n in range(10):
        assert await inbox_texts(runtime, f"staff{n:02d}") == ["お知らせ", "お知らせ"]


async def test_the_same_key_twice_is_one_message(runtime: Runtime) -> None:
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert await queue(runtime, "guideline:2:local:yamada", "yamada", "一度目", now)
    assert not await queue(runtime, "guideline:2:local:yamada", "yamada", "二度目", now)
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 1
    assert runtime.delivery is not None
    assert await runtime.delivery.run_once(now) == 1
    assert await runtime.delivery.run_once(now + timedelta(hours=1)) == 0
    assert await inbox_texts(runtime, "yamada") == ["一度目"]


async def test_people_are_answered_while_a_paced_pass_is_under_way(runtime: Runtime) -> None:
    """A paced pass takes a while (here 8 messages at 4 a second, about 2 s); a person who
    writes meanwhile is answered at once, not after the pass."""
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    for n in range(8):
        await queue(runtime, f"paced-{n}", f"staff{n:02d}", "お知らせ", now)
    delivery = Delivery(runtime.sessions, {"local": LocalDeliverer()}, per_second={"local": 4})
    finished: list[str] = []

    async def paced_pass() -> None:
        await delivery.run_once(now)
        finished.append("pass")

    async def a_turn() -> None:
        await asyncio.sleep(0.2)
        replies = await Chat(runtime).say("メニュー")
        assert replies
        finished.append("turn")

    await asyncio.gather(paced_pass(), a_turn())
    assert finished == ["turn", "pass"]

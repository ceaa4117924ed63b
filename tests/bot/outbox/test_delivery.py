"""Delivering the outbox: retried with growing backoff counted from each failure, resumed
after an interruption without a second copy, paced by the channel's rate limit with nothing
held, one message per idempotency key, and a claim that outlives its process expires.

Passes are run with explicit times (`Delivery.run_once(now)`), just after the wall clock so
that what the bot queued on its own (stamped with that clock) is due.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.outbox.deliverers import LocalDeliverer, Outgoing
from bot.outbox.delivery import THREAD_WAIT, Delivery
from bot.runtime import Runtime
from dialogs.effects import PublishGuideline
from storage.addresses import InThread
from storage.db import transaction
from storage.models import utcnow
from storage.outbox import Lane, claim_next, pending_count
from tests.bot.outbox.helpers import (
    FakeClock,
    Recorder,
    as_utc,
    inbox_texts,
    outbox_row,
    queue,
    registry,
    threads,
)
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


class Flaky(LocalDeliverer):
    """The platform is down for the first `failures` attempts, then posts as the local one."""

    def __init__(self, runtime: Runtime, failures: int) -> None:
        super().__init__(runtime.sessions)
        self.failures = failures
        self.attempts = 0

    async def deliver(self, message: Outgoing) -> str:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError(f"platform unavailable (attempt {self.attempts})")
        return await super().deliver(message)


class Outage(LocalDeliverer):
    """Posts `successes` messages, then fails every attempt until `recover()`."""

    def __init__(self, runtime: Runtime, successes: int) -> None:
        super().__init__(runtime.sessions)
        self.left: int | None = successes
        self.down = False

    def recover(self) -> None:
        self.down, self.left = False, None

    async def deliver(self, message: Outgoing) -> str:
        if self.left == 0:
            self.down = True
        if self.down:
            raise ConnectionError("platform went away")
        if self.left is not None:
            self.left -= 1
        return await super().deliver(message)


class Shutdown(LocalDeliverer):
    """Posts `successes` messages, then the pass is cancelled (the process is stopping)."""

    def __init__(self, runtime: Runtime, successes: int) -> None:
        super().__init__(runtime.sessions)
        self.left = successes

    async def deliver(self, message: Outgoing) -> str:
        if self.left == 0:
            raise asyncio.CancelledError
        self.left -= 1
        return await super().deliver(message)


async def test_a_failed_delivery_is_retried_with_growing_backoff_from_each_failure(
    runtime: Runtime,
) -> None:
    platform = Flaky(runtime, failures=3)
    delivery = Delivery(runtime.sessions, registry(local=platform))
    now = NOW
    assert await queue(runtime, "notice-1", "yamada", "お知らせ", now)

    gaps: list[timedelta] = []
    for attempt in (1, 2, 3):
        assert await delivery.run_once(now) == 0
        row = await outbox_row(runtime, "notice-1")
        assert row.attempts == attempt
        assert row.sent_at is None
        assert f"platform unavailable (attempt {attempt})" in row.last_error
        assert row.failed_at is not None and as_utc(row.failed_at) >= now
        retry_at = as_utc(row.next_attempt_at)
        gaps.append(retry_at - as_utc(row.failed_at))
        # Not before its time: a pass just before the retry leaves it alone.
        assert await delivery.run_once(retry_at - timedelta(milliseconds=500)) == 0
        assert platform.attempts == attempt
        now = retry_at
    assert gaps == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]
    assert await inbox_texts(runtime, "yamada") == []

    assert await delivery.run_once(now) == 1
    row = await outbox_row(runtime, "notice-1")
    assert row.sent_at is not None
    assert row.sent_ref  # the platform's reference of the post
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
    platform = Outage(runtime, successes=10)
    assert runtime.delivery is not None
    # Passes of 8, as a paced channel gets through a few at a time.
    delivery = Delivery(
        runtime.sessions,
        registry(local=platform),
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


async def test_a_pass_cut_short_by_a_shutdown_is_redone_at_once_without_a_second_copy(
    runtime: Runtime,
) -> None:
    people = [f"staff{n:02d}" for n in range(1, 31)]
    await publish_to(runtime, people)
    assert runtime.delivery is not None
    now = utcnow() + timedelta(seconds=1)
    stopping = Delivery(runtime.sessions, registry(local=Shutdown(runtime, successes=10)))
    try:
        await stopping.run_once(now)
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the pass was expected to be cancelled")

    # The message being sent when it stopped was given back: due now, not after its lease.
    await runtime.delivery.run_once(now + timedelta(seconds=1))
    for user in people:
        assert await inbox_texts(runtime, user) == ["ガイドラインが Ver2.0 に改定されました"], user


async def test_a_claim_left_by_a_process_that_died_is_delivered_once_its_lease_expires(
    runtime: Runtime,
) -> None:
    assert await queue(runtime, "notice-1", "yamada", "お知らせ", NOW)
    # Another process claimed it and died before posting.
    async with transaction(runtime.sessions) as session:
        claimed = await claim_next(session, Lane("local", SAMPLE_TENANT), NOW, timedelta(minutes=5))
        assert claimed is not None
    delivery = Delivery(runtime.sessions, registry(local=Recorder(runtime)))
    assert await delivery.run_once(NOW + timedelta(minutes=4)) == 0  # still held
    assert await inbox_texts(runtime, "yamada") == []
    assert await delivery.run_once(NOW + timedelta(minutes=5, seconds=1)) == 1
    assert await inbox_texts(runtime, "yamada") == ["お知らせ"]


async def test_a_rate_limit_paces_a_pass_by_waiting_between_messages(runtime: Runtime) -> None:
    for n in range(10):
        await queue(runtime, f"paced-{n}", f"staff{n:02d}", "お知らせ", NOW)
    clock = FakeClock()
    paced = registry(local=(LocalDeliverer(runtime.sessions), 20.0))
    delivery = Delivery(runtime.sessions, paced, clock=clock, sleep=clock.sleep)
    assert await delivery.run_once(NOW) == 10
    # 20 a second: a twentieth of a second before each message but the first.
    assert clock.slept == pytest.approx([0.05] * 9)
    for n in range(10):
        assert await inbox_texts(runtime, f"staff{n:02d}") == ["お知らせ"]

    # No pace for the channel: the same ten more go out without a wait.
    for n in range(10):
        await queue(runtime, f"free-{n}", f"staff{n:02d}", "お知らせ", NOW)
    clock = FakeClock()
    free = Delivery(runtime.sessions, registry(local=LocalDeliverer(runtime.sessions)), clock=clock)
    assert await free.run_once(NOW) == 10
    assert clock.slept == []


async def test_the_same_key_twice_is_one_message(runtime: Runtime) -> None:
    assert await queue(runtime, "guideline:2:local:yamada", "yamada", "一度目", NOW)
    assert not await queue(runtime, "guideline:2:local:yamada", "yamada", "二度目", NOW)
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 1
    assert runtime.delivery is not None
    assert await runtime.delivery.run_once(NOW) == 1
    assert await runtime.delivery.run_once(NOW + timedelta(hours=1)) == 0
    assert await inbox_texts(runtime, "yamada") == ["一度目"]


async def test_waiting_for_a_threads_opening_post_is_not_a_failed_attempt(
    runtime: Runtime,
) -> None:
    thread = "report:99:policy"
    reply = InThread(thread)
    assert await queue(runtime, "reply", "", "返信", NOW, address=reply)
    delivery = Delivery(runtime.sessions, registry(local=Recorder(runtime)), max_attempts=2)
    for minute in range(5):  # far more passes than attempts allowed: it only waits
        assert await delivery.run_once(NOW + timedelta(minutes=minute)) == 0
    row = await outbox_row(runtime, "reply")
    assert (row.attempts, row.dead_at, row.sent_at) == (0, None, None)
    assert row.last_error == "waiting for its thread"

    opening = InThread(thread, opens=True)
    assert await queue(runtime, "opening", "", "報告", NOW, address=opening)
    later = NOW + timedelta(minutes=10)
    assert await delivery.run_once(later) == 1  # the opening post; the reply looks again soon
    assert await delivery.run_once(later + THREAD_WAIT + timedelta(seconds=1)) == 1
    [posted] = await threads(runtime, "policy")
    assert posted.post.body["text"] == "報告"
    assert [r.body["text"] for r in posted.replies] == ["返信"]


async def test_people_are_answered_while_a_paced_pass_is_under_way(runtime: Runtime) -> None:
    """A paced pass takes a while (here 8 messages at 4 a second, about 2 s); a person who
    writes meanwhile is answered at once, not after the pass."""
    for n in range(8):
        await queue(runtime, f"paced-{n}", f"staff{n:02d}", "お知らせ", NOW)
    paced = registry(local=(LocalDeliverer(runtime.sessions), 4.0))
    delivery = Delivery(runtime.sessions, paced)
    finished: list[str] = []

    async def paced_pass() -> None:
        await delivery.run_once(NOW)
        finished.append("pass")

    async def a_turn() -> None:
        await asyncio.sleep(0.2)
        replies = await Chat(runtime).say("メニュー")
        assert replies
        finished.append("turn")

    await asyncio.gather(paced_pass(), a_turn())
    assert finished == ["turn", "pass"]


class Unreachable(LocalDeliverer):
    """Posts as the local channel, except to the people named: those always fail."""

    def __init__(self, runtime: Runtime, gone: set[str]) -> None:
        super().__init__(runtime.sessions)
        self.gone = gone

    async def deliver(self, message: Outgoing) -> str:
        if any(person in str(message.address) for person in self.gone):
            raise ConnectionError("user_not_found")
        return await super().deliver(message)


async def test_a_broadcast_whose_last_messages_are_dead_still_ends_and_says_who_was_missed(
    runtime: Runtime,
) -> None:
    people = [f"staff{n:02d}" for n in range(1, 9)]
    await publish_to(runtime, people)
    assert runtime.delivery is not None
    delivery = Delivery(
        runtime.sessions,
        registry(local=Unreachable(runtime, {"staff07", "staff08"})),
        max_attempts=2,
        progress=runtime.delivery.progress,
    )
    now = utcnow() + timedelta(seconds=1)
    for _ in range(6):  # past both attempts of the two that cannot be reached
        await delivery.run_once(now := now + timedelta(hours=1))

    reports = await inbox_texts(runtime, "sato")
    over = (
        "Ver2.0 の通知が終わりました: 6 人に配信し、2 人には届けられませんでした"
        "（`aiguide outbox list --dead` で確かめ、`aiguide outbox retry ID` で送り直せます）。"
    )
    assert reports[-1] == over, reports
    assert reports.count(over) == 1
    assert not any("すべて配信しました" in r for r in reports)
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 0

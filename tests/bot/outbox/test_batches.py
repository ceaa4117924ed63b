"""A deliverer that paces itself (Slack) gets a batch at a time: claimed in one transaction,
posted concurrently, recorded in one transaction — and still each message once, the
broadcast's progress reported, and something urgent written meanwhile not left behind it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlmodel import col, func, select

from bot.outbox.deliverers import Outgoing
from bot.outbox.delivery import Delivery
from bot.runtime import Runtime
from bot.scheduler import Ticker
from storage.addresses import CAIO
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import Priority, pending_count
from tests.bot.outbox.helpers import Recorder, outbox_row, queue, registry
from tests.bot.outbox.test_priority_and_pacing import queue_broadcast
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT

BATCH = 10


class SelfPaced(Recorder):
    """Takes `batch_size` at a time; each call takes a little while; counts calls in flight."""

    batch_size = BATCH

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.runtime = runtime
        self.in_flight = self.most_in_flight = 0
        self.on_first: Any = None
        self.first_done = asyncio.Event()
        self.first_running = False

    async def deliver(self, message: Outgoing) -> str:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.005)
            ref = await super().deliver(message)
        finally:
            self.in_flight -= 1
        if self.on_first is not None:
            # The rest of the batch is out only once the first one's write is done: else,
            # on a busy machine, half the batch could be out (and the next claimed) before it.
            if not self.first_done.is_set() and not self.first_running:
                self.first_running = True
                await self.on_first()
                self.first_done.set()
            else:
                await self.first_done.wait()
        return ref


async def test_a_broadcast_goes_in_concurrent_batches_each_message_once(runtime: Runtime) -> None:
    await queue_broadcast(runtime, 95)
    platform = SelfPaced(runtime)
    reported: list[int] = []

    async def progress(session: Any, broadcast_id: int) -> None:
        reported.append(broadcast_id)

    delivery = Delivery(runtime.sessions, registry(local=platform), progress=progress)
    assert await delivery.run_once(utcnow()) == 95
    keys = [m.key for m in platform.delivered]
    assert len(keys) == 95 and len(set(keys)) == 95
    assert platform.most_in_flight == BATCH  # concurrent, never more than a batch
    assert len(reported) == 10  # once per recorded batch (9 of ten, one of five), not per message
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 0
    row = await outbox_row(runtime, keys[-1])
    assert row.sent_at is not None and row.attempts == 1 and row.lease is None


async def test_an_urgent_message_written_mid_broadcast_goes_in_the_next_batch(
    runtime: Runtime,
) -> None:
    await queue_broadcast(runtime, 60)
    platform = SelfPaced(runtime)

    async def serious_case() -> None:
        await queue(
            runtime,
            "report:9:caio",
            "caio",
            "重大なケース",
            utcnow() - timedelta(seconds=5),  # due at once, whatever the clocks
            address=CAIO,
            priority=Priority.URGENT,
        )

    platform.on_first = serious_case
    delivery = Delivery(runtime.sessions, registry(local=platform))
    assert await delivery.run_once(utcnow()) == 61
    keys = [m.key for m in platform.delivered]
    # Written while the first batch was out: in the second batch (posted concurrently, in
    # any order within it), not after the 60.
    assert BATCH <= keys.index("report:9:caio") < 2 * BATCH


async def test_a_wake_up_delivers_without_waiting_for_the_tick(runtime: Runtime) -> None:
    """A turn that wrote to the outbox wakes delivery: it goes out now, not at the next tick
    (an hour away here)."""
    ticker = Ticker(runtime, 3600)
    ticker.start()
    try:
        await asyncio.sleep(0.5)  # the first tick (at start) is over
        await queue(runtime, "answer:1", "yamada", "受け付けました", utcnow())
        assert (await outbox_row(runtime, "answer:1")).sent_at is None
        runtime.delivery.wake()
        for _ in range(50):
            await asyncio.sleep(0.1)
            if (await outbox_row(runtime, "answer:1")).sent_at is not None:
                break
        assert (await outbox_row(runtime, "answer:1")).sent_at is not None
    finally:
        await ticker.stop()


async def test_a_turn_with_effects_wakes_delivery_and_one_without_leaves_it_asleep(
    runtime: Runtime,
) -> None:
    """Only effects write to the outbox: a turn that just answers (the menu) leaves delivery
    asleep instead of sending it to look for work, one that applied an effect wakes it."""
    wakes: list[str] = []
    assert runtime.delivery is not None
    runtime.delivery.wake = lambda: wakes.append("woken")  # type: ignore[method-assign]
    chat = Chat(runtime, "wake-test", "若井 健")
    await chat.say("メニュー")
    await chat.say("ヘルプ")
    assert wakes == []
    await chat.say("English please")  # the locale is an effect
    assert wakes == ["woken"]


class WatchesTheNextBatch(SelfPaced):
    """The last post of the first batch looks (for up to two seconds) whether the next
    batch is already leased: the platform's pace should never wait for a claim."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.started = 0
        self.leased_while_out = 0

    async def deliver(self, message: Outgoing) -> str:
        self.started += 1
        if self.started == BATCH:
            for _ in range(200):
                self.leased_while_out = await leased_unsent(self.runtime)
                if self.leased_while_out >= 2 * BATCH:
                    break
                await asyncio.sleep(0.01)
        return await super().deliver(message)


async def leased_unsent(runtime: Runtime) -> int:
    async with transaction(runtime.sessions) as session:
        statement = select(func.count()).where(
            col(OutboxMessage.lease).is_not(None), col(OutboxMessage.sent_at).is_(None)
        )
        return int((await session.exec(statement)).one())


async def test_the_next_batch_is_claimed_while_one_is_still_out(runtime: Runtime) -> None:
    await queue_broadcast(runtime, 3 * BATCH)
    platform = WatchesTheNextBatch(runtime)
    delivery = Delivery(runtime.sessions, registry(local=platform))
    assert await delivery.run_once(utcnow()) == 3 * BATCH
    assert platform.leased_while_out == 2 * BATCH  # this batch and the next, not one alone
    assert platform.most_in_flight == BATCH  # posting stays one batch at a time
    keys = [m.key for m in platform.delivered]
    assert len(set(keys)) == 3 * BATCH
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 0
    assert await leased_unsent(runtime) == 0

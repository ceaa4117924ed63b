"""Priority and pacing: a serious case to the CAIO goes before a broadcast to everyone, and a
platform that asks to slow down (429 Retry-After) pauses its own lane — one channel kind in
one tenant — and nothing else.

The clock is fake (tests.bot.outbox.helpers.FakeClock): a broadcast paced at one message a
second takes no real time, and the waits are there to read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.outbox.deliverers import LocalDeliverer, Outgoing, RetryAfter
from bot.outbox.delivery import Delivery
from bot.runtime import Runtime
from storage.addresses import CAIO, InThread, MailAddress, PersonAddress
from storage.db import transaction
from storage.models import Broadcast, utcnow
from storage.outbox import enqueue
from storage.tenants import add_tenant
from tests.bot.outbox.helpers import FakeClock, Recorder, as_utc, outbox_row, queue, registry
from tests.conftest import SAMPLE_TENANT
from tests.dialogs.test_risk_report import Case, Persona, file_report

STAFF = 5000


async def queue_broadcast(runtime: Runtime, people: int) -> None:
    """A guideline version's notice to `people` staff, as publishing queues it."""
    async with transaction(runtime.sessions) as session:
        broadcast = Broadcast(
            tenant_id=SAMPLE_TENANT,
            kind="guideline:2.0",
            started_by_channel="local",
            started_by="sato",
            total=people,
        )
        session.add(broadcast)
        await session.flush()
        for n in range(people):
            await enqueue(
                session,
                SAMPLE_TENANT,
                key=f"guideline:2:local:staff{n:04d}",
                channel="local",
                address=PersonAddress(f"staff{n:04d}"),
                body={"type": "text", "text": "ガイドラインが Ver2.0 に改定されました"},
                broadcast_id=broadcast.id,
            )


class FilesASeriousCaseMidway(Recorder):
    """Posts as the local channel; after the third message of the broadcast, a member of
    staff files a serious case (a whole conversation, while the delivery holds nothing)."""

    def __init__(self, runtime: Runtime, clock: FakeClock) -> None:
        super().__init__(runtime)
        self.runtime, self.clock = runtime, clock
        self.filed_at: float | None = None

    async def deliver(self, message: Outgoing) -> str:
        ref = await super().deliver(message)
        if len(self.delivered) == 3:
            await file_report(Persona(self.runtime, "yamada"), Case(category="偏見・差別的な出力"))
            self.filed_at = self.clock()
        return ref


async def test_a_serious_case_for_the_caio_passes_a_broadcast_to_5000_staff(
    runtime: Runtime,
) -> None:
    await queue_broadcast(runtime, STAFF)
    clock = FakeClock()
    platform = FilesASeriousCaseMidway(runtime, clock)
    # Slack's pace: about one message a second. The broadcast alone would take 5000 s.
    delivery = Delivery(
        runtime.sessions,
        registry(local=(platform, 1.0), email=LocalDeliverer(runtime.sessions)),
        batch=12,
        clock=clock,
        sleep=clock.sleep,
    )
    await delivery.run_once(utcnow() + timedelta(minutes=1))

    order = [m.address for m in platform.delivered]
    assert all(isinstance(a, PersonAddress) for a in order[:3])  # the broadcast had begun
    # The very next message is the serious case, in the CAIO's channel...
    assert order[3] == CAIO
    assert platform.filed_at is not None
    assert clock() - platform.filed_at <= 12  # a few seconds of pace, not an hour and more
    # ...then the report's thread in the policy division's channel, then the broadcast again.
    assert isinstance(order[4], InThread) and order[4].opens
    assert all(isinstance(a, PersonAddress) for a in order[6:])
    assert clock.slept and max(clock.slept) <= 1.0  # one message a second, no more


class Throttled(Recorder):
    """Answers 429 with Retry-After: 30 to the first message of tenant `tenant_id`."""

    def __init__(self, runtime: Runtime, tenant_id: str) -> None:
        super().__init__(runtime)
        self.tenant_id = tenant_id
        self.refused: list[str] = []

    async def deliver(self, message: Outgoing) -> str:
        if message.tenant_id == self.tenant_id and not self.refused:
            self.refused.append(message.key)
            raise RetryAfter(30)
        return await super().deliver(message)


async def test_retry_after_pauses_its_own_lane_only_and_is_not_a_failed_attempt(
    runtime: Runtime,
) -> None:
    async with transaction(runtime.sessions) as session:
        await add_tenant(session, "momo-town", "もも町", {})
    start = utcnow() + timedelta(seconds=1)
    for n in range(3):
        await queue(runtime, f"sakura-{n}", f"staff{n}", "お知らせ", start)
        await queue(runtime, f"momo-{n}", f"staff{n}", "お知らせ", start, tenant_id="momo-town")
    await queue(
        runtime, "mail", "", "メール", start, channel="email", address=MailAddress("a@b.example")
    )
    clock = FakeClock()
    platform = Throttled(runtime, SAMPLE_TENANT)
    mailbox = Recorder(runtime)
    delivery = Delivery(
        runtime.sessions,
        registry(local=platform, email=mailbox),
        max_attempts=1,  # a 429 must not count: with one attempt allowed, it would be dead
        clock=clock,
        sleep=clock.sleep,
    )
    assert await delivery.run_once(start) == 4

    # The other tenant on the same platform, and the mail, went out; this tenant waits.
    assert sorted(m.key for m in platform.delivered) == ["momo-0", "momo-1", "momo-2"]
    assert [m.key for m in mailbox.delivered] == ["mail"]
    throttled = await outbox_row(runtime, "sakura-0")
    assert (throttled.attempts, throttled.dead_at, throttled.sent_at) == (0, None, None)
    assert as_utc(throttled.next_attempt_at) >= start + timedelta(seconds=30)
    assert "30" in throttled.last_error

    # Ten seconds on, the lane is still paused: nothing of it is tried.
    clock.now += 10
    assert await delivery.run_once(start + timedelta(seconds=10)) == 0
    assert platform.refused == ["sakura-0"]
    # After the pause, all three go, the throttled one first.
    clock.now += 21
    assert await delivery.run_once(start + timedelta(seconds=31)) == 3
    assert [m.key for m in platform.delivered[3:]] == ["sakura-0", "sakura-1", "sakura-2"]


class TakesTime(Recorder):
    """Posts as the local channel; each call takes `seconds` on the fake clock (the
    platform's answer and the network)."""

    def __init__(self, runtime: Runtime, clock: FakeClock, seconds: float) -> None:
        super().__init__(runtime)
        self.clock, self.seconds = clock, seconds

    async def deliver(self, message: Outgoing) -> str:
        self.clock.now += self.seconds
        return await super().deliver(message)


async def test_a_paced_broadcast_keeps_the_platforms_pace_for_the_whole_pass(
    runtime: Runtime,
) -> None:
    """50 messages a second allowed, each call taking 5 ms: a pass (10 s) sends 500 messages
    spaced 20 ms start to start, not 100 and then nothing until the next tick, and not 25 ms
    apart (the pace counted after each call's own time)."""
    await queue_broadcast(runtime, 700)
    clock = FakeClock()
    platform = TakesTime(runtime, clock, 0.005)
    paced = Delivery(
        runtime.sessions, registry(local=(platform, 50.0)), clock=clock, sleep=clock.sleep
    )
    started = clock()
    sent = await paced.run_once(utcnow() + timedelta(minutes=1))
    assert 499 <= sent <= 501  # ten seconds' worth at 50 a second
    assert clock() - started == pytest.approx(10.0, abs=0.05)
    assert clock.slept == pytest.approx([0.015] * (sent - 1))
    # The next pass goes on with the rest, each once.
    assert await paced.run_once(utcnow() + timedelta(minutes=2)) == 700 - sent
    keys = [m.key for m in platform.delivered]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 700

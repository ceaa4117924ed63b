"""Delivering the outbox: claim, call the platform with nothing held, record the outcome.

Each message goes through three steps: a short transaction claims it by a lease (the most
urgent due messages of its lane first; a batch at once for a deliverer that paces itself),
the deliverer posts it with no transaction open and no lock held (on SQLite the write lock
would keep every turn waiting for the platform), and a second short transaction records the
outcome — sent with the platform's reference, or failed at the time it failed (the backoff
counts from then), or dead after `max_attempts`. A process that dies mid-call leaves a
lease that expires: the message is due
again (at-least-once, see bot.outbox.deliverers).

A lane is one channel kind in one tenant (a platform's rate limits are per workspace or per
tenant): lanes run side by side, each paced on its own, so a mail server that hangs holds
back its own mail only, and a paced broadcast holds back nothing more urgent than itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.claims import Claimed, Outcome, Result, batch_size, from_row
from bot.outbox.deliverers import DelivererRegistry, Later, Outgoing, RetryAfter, Undeliverable
from storage.addresses import InThread
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import (
    Lane,
    claim_due,
    due_lanes,
    record_failed,
    record_later,
    record_sent_many,
    record_thread,
    release,
    thread_ref,
)

log = logging.getLogger(__name__)

# A reply whose thread is not posted yet looks again this soon (it is not a failed attempt).
THREAD_WAIT = timedelta(seconds=5)
# A lane stops claiming after this long in one pass, so the tick that runs the pass comes
# round again (reminders, lanes with new messages); the Ticker starts the next one at once.
PASS_SECONDS = 10.0


class ProgressReporter(Protocol):
    """Called when a message of a broadcast was sent, in the transaction recording it."""

    async def __call__(self, session: AsyncSession, broadcast_id: int) -> None: ...


class DeadLetterHandler(Protocol):
    """Called when a message is dead, in the transaction recording it."""

    async def __call__(self, session: AsyncSession, message: OutboxMessage) -> None: ...


def observe(outcome: Outcome, message: Outgoing) -> None:
    """Every outcome passes here: the one place a metrics module hooks in (counters per
    outcome and channel kind). Ids only, never a body."""
    log.debug("outbox %s %s on %s", message.id, outcome, message.channel)


class Delivery:
    """Runs delivery passes; several replicas may run passes at once (leases keep them off
    each other's messages)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: DelivererRegistry,
        *,
        batch: int | None = None,
        pass_seconds: float = PASS_SECONDS,
        max_attempts: int = 10,
        lease_seconds: float = 300.0,
        progress: ProgressReporter | None = None,
        on_dead: DeadLetterHandler | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observer: Callable[[Outcome, Outgoing], None] = observe,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.batch = batch
        self.pass_seconds = pass_seconds
        self.max_attempts = max_attempts
        self.lease_for = timedelta(seconds=lease_seconds)
        self.progress = progress
        self.on_dead = on_dead
        self.clock, self.sleep, self.observer = clock, sleep, observer
        # Per lane, on `clock`: when the next message may go (pace), and a platform's pause.
        self._ready_at: dict[Lane, float] = {}
        self._paused_until: dict[Lane, float] = {}
        # Lanes a pass of this process is delivering now: a second pass (a wake-up beside
        # the tick) leaves them to it, so one lane never runs twice over its own pace.
        self._running: set[Lane] = set()
        self._wanted = asyncio.Event()

    def wake(self) -> None:
        """Something may have been written to the outbox (a turn ended): the waiting
        `wanted` returns, so it goes out now rather than at the next tick."""
        self._wanted.set()

    async def wanted(self) -> None:
        await self._wanted.wait()
        self._wanted.clear()

    async def run_once(
        self, now: datetime | None = None, *, channels: frozenset[str] | None = None
    ) -> int:
        """Deliver what is due (in `channels` only, if given): each lane until it has
        nothing due, `batch` messages (if set) or `pass_seconds` on `clock` have gone; the
        number sent. `now` is the pass's start on the database's clock; the pass's time
        moves on from there as `clock` does, so a failure is stamped when it happened."""
        start, started = now or utcnow(), self.clock()

        def moment() -> datetime:
            return start + timedelta(seconds=self.clock() - started)

        async with transaction(self.sessions) as session:
            lanes = [
                lane
                for lane in await due_lanes(session, start, channels)
                if lane not in self._running
            ]
        until = started + self.pass_seconds
        tasks = [asyncio.ensure_future(self._run_lane(lane, moment, until)) for lane in lanes]
        try:
            counts = await asyncio.gather(*tasks)
        except BaseException:
            # One lane stopped the pass (cancelled: the process is stopping): stop the others
            # too, each giving back what it holds, before saying so.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return sum(counts)

    async def _run_lane(self, lane: Lane, moment: Callable[[], datetime], until: float) -> int:
        """A paced lane is kept busy for the whole pass: a count per pass would leave it idle
        from its last message until the next tick (100 messages at 50/s, then 8 s of
        nothing), far below the pace the platform allows.

        A deliverer that paces itself (`batch_size` above 1: Slack) gets a batch at a time,
        claimed in one transaction, posted concurrently (its own pacer keeps the platform's
        limits) and recorded in one transaction. The next batch is claimed once half of
        this one is out, and this one recorded while the next is posted, so the platform's
        pace never waits for the database; a batch is about a second at its pace, so
        something more urgent written meanwhile waits no longer than about two."""
        self._running.add(lane)
        try:
            return await self._deliver_lane(lane, moment, until)
        finally:
            self._running.discard(lane)

    async def _deliver_lane(self, lane: Lane, moment: Callable[[], datetime], until: float) -> int:
        sent = 0
        rate = self.registry.per_second(lane.channel)
        size = 1 if rate else batch_size(self.registry.get(lane.channel))
        left = self.batch
        ahead: asyncio.Future[list[Claimed]] | None = None
        recording: asyncio.Future[None] | None = None

        def may_claim() -> bool:
            return self.clock() < until and self._paused_until.get(lane, 0.0) <= self.clock()

        def amount() -> int:
            return size if left is None else min(size, left)

        def claim_ahead() -> None:
            nonlocal ahead
            if ahead is None and (left is None or left > 0) and may_claim():
                ahead = asyncio.ensure_future(self._claim(lane, moment(), amount()))

        try:
            claimed = await self._claim(lane, moment(), amount()) if may_claim() else []
            while claimed:
                if left is not None:
                    left -= len(claimed)
                wait = self._ready_at.get(lane, 0.0) - self.clock()
                if wait > 0:
                    await self.sleep(wait)  # keeping to the pace holds no lock, only the lease
                began = self.clock()
                results = await self._attempt_all(
                    lane, claimed, moment, claim_ahead if size > 1 else None
                )
                if recording is not None:
                    await recording  # one record at a time, in the order they were sent
                recording = asyncio.ensure_future(self._record_sent(claimed, results))
                for one, result in zip(claimed, results, strict=True):
                    self.observer(result.outcome, one.message)
                sent += sum(1 for result in results if result.outcome == "sent")
                if rate and any(r.outcome in ("sent", "failed", "dead") for r in results):
                    # From the start of this call: the call's own time is part of the interval.
                    self._ready_at[lane] = began + 1 / rate
                claimed = []
                if ahead is not None:
                    claimed = await asyncio.shield(ahead)  # stopping now gives it back
                    ahead = None
                if claimed and self._paused_until.get(lane, 0.0) > self.clock():
                    await self._give_back(claimed)  # the platform asked to wait
                    claimed = []
                if not claimed and (left is None or left > 0) and may_claim():
                    # What this batch's record lets go next (a reply once its thread is
                    # posted) is seen only after the record.
                    await recording
                    claimed = await self._claim(lane, moment(), amount())
        finally:
            if ahead is not None:
                await asyncio.shield(self._give_back_ahead(ahead))
            if recording is not None:
                await asyncio.shield(recording)
        return sent

    async def _give_back_ahead(self, ahead: asyncio.Future[list[Claimed]]) -> None:
        """A batch claimed ahead but not posted (the pass stops): due again at once."""
        try:
            claimed = await ahead
        except Exception:  # the claim itself failed: it holds nothing
            log.warning("outbox: a claim ahead failed", exc_info=True)
            return
        await self._give_back(claimed)

    async def _give_back(self, claimed: list[Claimed]) -> None:
        async with transaction(self.sessions) as session:
            for one in claimed:
                await release(session, one.message.id, one.lease)

    async def _claim(self, lane: Lane, now: datetime, size: int) -> list[Claimed]:
        """The lane's next messages, leased; a reply whose thread is not posted yet is put
        back for a short while (not a failed attempt) and others taken."""
        while True:
            async with transaction(self.sessions) as session:
                rows = await claim_due(session, lane, now, self.lease_for, size)
                if not rows:
                    return []
                claimed: list[Claimed] = []
                for row in rows:
                    assert row.id is not None and row.lease is not None
                    thread: str | None = None
                    if row.thread_key and not row.opens_thread:
                        found = await thread_ref(session, row.tenant_id, row.thread_key)
                        if found is None:
                            await record_later(
                                session,
                                row.id,
                                row.lease,
                                now + THREAD_WAIT,
                                "waiting for its thread",
                            )
                            continue
                        thread = found.ref
                    claimed.append(from_row(row, thread))
            if claimed:
                return claimed

    async def _attempt_all(
        self,
        lane: Lane,
        claimed: list[Claimed],
        moment: Callable[[], datetime],
        claim_ahead: Callable[[], None] | None = None,
    ) -> list[Result]:
        """Post a batch concurrently; once half of it is out, `claim_ahead` may claim the
        next. The caller records the outcome. Stopping
        midway still records what the platform already accepted (shielded), so only the
        posts in flight at that moment may go twice (at-least-once)."""
        if len(claimed) == 1:
            if claim_ahead is not None:
                claim_ahead()
            return [await self._attempt(lane, claimed[0], moment)]
        tasks = [asyncio.ensure_future(self._attempt(lane, one, moment)) for one in claimed]
        if claim_ahead is not None:
            half, done = max(1, len(tasks) // 2), 0

            def counted(task: asyncio.Future[Result]) -> None:
                nonlocal done
                if task.cancelled():
                    return  # stopping: nothing more is claimed
                done += 1
                if done == half:
                    claim_ahead()

            for task in tasks:
                task.add_done_callback(counted)
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            finished = [
                (one, task.result())
                for one, task in zip(claimed, tasks, strict=True)
                if task.done() and not task.cancelled() and task.exception() is None
            ]
            await asyncio.shield(
                self._record_sent([one for one, _ in finished], [o for _, o in finished])
            )
            raise

    async def _record_sent(self, claimed: list[Claimed], results: list[Result]) -> None:
        """The sent ones of a batch, their threads' references and each broadcast's
        progress: one transaction."""
        paired = list(zip(claimed, results, strict=True))
        sent = [(one, r) for one, r in paired if r.outcome == "sent"]
        later = [(one, r) for one, r in paired if r.outcome == "waiting" and r.at is not None]
        if not sent and not later:
            return
        async with transaction(self.sessions) as session:
            for one, result in later:
                assert result.at is not None
                await record_later(session, one.message.id, one.lease, result.at, result.ref)
            await record_sent_many(
                session, [(one.message.id, r.at or utcnow(), r.ref) for one, r in sent]
            )
            for one, result in sent:
                message = one.message
                address = message.address
                if isinstance(address, InThread) and address.opens:
                    await record_thread(
                        session, message.tenant_id, address.key, message.channel, result.ref
                    )
            broadcasts = sorted({one.broadcast_id for one, _ in sent if one.broadcast_id})
            if self.progress is not None and broadcasts:
                await session.flush()
                for broadcast_id in broadcasts:
                    await self.progress(session, broadcast_id)

    async def _attempt(
        self, lane: Lane, claimed: Claimed, moment: Callable[[], datetime]
    ) -> Result:
        message = claimed.message
        deliverer = self.registry.get(message.channel)
        try:
            if deliverer is None:
                raise LookupError(f"no deliverer for {message.channel}")
            # Well inside the lease: a call still running when the lease expires could be
            # claimed and sent by another replica too.
            timeout = self.lease_for.total_seconds() / 2
            ref = await asyncio.wait_for(deliverer.deliver(message), timeout)
        except Later as later:  # recorded with the batch
            return Result("waiting", str(later), moment() + timedelta(seconds=later.seconds))
        except RetryAfter as pause:
            self._paused_until[lane] = self.clock() + pause.seconds
            at = moment() + timedelta(seconds=pause.seconds)
            async with transaction(self.sessions) as session:
                await record_later(session, message.id, claimed.lease, at, str(pause))
            log.warning("outbox %s: %s is throttled for %g s", message.id, lane, pause.seconds)
            return Result("throttled")
        except asyncio.CancelledError:
            # Stopping mid-call: give the message back so it is due at once, not after the
            # lease (it may have reached the platform: at-least-once).
            await asyncio.shield(self._release(claimed))
            raise
        except Undeliverable as gone:  # retrying cannot help: dead now, rerouted by on_dead
            return Result(await self._failed(claimed, moment(), gone, last=True))
        except Exception as error:  # the platform is down or refused: try again later
            return Result(await self._failed(claimed, moment(), error))
        return Result("sent", ref, moment())

    async def _failed(
        self, claimed: Claimed, failed_at: datetime, error: Exception, *, last: bool = False
    ) -> Outcome:
        message = claimed.message
        # The error's type only: a platform's message may quote what was sent.
        kind = type(error).__name__
        limit = 0 if last else self.max_attempts
        async with transaction(self.sessions) as session:
            row = await record_failed(
                session, message.id, claimed.lease, failed_at, f"{kind}: {error}", limit
            )
            dead = row is not None and row.dead_at is not None
            if dead and row is not None and self.on_dead is not None:
                await self.on_dead(session, row)
        if dead:
            log.warning(
                "outbox %s (%s) is dead after %d attempts; last error: %s",
                message.id,
                message.key,
                row.attempts if row is not None else self.max_attempts,
                kind,
            )
            return "dead"
        log.info("delivery of outbox %s failed (%s); it is retried later", message.id, kind)
        return "failed"

    async def _release(self, claimed: Claimed) -> None:
        async with transaction(self.sessions) as session:
            await release(session, claimed.message.id, claimed.lease)

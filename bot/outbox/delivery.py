"""Delivering the outbox: each message to its channel, paced, retried with backoff.

A deliverer per channel turns an outbox message into a post. The local channel's deliverer
writes the post in the same transaction that marks the message sent, so it is delivered
exactly once; remote platforms (Slack, Teams) add their own deliverers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import transaction
from storage.models import Broadcast, OutboxMessage, Person, utcnow
from storage.outbox import (
    claim_due,
    enqueue,
    mark_failed,
    mark_sent,
    record_thread,
    sent_count,
    thread_ref,
)
from storage.posts import add_post

log = logging.getLogger(__name__)


class Deliverer(Protocol):
    async def deliver(
        self, session: AsyncSession, message: OutboxMessage, thread: str | None
    ) -> str:
        """Post the message (inside `thread` when given); its reference on the channel.
        Raise to have it retried later."""


class ProgressReporter(Protocol):
    """Called after a pass for each broadcast that had messages sent in it."""

    async def __call__(self, session: AsyncSession, broadcast_id: int) -> None: ...


class ProgressBody(Protocol):
    def __call__(self, broadcast: Broadcast, sent: int, locale: str | None) -> dict[str, Any]: ...


class LocalDeliverer:
    """The local channel: a person's messages and the shared channels are posts in the db."""

    async def deliver(
        self, session: AsyncSession, message: OutboxMessage, thread: str | None
    ) -> str:
        parent = int(thread) if thread else None
        post = await add_post(session, message.tenant_id, message.target, message.body, parent)
        return str(post.id)


class Delivery:
    """Runs one delivery pass at a time; several replicas may run passes concurrently."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliverers: Mapping[str, Deliverer],
        *,
        per_second: Mapping[str, float],
        batch: int = 100,
        progress: ProgressReporter | None = None,
    ) -> None:
        self.sessions = sessions
        self.deliverers = deliverers
        self.per_second = per_second
        self.batch = batch
        self.progress = progress

    async def run_once(self, now: datetime | None = None) -> int:
        """Deliver what is due, one message per transaction; the number sent.

        One at a time: a crash loses at most the message being sent (a remote platform may
        then see it twice, the local channel never), progress is reported as it happens, and
        the pause that keeps to a platform's rate limit holds no lock (on SQLite, a lock held
        would keep every turn waiting).
        """
        now = now or utcnow()
        sent = 0
        for _ in range(self.batch):
            async with transaction(self.sessions) as session:
                claimed = await claim_due(session, now, 1)
                if not claimed:
                    break
                message = claimed[0]
                if not await self._deliver(session, message, now):
                    continue
                sent += 1
                if self.progress is not None and message.broadcast_id is not None:
                    await session.flush()
                    await self.progress(session, message.broadcast_id)
                channel = message.channel
            # Stay under the platform's rate limit (e.g. about one message a second).
            rate = self.per_second.get(channel)
            if rate:
                await asyncio.sleep(1 / rate)
        return sent

    async def _deliver(self, session: AsyncSession, message: OutboxMessage, now: datetime) -> bool:
        deliverer = self.deliverers.get(message.channel)
        if deliverer is None:
            mark_failed(session, message, now, f"no deliverer for {message.channel}")
            return False
        thread: str | None = None
        if message.thread_key and not message.opens_thread:
            found = await thread_ref(session, message.tenant_id, message.thread_key)
            if found is None:  # its thread is not posted yet: wait for it
                mark_failed(session, message, now, "waiting for its thread")
                return False
            thread = found.ref
        try:
            async with session.begin_nested():
                ref = await deliverer.deliver(session, message, thread)
        except Exception as error:  # the platform is down: try again later
            log.warning("delivery of outbox %s failed: %s", message.id, error)
            mark_failed(session, message, now, str(error))
            return False
        if message.opens_thread and message.thread_key:
            await record_thread(
                session, message.tenant_id, message.thread_key, message.channel, ref
            )
        mark_sent(session, message, now)
        return True


async def report_progress(
    session: AsyncSession,
    broadcast_id: int,
    body_for: ProgressBody,
) -> None:
    """Tell whoever started a broadcast how far it is: each quarter, and when it is done."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.finished_at is not None:
        return
    sent = await sent_count(session, broadcast_id)
    # Once per quarter reached (25 %, 50 %, 75 %), and once when everyone has it.
    total = max(1, broadcast.total)
    if sent < broadcast.total and sent * 4 // total <= broadcast.reported * 4 // total:
        return
    starter = await session.get(
        Person, (broadcast.tenant_id, broadcast.started_by_channel, broadcast.started_by)
    )
    await enqueue(
        session,
        broadcast.tenant_id,
        key=f"broadcast:{broadcast_id}:progress:{sent}",
        channel=broadcast.started_by_channel,
        target=f"user:{broadcast.started_by}",
        body=body_for(broadcast, sent, starter.locale if starter else None),
    )
    broadcast.reported = sent
    if sent >= broadcast.total:
        broadcast.finished_at = utcnow()
    session.add(broadcast)

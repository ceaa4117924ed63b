"""What the outbox tests share: a fake clock for pacing, platforms that fail in set ways, and
reading back what was queued and delivered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from bot.outbox.deliverers import DelivererRegistry, LocalDeliverer, Outgoing
from bot.runtime import Runtime
from storage.addresses import Address, PersonAddress
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import Priority, enqueue
from storage.posts import Thread
from tests.conftest import SAMPLE_TENANT


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC; PostgreSQL an aware time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class FakeClock:
    """A monotonic clock that moves only when the delivery sleeps: a pass paced at one
    message a second through thousands of messages runs in a moment, and what it waited is
    there to read."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Recorder:
    """A platform that posts as the local channel does and remembers what it was given."""

    def __init__(self, runtime: Runtime) -> None:
        self.local = LocalDeliverer(runtime.sessions)
        self.delivered: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> str:
        ref = await self.local.deliver(message)
        self.delivered.append(message)
        return ref


def registry(**deliverers: Any) -> DelivererRegistry:
    """`local=Recorder(...)`, with an optional pace: `local=(deliverer, 1.0)`."""
    found = DelivererRegistry()
    for kind, given in deliverers.items():
        deliverer, pace = given if isinstance(given, tuple) else (given, 0.0)
        found.add(kind, deliverer, per_second=pace)
    return found


async def queue(
    runtime: Runtime,
    key: str,
    user: str,
    text: str,
    at: datetime,
    *,
    address: Address | None = None,
    channel: str = "local",
    tenant_id: str | None = None,
    priority: Priority | None = None,
) -> bool:
    async with transaction(runtime.sessions) as session:
        return await enqueue(
            session,
            tenant_id or SAMPLE_TENANT,
            key=key,
            channel=channel,
            address=address or PersonAddress(user),
            body={"type": "text", "text": text},
            not_before=at,
            priority=priority,
        )


async def outbox_row(runtime: Runtime, key: str) -> OutboxMessage:
    async with transaction(runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.key) == key)
        return (await session.exec(statement)).one()


async def inbox_texts(runtime: Runtime, user: str) -> list[str]:
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [str(post.body.get("title") or post.body.get("text")) for post in posts]


async def threads(runtime: Runtime, channel_key: str) -> list[Thread]:
    """The threads of a shared channel (or a local mailbox) of the sample municipality."""
    return await (await runtime.town()).threads(channel_key)

"""Writing many outbox messages at once: a broadcast's notice to everyone, everyone's home.

One INSERT … ON CONFLICT DO NOTHING run with many parameter sets per chunk (an executemany:
one prepared statement, pipelined on asyncpg) instead of one ORM object and one round trip
per message, so publishing a version to 5,000 people is a short transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.addresses import Address, columns_of, target_of
from storage.models import OutboxMessage, utcnow
from storage.outbox import Priority

# Parameter sets per executemany: large enough that round trips do not count, small enough
# that one chunk's parameters stay a few megabytes.
CHUNK = 1000


@dataclass(frozen=True)
class NewMessage:
    """One message of many: its idempotency key, where it goes, what it says."""

    key: str
    channel: str
    address: Address
    body: dict[str, Any]


async def enqueue_many(
    session: AsyncSession,
    tenant_id: str,
    messages: Iterable[NewMessage],
    *,
    broadcast_id: int | None = None,
    priority: Priority | None = None,
) -> None:
    """Add the messages, each unless one with its key exists (as `enqueue` does one by one).
    A broadcast's messages are BULK unless said otherwise; anything else NORMAL."""
    if priority is None:
        priority = Priority.BULK if broadcast_id is not None else Priority.NORMAL
    # The model's own defaults (timestamps, counters), once for all rows.
    template = OutboxMessage(
        tenant_id=tenant_id,
        key="",
        channel="",
        target="",
        broadcast_id=broadcast_id,
        priority=int(priority),
    ).model_dump(exclude={"id"})
    template["next_attempt_at"] = utcnow()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
    connection = await session.connection()
    chunk: list[dict[str, Any]] = []
    for message in messages:
        row = {**template, "key": message.key, "channel": message.channel, "body": message.body}
        chunk.append(row | columns_of(message.address))
        if len(chunk) >= CHUNK:
            await connection.execute(statement, chunk)
            chunk = []
    if chunk:
        await connection.execute(statement, chunk)


async def enqueue_many_unless_waiting(
    session: AsyncSession,
    tenant_id: str,
    *,
    kind: str,
    channel: str,
    addresses: Sequence[Address],
    body: dict[str, Any],
    priority: Priority = Priority.NORMAL,
) -> None:
    """`enqueue_unless_waiting` for many addresses of one channel: one message of `kind` for
    each address that has none still waiting unclaimed. The waiting rows are locked as
    there, so a delivery cannot claim one before this transaction commits."""
    now = utcnow()
    waiting = (
        select(OutboxMessage.target)
        .where(
            OutboxMessage.tenant_id == tenant_id,
            OutboxMessage.channel == channel,
            col(OutboxMessage.key).startswith(f"{kind}:", autoescape=True),
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.dead_at).is_(None),
            col(OutboxMessage.leased_until).is_(None) | (col(OutboxMessage.leased_until) <= now),
        )
        .with_for_update()
    )
    held = set((await session.exec(waiting)).all())
    wanted: dict[str, Address] = {}
    for address in addresses:
        target = target_of(address)
        if target not in held:
            wanted.setdefault(target, address)
    await enqueue_many(
        session,
        tenant_id,
        (
            NewMessage(f"{kind}:{uuid.uuid4().hex}", channel, address, body)
            for address in wanted.values()
        ),
        priority=priority,
    )

"""The outbox: messages written with the change they tell of, delivered until sent.

Claiming uses FOR UPDATE SKIP LOCKED on PostgreSQL, so several replicas delivering at once
never take the same message; SQLite has one writer at a time (BEGIN IMMEDIATE) anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, ThreadRef, utcnow
from storage.upsert import insert_if_absent

MAX_BACKOFF = timedelta(hours=1)


async def enqueue(
    session: AsyncSession,
    tenant_id: str,
    *,
    key: str,
    channel: str,
    target: str,
    body: dict[str, Any],
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
    thread_key: str | None = None,
    opens_thread: bool = False,
) -> bool:
    """Add a message unless one with this key exists (one event, one message).

    `thread_key` names a thread: the message with `opens_thread` starts it; the others are
    posted as replies inside it.
    """
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "key": key,
        "channel": channel,
        "target": target,
        "body": body,
        "broadcast_id": broadcast_id,
        "thread_key": thread_key,
        "opens_thread": opens_thread,
        "attempts": 0,
        "last_error": "",
    }
    if not_before is not None:
        values["next_attempt_at"] = not_before
    row = OutboxMessage(**values)
    return await insert_if_absent(session, OutboxMessage, **row.model_dump(exclude={"id"}))


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    """Messages due for a delivery attempt, locked for this transaction."""
    statement = (
        select(OutboxMessage)
        .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.next_attempt_at) <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


def mark_sent(session: AsyncSession, message: OutboxMessage, now: datetime) -> None:
    message.sent_at = now
    message.attempts += 1
    session.add(message)


def mark_failed(session: AsyncSession, message: OutboxMessage, now: datetime, error: str) -> None:
    """Try again later: 2, 4, 8 … seconds after each failure, at most an hour."""
    message.attempts += 1
    delay = min(timedelta(seconds=2**message.attempts), MAX_BACKOFF)
    message.next_attempt_at = now + delay
    message.last_error = error[:500]
    session.add(message)


async def sent_count(session: AsyncSession, broadcast_id: int) -> int:
    statement = select(func.count()).where(
        col(OutboxMessage.broadcast_id) == broadcast_id, col(OutboxMessage.sent_at).is_not(None)
    )
    return int((await session.exec(statement)).one())


async def pending_count(session: AsyncSession, tenant_id: str) -> int:
    statement = select(func.count()).where(
        col(OutboxMessage.tenant_id) == tenant_id, col(OutboxMessage.sent_at).is_(None)
    )
    return int((await session.exec(statement)).one())


async def thread_ref(session: AsyncSession, tenant_id: str, thread_key: str) -> ThreadRef | None:
    return await session.get(ThreadRef, (tenant_id, thread_key))


async def record_thread(
    session: AsyncSession, tenant_id: str, thread_key: str, channel: str, ref: str
) -> None:
    await insert_if_absent(
        session,
        ThreadRef,
        tenant_id=tenant_id,
        thread_key=thread_key,
        channel=channel,
        ref=ref,
        created_at=utcnow(),
    )

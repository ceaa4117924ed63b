"""The outbox: messages written with the change they tell of, delivered until sent or dead.

A delivery claims a batch of due messages by a lease in one short transaction
(`claim_due`), calls the platform with no transaction open, then records what happened in
another short transaction (`record_sent_many` for a batch, `record_failed`, …). Claiming
uses FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas delivering at once never take the
same message; SQLite has one writer at a time (BEGIN IMMEDIATE) and holds it only for the
claim or the record, never during the call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.addresses import Address, columns_of
from storage.models import OutboxMessage, ThreadRef, utcnow
from storage.upsert import insert_if_absent

MAX_BACKOFF = timedelta(hours=1)


class Priority(IntEnum):
    """Lower goes first: a serious case to the CAIO before a report's thread and a person's
    own answer, and those before a broadcast to everyone (which may take an hour at a
    platform's pace)."""

    URGENT = 0
    NORMAL = 10
    BULK = 20


async def enqueue(
    session: AsyncSession,
    tenant_id: str,
    *,
    key: str,
    channel: str,
    address: Address,
    body: dict[str, Any],
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
    priority: Priority | None = None,
) -> bool:
    """Add a message unless one with this key exists (one event, one message). A message of
    a broadcast is BULK unless said otherwise; anything else NORMAL."""
    if priority is None:
        priority = Priority.BULK if broadcast_id is not None else Priority.NORMAL
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "key": key,
        "channel": channel,
        **columns_of(address),
        "body": body,
        "broadcast_id": broadcast_id,
        "priority": int(priority),
        "attempts": 0,
        "last_error": "",
    }
    if not_before is not None:
        values["next_attempt_at"] = not_before
    row = OutboxMessage(**values)
    return await insert_if_absent(session, OutboxMessage, **row.model_dump(exclude={"id"}))


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        col(OutboxMessage.sent_at).is_(None),
        col(OutboxMessage.dead_at).is_(None),
        col(OutboxMessage.next_attempt_at) <= now,
        col(OutboxMessage.leased_until).is_(None) | (col(OutboxMessage.leased_until) <= now),
    )


@dataclass(frozen=True, order=True)
class Lane:
    """Messages paced together: one channel kind in one tenant (a Slack workspace, a Teams
    tenant, a municipality's mail)."""

    channel: str
    tenant_id: str


async def due_lanes(
    session: AsyncSession, now: datetime, channels: frozenset[str] | None = None
) -> list[Lane]:
    statement = select(OutboxMessage.channel, OutboxMessage.tenant_id).where(*_due(now))
    if channels is not None:
        statement = statement.where(col(OutboxMessage.channel).in_(channels))
    rows = (await session.exec(statement.distinct())).all()
    return sorted(Lane(channel, tenant) for channel, tenant in rows)


def _first_of_its_thread() -> Any:
    """A message in a thread waits while an earlier one of the same thread is still to be
    sent (failing, waiting out its backoff, or in flight): a thread reads in the order it was
    written, whatever failed on the way. A dead one no longer holds the rest back, and the
    post that opens the thread waits for nothing (a reply written before it waits for it)."""
    earlier = aliased(OutboxMessage)
    return or_(
        col(OutboxMessage.thread_key).is_(None),
        col(OutboxMessage.opens_thread),
        ~exists().where(
            and_(
                earlier.channel == OutboxMessage.channel,
                earlier.tenant_id == OutboxMessage.tenant_id,
                earlier.thread_key == OutboxMessage.thread_key,
                earlier.id < OutboxMessage.id,
                earlier.sent_at.is_(None),
                earlier.dead_at.is_(None),
            )
        ),
    )


async def claim_due(
    session: AsyncSession, lane: Lane, now: datetime, lease_for: timedelta, limit: int = 1
) -> list[OutboxMessage]:
    """Up to `limit` of the lane's due messages, most urgent first, leased until
    `now + lease_for` under one lease token in one UPDATE (a batch costs one transaction,
    not one per message); a message of a thread only once the thread's earlier messages
    are sent, so a batch never holds two messages of one thread."""
    statement = (
        select(OutboxMessage)
        .where(
            *_due(now),
            col(OutboxMessage.channel) == lane.channel,
            col(OutboxMessage.tenant_id) == lane.tenant_id,
            _first_of_its_thread(),
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.id))
        .limit(max(1, limit))
        .with_for_update(skip_locked=True)
    )
    messages = list((await session.exec(statement)).all())
    if not messages:
        return []
    lease, until = uuid.uuid4().hex, now + lease_for
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_([m.id for m in messages]))
        .values(leased_until=until, lease=lease)
        .execution_options(synchronize_session=False)
    )  # type: ignore[call-overload]
    for message in messages:
        message.leased_until, message.lease = until, lease
    return messages


async def claim_next(
    session: AsyncSession, lane: Lane, now: datetime, lease_for: timedelta
) -> OutboxMessage | None:
    """The most urgent due message of the lane, leased (see `claim_due`)."""
    found = await claim_due(session, lane, now, lease_for, 1)
    return found[0] if found else None


def _held(message_id: int, lease: str) -> tuple[Any, ...]:
    return (col(OutboxMessage.id) == message_id, col(OutboxMessage.lease) == lease)


async def record_sent(session: AsyncSession, message_id: int, now: datetime, ref: str) -> None:
    """Sent: recorded whoever holds the lease now (it went out, whatever came after)."""
    await record_sent_many(session, [(message_id, now, ref)])


async def record_sent_many(session: AsyncSession, sent: list[tuple[int, datetime, str]]) -> None:
    """Several sent messages (id, when, the platform's reference) in one statement run
    with many parameter sets (one round trip on asyncpg)."""
    if not sent:
        return
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("message_id"), table.c.sent_at.is_(None))
        .values(
            sent_at=bindparam("at"),
            sent_ref=bindparam("ref"),
            attempts=table.c.attempts + 1,
            leased_until=None,
            lease=None,
        )
    )
    rows = [{"message_id": i, "at": at, "ref": ref[:200]} for i, at, ref in sent]
    await (await session.connection()).execute(statement, rows)


async def record_failed(
    session: AsyncSession,
    message_id: int,
    lease: str,
    failed_at: datetime,
    error: str,
    max_attempts: int,
) -> OutboxMessage | None:
    """A failed attempt: try again 2, 4, 8 … seconds after the failure (at most an hour),
    or, at the `max_attempts`-th failure, the message is dead. The row, None when this
    delivery no longer holds the lease (it expired and another took it)."""
    message = await session.get(OutboxMessage, message_id)
    if message is None or message.lease != lease or message.sent_at is not None:
        return None
    message.attempts += 1
    message.failed_at = failed_at
    message.last_error = error[:500]
    message.leased_until = message.lease = None
    if message.attempts >= max_attempts:
        message.dead_at = failed_at
    else:
        delay = min(timedelta(seconds=2**message.attempts), MAX_BACKOFF)
        message.next_attempt_at = failed_at + delay
    session.add(message)
    return message


async def record_later(
    session: AsyncSession, message_id: int, lease: str, at: datetime, note: str
) -> None:
    """Not an attempt (its thread is not posted yet; the platform asked to wait): due again
    at `at`, attempts unchanged."""
    await session.exec(
        update(OutboxMessage)
        .where(*_held(message_id, lease))
        .values(next_attempt_at=at, last_error=note[:500], leased_until=None, lease=None)
    )  # type: ignore[call-overload]


async def release(session: AsyncSession, message_id: int, lease: str) -> None:
    """Give the lease back (the delivery is stopping): due again at once."""
    await session.exec(
        update(OutboxMessage).where(*_held(message_id, lease)).values(leased_until=None, lease=None)
    )  # type: ignore[call-overload]


async def list_messages(
    session: AsyncSession, *, dead: bool, limit: int = 200
) -> list[OutboxMessage]:
    """Dead messages, or those still waiting to be sent, oldest first."""
    dead_at = col(OutboxMessage.dead_at)
    statement = select(OutboxMessage).where(
        col(OutboxMessage.sent_at).is_(None), dead_at.is_not(None) if dead else dead_at.is_(None)
    )
    return list((await session.exec(statement.order_by(col(OutboxMessage.id)).limit(limit))).all())


async def revive(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """A dead (or failing) message gets a fresh set of attempts, due now; False when there
    is no such unsent message."""
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.sent_at).is_(None))
        .values(dead_at=None, attempts=0, next_attempt_at=now, leased_until=None, lease=None)
    )  # type: ignore[call-overload]
    return bool(result.rowcount)


async def settled_count(session: AsyncSession, broadcast_id: int) -> tuple[int, int]:
    """A broadcast's messages sent, and those dead (never to be sent)."""
    statement = select(
        func.count(col(OutboxMessage.sent_at)), func.count(col(OutboxMessage.dead_at))
    ).where(col(OutboxMessage.broadcast_id) == broadcast_id)
    sent, dead = (await session.exec(statement)).one()
    return int(sent), int(dead)


async def pending_count(session: AsyncSession, tenant_id: str) -> int:
    statement = select(func.count()).where(
        col(OutboxMessage.tenant_id) == tenant_id,
        col(OutboxMessage.sent_at).is_(None),
        col(OutboxMessage.dead_at).is_(None),
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


async def enqueue_unless_waiting(
    session: AsyncSession,
    tenant_id: str,
    *,
    kind: str,
    channel: str,
    address: Address,
    body: dict[str, Any],
    priority: Priority = Priority.NORMAL,
) -> bool:
    """A message of `kind` (its key's first part) for `address`, unless one still waits
    unclaimed: a burst of changes asks once (a person's home redrawn once, showing them all).
    The waiting row is locked (PostgreSQL; SQLite has one writer at a time), so a delivery
    cannot claim it before this transaction commits, and then shows this change too."""
    now = utcnow()
    target = columns_of(address)["target"]
    waiting = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.tenant_id == tenant_id,
            OutboxMessage.channel == channel,
            OutboxMessage.target == target,
            col(OutboxMessage.key).startswith(f"{kind}:", autoescape=True),
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.dead_at).is_(None),
            col(OutboxMessage.leased_until).is_(None) | (col(OutboxMessage.leased_until) <= now),
        )
        .limit(1)
        .with_for_update()
    )
    if (await session.exec(waiting)).first() is not None:
        return False
    key = f"{kind}:{uuid.uuid4().hex}"
    return await enqueue(
        session,
        tenant_id,
        key=key,
        channel=channel,
        address=address,
        body=body,
        priority=priority,
    )


async def due_now(
    session: AsyncSession, tenant_id: str, channel: str, targets: set[str] | None = None
) -> None:
    """A channel's posts waiting (maybe backing off for an hour) for these outbox targets
    (None: all of the municipality's on that channel) are due now: where they can no longer
    go, they are dead-lettered, and mailed where that is the rule, at once, not much later."""
    if targets is not None and not targets:
        return
    statement = update(OutboxMessage).where(
        col(OutboxMessage.tenant_id) == tenant_id,
        col(OutboxMessage.channel) == channel,
        col(OutboxMessage.sent_at).is_(None),
        col(OutboxMessage.dead_at).is_(None),
        col(OutboxMessage.lease).is_(None),
    )
    if targets is not None:
        statement = statement.where(col(OutboxMessage.target).in_(sorted(targets)))
    await session.exec(statement.values(next_attempt_at=utcnow()))  # type: ignore[call-overload]

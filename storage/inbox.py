"""The Slack inbox: an event recorded before it is acknowledged, deleted once answered.

Slack forgets an event once acknowledged; the work after the acknowledgement runs in memory.
So the acknowledgement waits for one short insert here, and a crash after it leaves the row
behind for a restart (or another replica, once the lease has run out) to run again. The
stored event holds what a person typed: it is deleted as soon as the turn is done, is never
logged, and belongs to one tenant (deleted with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UtcDateTime, utcnow

_metadata = sa.MetaData()
inbox = sa.Table(
    "slack_inbox",
    _metadata,
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("lease_until", UtcDateTime(), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    tenant_id: str
    body: dict[str, Any]
    attempts: int


async def record(
    session: AsyncSession, rows: list[tuple[str, str, dict[str, Any]]], lease: timedelta
) -> set[str]:
    """Record (tenant, event id, body) rows in one statement, skipping events already there;
    the ids this call recorded (a Slack retry of an event still in the inbox is then not run a
    second time)."""
    now = utcnow()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {
            "event_id": event_id[:200],
            "tenant_id": tenant_id,
            "body": body,
            "lease_until": now + lease,
            "attempts": 0,
            "created_at": now,
        }
        for tenant_id, event_id, body in rows
    ]
    statement = insert(inbox).values(values).on_conflict_do_nothing().returning(inbox.c.event_id)
    result = await session.exec(statement)  # type: ignore[call-overload]
    return {row.event_id for row in result.all()}


async def done(session: AsyncSession, event_ids: list[str]) -> None:
    ids = [event_id[:200] for event_id in event_ids]
    await session.exec(inbox.delete().where(inbox.c.event_id.in_(ids)))  # type: ignore[call-overload]


async def claim_expired(
    session: AsyncSession, lease: timedelta, limit: int = 50, now: datetime | None = None
) -> list[InboxEvent]:
    """Events whose worker is gone (its lease ran out): leased again to this caller. On
    PostgreSQL SKIP LOCKED keeps two replicas from claiming the same rows."""
    now = now or utcnow()
    statement = (
        sa.select(inbox.c.event_id, inbox.c.tenant_id, inbox.c.body, inbox.c.attempts)
        .where(inbox.c.lease_until < now)
        .order_by(inbox.c.created_at)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    if not rows:
        return []
    ids = [row.event_id for row in rows]
    await session.exec(  # type: ignore[call-overload]
        inbox.update()
        .where(inbox.c.event_id.in_(ids))
        .values(lease_until=now + lease, attempts=inbox.c.attempts + 1)
    )
    return [InboxEvent(r.event_id, r.tenant_id, dict(r.body), r.attempts + 1) for r in rows]

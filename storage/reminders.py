"""Reminders: rows with a due time. Planning is idempotent (a unique key per reminder);
sending claims due rows with FOR UPDATE SKIP LOCKED so each is sent once, whichever replica
ticks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Reminder
from storage.upsert import insert_if_absent


async def plan(
    session: AsyncSession,
    tenant_id: str,
    *,
    key: str,
    channel: str,
    user_id: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """True when this reminder was not planned before."""
    return await insert_if_absent(
        session,
        Reminder,
        tenant_id=tenant_id,
        key=key,
        channel=channel,
        user_id=user_id,
        kind=kind,
        due_at=due_at,
        sent_at=None,
        payload=payload or {},
    )


async def claim_due(
    session: AsyncSession, tenant_id: str, now: datetime, limit: int
) -> list[Reminder]:
    """One municipality's due reminders, locked for this transaction (each is sent with
    that municipality's facts, so they are never claimed across municipalities)."""
    statement = (
        select(Reminder)
        .where(
            col(Reminder.tenant_id) == tenant_id,
            col(Reminder.sent_at).is_(None),
            col(Reminder.due_at) <= now,
        )
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def reminders_for(session: AsyncSession, tenant_id: str, user_id: str) -> list[Reminder]:
    statement = (
        select(Reminder)
        .where(col(Reminder.tenant_id) == tenant_id, col(Reminder.user_id) == user_id)
        .order_by(col(Reminder.id))
    )
    return list((await session.exec(statement)).all())

"""A broadcast's progress, told to whoever started it: each quarter, and when it is done."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.addresses import PersonAddress
from storage.models import Broadcast, Person, utcnow
from storage.outbox import enqueue, sent_count


class ProgressBody(Protocol):
    def __call__(self, broadcast: Broadcast, sent: int, locale: str | None) -> dict[str, Any]: ...


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
        address=PersonAddress(broadcast.started_by),
        body=body_for(broadcast, sent, starter.locale if starter else None),
    )
    broadcast.reported = sent
    if sent >= broadcast.total:
        broadcast.finished_at = utcnow()
    session.add(broadcast)

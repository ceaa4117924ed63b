"""A broadcast's progress, told to whoever started it: each quarter, and when it is done —
every message sent or dead (a dead one is never sent, so waiting for it would never end)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.context import DialogContext
from dialogs.ui import Text
from storage.addresses import PersonAddress
from storage.models import Broadcast, Person, utcnow
from storage.outbox import enqueue, settled_count


class ProgressBody(Protocol):
    def __call__(
        self, broadcast: Broadcast, sent: int, dead: int, locale: str | None
    ) -> dict[str, Any]: ...


async def report_progress(
    session: AsyncSession,
    broadcast_id: int,
    body_for: ProgressBody,
) -> None:
    """Tell whoever started a broadcast how far it is: each quarter, and when it is done."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.finished_at is not None:
        return
    sent, dead = await settled_count(session, broadcast_id)
    settled = sent + dead
    # Once per quarter reached (25 %, 50 %, 75 %), and once when each message is settled.
    total = max(1, broadcast.total)
    if settled < broadcast.total and settled * 4 // total <= broadcast.reported * 4 // total:
        return
    starter = await session.get(
        Person, (broadcast.tenant_id, broadcast.started_by_channel, broadcast.started_by)
    )
    await enqueue(
        session,
        broadcast.tenant_id,
        key=f"broadcast:{broadcast_id}:progress:{sent}:{dead}",
        channel=broadcast.started_by_channel,
        address=PersonAddress(broadcast.started_by),
        body=body_for(broadcast, sent, dead, starter.locale if starter else None),
    )
    broadcast.reported = settled
    if settled >= broadcast.total:
        broadcast.finished_at = utcnow()
    session.add(broadcast)


def progress_body(ctx: DialogContext, broadcast: Broadcast, sent: int, dead: int) -> dict[str, Any]:
    """What the starter is told: how far it is, or that it is over (and who was not reached)."""
    if sent + dead < broadcast.total:
        key = "publish.progress"
    else:
        key = "publish.finished_with_dead" if dead else "publish.finished"
    version = broadcast.kind.removeprefix("guideline:")
    return Text(ctx.t(key, version=version, sent=sent, dead=dead, total=broadcast.total)).to_dict()

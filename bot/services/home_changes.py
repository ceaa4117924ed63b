"""The hook for what changes a person's home: a confirmation, a new guideline version, a
report filed or moved on.

On a channel whose home the bot draws itself and must draw again (Slack's App Home), the
change leaves an outbox item asking for that, in the change's transaction, so the home is
redrawn after the change commits (and after a restart or on another replica too). Changes
in a burst ask once: while an item still waits unclaimed for the person, no other is added,
and the one drawing reads the home as it is by then.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.addresses import PersonAddress
from storage.outbox import Priority, enqueue_unless_waiting
from storage.outbox_bulk import enqueue_many_unless_waiting

# Channels whose home is a surface the bot publishes (Slack's App Home); the others read the
# home when it is shown (the web chat's panel, a Teams welcome card).
REDRAWN_HOMES = frozenset({"slack"})
# The body of the outbox item: draw this person's home again (its deliverer reads it anew).
HOME_CHANGED = "home_changed"


async def home_changed(session: AsyncSession, tenant_id: str, channel: str, user_id: str) -> None:
    if channel not in REDRAWN_HOMES:
        return
    await enqueue_unless_waiting(
        session,
        tenant_id,
        kind="home",
        channel=channel,
        address=PersonAddress(user_id),
        body={"type": HOME_CHANGED},
        priority=Priority.NORMAL,
    )


async def homes_changed(
    session: AsyncSession, tenant_id: str, channel: str, user_ids: list[str]
) -> None:
    """Everyone's home at once (a new guideline version), after what is urgent: one
    statement per chunk of people, not one per person."""
    if channel not in REDRAWN_HOMES or not user_ids:
        return
    await enqueue_many_unless_waiting(
        session,
        tenant_id,
        kind="home",
        channel=channel,
        addresses=[PersonAddress(user_id) for user_id in user_ids],
        body={"type": HOME_CHANGED},
        priority=Priority.BULK,
    )

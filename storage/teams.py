"""Teams conversation references: where the bot can post without being spoken to first.

A person's reference (their personal chat with the bot) is captured on every turn and on
install; a channel's when the app is installed in a team or spoken to there. Proactive
messages (reminders, a report's acknowledgement) and the policy-division / CAIO channel posts
are sent with these.

A reference the bot can no longer post to (its channel deleted, its team archived or deleted,
the app removed) is marked `removed_at` with the reason, not deleted: a post to it is then
known to be undeliverable at once (never retried), and seeing the bot there again (a turn,
the app added again, the team restored) clears the mark.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ThreadRef, UtcDateTime, utcnow

Kind = Literal["user", "channel"]
Removed = Literal["channel_deleted", "team_deleted", "team_archived", "app_removed"]


class TeamsReference(SQLModel, table=True):
    __tablename__ = "teams_reference"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=16)  # user | channel
    key: str = Field(primary_key=True, max_length=200)  # Entra object id, or channel id
    service_url: str = Field(max_length=500)
    conversation_id: str = Field(max_length=500)
    teams_tenant: str = Field(default="", max_length=64)
    bot_id: str = Field(default="", max_length=200)
    team_id: str = Field(default="", max_length=200)
    name: str = Field(default="", max_length=200)
    removed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    removed_why: str = Field(default="", max_length=32)  # one of `Removed`
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


async def save_reference(session: AsyncSession, reference: TeamsReference) -> None:
    """Insert or refresh a reference (service URLs move; the latest one wins)."""
    stored = await session.get(TeamsReference, (reference.tenant_id, reference.kind, reference.key))
    if stored is None:
        session.add(reference)
        return
    changed = False
    for name in ("service_url", "conversation_id", "teams_tenant", "bot_id", "team_id", "name"):
        value = getattr(reference, name)
        if value and getattr(stored, name) != value:
            setattr(stored, name, value)
            changed = True
    if stored.removed_at is not None:  # the bot is seen there again
        stored.removed_at, stored.removed_why = None, ""
        changed = True
    if changed:
        stored.updated_at = utcnow()
        session.add(stored)


async def get_reference(
    session: AsyncSession, tenant_id: str, kind: Kind, key: str
) -> TeamsReference | None:
    return await session.get(TeamsReference, (tenant_id, kind, key))


async def channel_references(session: AsyncSession, tenant_id: str) -> list[TeamsReference]:
    """The channels the bot can post to (those marked removed left out)."""
    statement = (
        select(TeamsReference)
        .where(
            col(TeamsReference.tenant_id) == tenant_id,
            col(TeamsReference.kind) == "channel",
            col(TeamsReference.removed_at).is_(None),
        )
        .order_by(col(TeamsReference.team_id), col(TeamsReference.name))
    )
    return list((await session.exec(statement)).all())


async def mark_removed(
    session: AsyncSession, references: list[TeamsReference], why: Removed
) -> list[TeamsReference]:
    """Mark these references as no longer reachable; the ones newly marked (a retried
    activity marks nothing twice)."""
    marked = []
    now = utcnow()
    for reference in references:
        if reference.removed_at is not None:
            continue
        reference.removed_at, reference.removed_why, reference.updated_at = now, why, now
        session.add(reference)
        marked.append(reference)
    return marked


async def team_references(
    session: AsyncSession, tenant_id: str, team_id: str
) -> list[TeamsReference]:
    """Every kept channel of a team, marked removed or not."""
    statement = select(TeamsReference).where(
        col(TeamsReference.tenant_id) == tenant_id,
        col(TeamsReference.kind) == "channel",
        col(TeamsReference.team_id) == team_id,
    )
    return list((await session.exec(statement)).all())


async def restore_team(
    session: AsyncSession, tenant_id: str, team_id: str, whys: tuple[Removed, ...]
) -> list[TeamsReference]:
    """Clear the marks of a team's channels that were removed for one of `whys` (a channel
    deleted on its own stays removed when the team comes back)."""
    restored = []
    for reference in await team_references(session, tenant_id, team_id):
        if reference.removed_at is not None and reference.removed_why in whys:
            reference.removed_at, reference.removed_why = None, ""
            reference.updated_at = utcnow()
            session.add(reference)
            restored.append(reference)
    return restored


async def thread_of(session: AsyncSession, tenant_id: str, ref: str) -> ThreadRef | None:
    """The thread (e.g. a report's) whose Teams reference is `ref`."""
    statement = select(ThreadRef).where(
        col(ThreadRef.tenant_id) == tenant_id,
        col(ThreadRef.channel) == "teams",
        col(ThreadRef.ref) == ref,
    )
    return (await session.exec(statement)).first()

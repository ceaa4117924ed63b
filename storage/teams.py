"""Teams conversation references: where the bot can post without being spoken to first.

A person's reference (their personal chat with the bot) is captured on every turn and on
install; a channel's when the app is installed in a team or spoken to there. Proactive
messages (reminders, a report's acknowledgement) and the policy-division / CAIO channel posts
are sent with these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ThreadRef, UtcDateTime, utcnow

Kind = Literal["user", "channel"]


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
    if changed:
        stored.updated_at = utcnow()
        session.add(stored)


async def get_reference(
    session: AsyncSession, tenant_id: str, kind: Kind, key: str
) -> TeamsReference | None:
    return await session.get(TeamsReference, (tenant_id, kind, key))


async def channel_references(session: AsyncSession, tenant_id: str) -> list[TeamsReference]:
    statement = (
        select(TeamsReference)
        .where(col(TeamsReference.tenant_id) == tenant_id, col(TeamsReference.kind) == "channel")
        .order_by(col(TeamsReference.team_id), col(TeamsReference.name))
    )
    return list((await session.exec(statement)).all())


async def thread_of(session: AsyncSession, tenant_id: str, ref: str) -> ThreadRef | None:
    """The thread (e.g. a report's) whose Teams reference is `ref`."""
    statement = select(ThreadRef).where(
        col(ThreadRef.tenant_id) == tenant_id,
        col(ThreadRef.channel) == "teams",
        col(ThreadRef.ref) == ref,
    )
    return (await session.exec(statement)).first()

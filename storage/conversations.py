"""Conversation state with optimistic versioning, and the processed-event ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationState, ProcessedEvent, utcnow
from storage.upsert import insert_if_absent


class VersionConflict(Exception):
    """Someone else saved this conversation since it was read; read it again and retry."""


@dataclass(frozen=True)
class ConversationKey:
    tenant_id: str
    channel: str
    user_id: str
    conversation_id: str


@dataclass(frozen=True)
class StoredConversation:
    data: dict[str, Any]
    version: int  # 0: nothing stored yet


async def load_conversation(
    session: AsyncSession, key: ConversationKey, *, lock: bool = False
) -> StoredConversation:
    """The stored state. With `lock`, PostgreSQL holds the row until the transaction ends, so
    concurrent turns of one conversation queue up instead of failing on the version check
    (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    statement = select(ConversationState).where(
        col(ConversationState.tenant_id) == key.tenant_id,
        col(ConversationState.channel) == key.channel,
        col(ConversationState.user_id) == key.user_id,
        col(ConversationState.conversation_id) == key.conversation_id,
    )
    if lock:
        statement = statement.with_for_update()
    row = (await session.exec(statement)).first()
    if row is None:
        return StoredConversation(data={}, version=0)
    return StoredConversation(data=dict(row.data), version=row.version)


async def save_conversation(
    session: AsyncSession, key: ConversationKey, data: dict[str, Any], expected_version: int
) -> int:
    """Store `data` if the stored version is still `expected_version`; the new version."""
    if expected_version == 0:
        inserted = await insert_if_absent(
            session,
            ConversationState,
            tenant_id=key.tenant_id,
            channel=key.channel,
            user_id=key.user_id,
            conversation_id=key.conversation_id,
            data=data,
            version=1,
            updated_at=utcnow(),
        )
        if not inserted:
            raise VersionConflict(key)
        return 1
    statement = (
        update(ConversationState)
        .where(
            col(ConversationState.tenant_id) == key.tenant_id,
            col(ConversationState.channel) == key.channel,
            col(ConversationState.user_id) == key.user_id,
            col(ConversationState.conversation_id) == key.conversation_id,
            col(ConversationState.version) == expected_version,
        )
        .values(data=data, version=expected_version + 1, updated_at=utcnow())
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    if result.rowcount != 1:
        raise VersionConflict(key)
    return expected_version + 1


async def claim_event(session: AsyncSession, tenant_id: str, channel: str, event_id: str) -> bool:
    """True the first time an event id is seen; False for a retry of the same event."""
    return await insert_if_absent(
        session,
        ProcessedEvent,
        tenant_id=tenant_id,
        channel=channel,
        event_id=event_id,
        created_at=utcnow(),
    )

"""Conversation state with optimistic versioning, and the processed-event ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.hot_sql import HotStatement, execute_hot
from storage.models import ConversationState, ProcessedEvent, utcnow

# Built once: a turn runs these every time, and building and caching-keying a statement costs
# more CPU than running it. Executed on the session's connection (Core, no ORM objects).
_states = ConversationState.__table__  # type: ignore[attr-defined]
_events = ProcessedEvent.__table__  # type: ignore[attr-defined]
_UPDATE_STATE = HotStatement(
    update(_states)
    .where(
        _states.c.tenant_id == bindparam("k_tenant"),
        _states.c.channel == bindparam("k_channel"),
        _states.c.user_id == bindparam("k_user"),
        _states.c.conversation_id == bindparam("k_conversation"),
        _states.c.version == bindparam("expected"),
    )
    .values(data=bindparam("data"), version=bindparam("new_version"), updated_at=bindparam("at")),
    ("k_tenant", "k_channel", "k_user", "k_conversation", "expected", "data", "new_version", "at"),
)
_STATE_COLUMNS = (
    "tenant_id",
    "channel",
    "user_id",
    "conversation_id",
    "data",
    "version",
    "updated_at",
)
_EVENT_COLUMNS = ("tenant_id", "channel", "event_id", "created_at")
_INSERTS: dict[str, tuple[HotStatement, HotStatement]] = {
    name: (
        HotStatement(dialect.insert(_states).on_conflict_do_nothing(), _STATE_COLUMNS),
        HotStatement(dialect.insert(_events).on_conflict_do_nothing(), _EVENT_COLUMNS),
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


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


async def _connection(bind: AsyncSession | AsyncConnection) -> AsyncConnection:
    return bind if isinstance(bind, AsyncConnection) else await bind.connection()


async def save_conversation(
    bind: AsyncSession | AsyncConnection,
    key: ConversationKey,
    data: dict[str, Any],
    expected_version: int,
) -> int:
    """Store `data` if the stored version is still `expected_version`; the new version."""
    connection = await _connection(bind)
    now = utcnow()
    if expected_version == 0:
        insert_state, _ = _INSERTS[connection.dialect.name]
        values = {
            "tenant_id": key.tenant_id,
            "channel": key.channel,
            "user_id": key.user_id,
            "conversation_id": key.conversation_id,
            "data": data,
            "version": 1,
            "updated_at": now,
        }
        if not await execute_hot(connection, insert_state, values):
            raise VersionConflict(key)
        return 1
    params = {
        "k_tenant": key.tenant_id,
        "k_channel": key.channel,
        "k_user": key.user_id,
        "k_conversation": key.conversation_id,
        "expected": expected_version,
        "data": data,
        "new_version": expected_version + 1,
        "at": now,
    }
    if await execute_hot(connection, _UPDATE_STATE, params) != 1:
        raise VersionConflict(key)
    return expected_version + 1


async def claim_event(
    bind: AsyncSession | AsyncConnection, tenant_id: str, channel: str, event_id: str
) -> bool:
    """True the first time an event id is seen; False for a retry of the same event.

    On PostgreSQL a concurrent claim of the same id waits for the other transaction and then
    does nothing, so exactly one of two replicas sees True."""
    connection = await _connection(bind)
    _, insert_event = _INSERTS[connection.dialect.name]
    values = {
        "tenant_id": tenant_id,
        "channel": channel,
        "event_id": event_id,
        "created_at": utcnow(),
    }
    return bool(await execute_hot(connection, insert_event, values))


async def prune_events(session: AsyncSession, before: datetime) -> int:
    """Forget event ids claimed before `before` (older than any platform still retries);
    how many were forgotten."""
    statement = delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < before)
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)

"""The audit log (append only), role grants, and who asked about which system."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, EntryCheckLog, RoleGrant, utcnow
from storage.upsert import insert_if_absent

_INSERT_ENTRY_CHECK = insert(EntryCheckLog.__table__)  # type: ignore[attr-defined]


async def audit(
    session: AsyncSession,
    tenant_id: str,
    *,
    channel: str,
    actor: str,
    action: str,
    target: str = "",
    outcome: str = "done",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            tenant_id=tenant_id,
            channel=channel,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            before=before or {},
            after=after or {},
        )
    )
    await session.flush()


async def audit_entries(
    session: AsyncSession, tenant_id: str, target: str | None = None
) -> list[AuditEntry]:
    statement = select(AuditEntry).where(col(AuditEntry.tenant_id) == tenant_id)
    if target is not None:
        statement = statement.where(col(AuditEntry.target) == target)
    return list((await session.exec(statement.order_by(col(AuditEntry.id)))).all())


async def grants(session: AsyncSession, tenant_id: str) -> list[RoleGrant]:
    statement = select(RoleGrant).where(col(RoleGrant.tenant_id) == tenant_id)
    return list((await session.exec(statement)).all())


async def grant(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str, role: str, by: str
) -> bool:
    return await insert_if_absent(
        session,
        RoleGrant,
        tenant_id=tenant_id,
        channel=channel,
        user_id=user_id,
        role=role,
        granted_by=by,
        granted_at=datetime.now().astimezone(),
    )


async def revoke(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str, role: str
) -> bool:
    statement = delete(RoleGrant).where(
        col(RoleGrant.tenant_id) == tenant_id,
        col(RoleGrant.channel) == channel,
        col(RoleGrant.user_id) == user_id,
        col(RoleGrant.role) == role,
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def log_entry_check(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str, system_id: str
) -> None:
    # Core, on the session's connection: every entry check writes one, and an ORM object
    # with its flush cost more CPU than the rest of the write.
    connection = await session.connection()
    values = {
        "tenant_id": tenant_id,
        "channel": channel,
        "user_id": user_id,
        "system_id": system_id,
        "at": utcnow(),
    }
    await connection.execute(_INSERT_ENTRY_CHECK, values)


async def askers_since(
    session: AsyncSession, tenant_id: str, system_id: str, since: datetime
) -> list[tuple[str, str]]:
    statement = select(EntryCheckLog.channel, EntryCheckLog.user_id).where(
        col(EntryCheckLog.tenant_id) == tenant_id,
        col(EntryCheckLog.system_id) == system_id,
        col(EntryCheckLog.at) >= since,
    )
    return sorted(set((await session.exec(statement)).all()))


async def roles_of(session: AsyncSession, tenant_id: str, channel: str, user_id: str) -> set[str]:
    """The roles granted to one person (read on every turn: one indexed lookup)."""
    statement = select(RoleGrant.role).where(
        col(RoleGrant.tenant_id) == tenant_id,
        col(RoleGrant.channel) == channel,
        col(RoleGrant.user_id) == user_id,
    )
    return set((await session.exec(statement)).all())

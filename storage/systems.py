"""The 別表 as stored: read it, and save a checked set of entries in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AISystem, utcnow

# Fields compared to tell whether an import changes anything (all but the keys and clock).
_CONTENT = [name for name in AISystem.model_fields if name not in ("tenant_id", "updated_at")]


async def list_systems(session: AsyncSession, tenant_id: str) -> list[AISystem]:
    statement = (
        select(AISystem).where(col(AISystem.tenant_id) == tenant_id).order_by(col(AISystem.id))
    )
    return list((await session.exec(statement)).all())


async def save_systems(
    session: AsyncSession, tenant_id: str, entries: Sequence[AISystem]
) -> tuple[int, int]:
    """Insert or update each entry by id; (added, changed). Unchanged rows are not touched, so
    importing the same file twice changes nothing, not even a timestamp."""
    existing = {s.id: s for s in await list_systems(session, tenant_id)}
    added = changed = 0
    for entry in entries:
        current = existing.get(entry.id)
        if current is None:
            values = entry.model_dump(exclude={"tenant_id", "updated_at"})
            session.add(AISystem(**values, tenant_id=tenant_id, updated_at=utcnow()))
            added += 1
            continue
        updates = {
            name: getattr(entry, name)
            for name in _CONTENT
            if getattr(entry, name) != getattr(current, name)
        }
        if updates:
            for name, value in updates.items():
                setattr(current, name, value)
            current.updated_at = utcnow()
            session.add(current)
            changed += 1
    await session.flush()
    return added, changed

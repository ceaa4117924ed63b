"""INSERT … ON CONFLICT DO NOTHING for the two dialects we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_if_absent(session: AsyncSession, table: Any, **values: Any) -> bool:
    """Insert a row unless its key exists; True when this call inserted it.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then does nothing, so exactly one of two replicas sees True.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing()
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)  # type: ignore[attr-defined]

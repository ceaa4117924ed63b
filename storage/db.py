"""The async engine: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An engine for `url`; `schema` (PostgreSQL only) puts every table in that schema."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if is_sqlite(url):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = 30
        # hide_parameters: an error message never carries what a person typed.
        engine = create_async_engine(url, connect_args=connect_args, hide_parameters=True)
        _sqlite_transactions(engine)
        return engine
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True
    )


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE: every turn writes, so it takes the write lock
    up front instead of failing with "database is locked" when upgrading a read lock."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back on any exception."""
    async with sessions() as session, session.begin():
        yield session


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True

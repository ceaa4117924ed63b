"""The async engine: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by URL.

Transactions come in two kinds. `transaction` may write: on SQLite it takes the write lock up
front (BEGIN IMMEDIATE), and writers of one process queue on an asyncio lock first, so they
do not wake each other through SQLite's busy-wait (which sleeps up to 100 ms at a time).
`read_transaction` only reads: on SQLite a deferred BEGIN, which in WAL mode reads a snapshot
while another connection writes, so a turn reads and routes without waiting for any writer.
"""

from __future__ import annotations

import asyncio
import weakref
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
        engine = create_async_engine(url, connect_args=connect_args)
        _sqlite_transactions(engine)
        return engine
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)


# Execution option naming a transaction that only reads (see `read_transaction`).
_READ_ONLY = "aiguide_read_only"
# How long a writer waits for the process's other writers (as SQLite's busy_timeout).
_WRITE_WAIT_SECONDS = 30.0
_LoopLock = tuple[Any, asyncio.Lock]  # the event loop a lock was made in, and the lock
_write_locks: weakref.WeakKeyDictionary[Any, _LoopLock] = weakref.WeakKeyDictionary()


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE for a transaction that may write: it takes the
    write lock up front instead of failing with "database is locked" when upgrading a read
    lock. A read-only transaction begins deferred and never takes it."""
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
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back on any exception."""
    async with sessions() as session:
        lock = _write_lock(session)
        if lock is None:
            async with session.begin():
                yield session
            return
        await asyncio.wait_for(lock.acquire(), _WRITE_WAIT_SECONDS)
        try:
            async with session.begin():
                yield session
        finally:
            lock.release()


@asynccontextmanager
async def read_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work that only reads: one consistent snapshot, no write lock (SQLite), rolled
    back at the end. Writing in it fails on SQLite only when another writer got there first."""
    async with sessions() as session:
        await session.connection(execution_options={_READ_ONLY: True})  # begins
        try:
            yield session
        finally:
            await session.rollback()


def _write_lock(session: AsyncSession) -> asyncio.Lock | None:
    """The process's writer queue for a SQLite engine (None for PostgreSQL, whose row locks
    let writers of different rows go on together)."""
    bind = session.bind
    if bind is None or bind.dialect.name != "sqlite":
        return None
    engine = bind.sync_engine if isinstance(bind, AsyncEngine) else bind
    loop = asyncio.get_running_loop()  # a lock serves the loop it was made in
    held = _write_locks.get(engine)
    if held is None or held[0] is not loop:
        held = _write_locks[engine] = (loop, asyncio.Lock())
    return held[1]


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True

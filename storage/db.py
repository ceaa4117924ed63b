"""The async engine: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by URL.

Transactions come in two kinds. `transaction` may write: on SQLite it takes the write lock up
front (BEGIN IMMEDIATE), and writers of one process queue on an asyncio lock first, so they
do not wake each other through SQLite's busy-wait (which sleeps up to 100 ms at a time).
`read_transaction` only reads: on SQLite a deferred BEGIN, which in WAL mode reads a snapshot
while another connection writes, so a turn reads and routes without waiting for any writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.fair_gate import FairGate
from storage.sqlite_driver import OneTripConnection, one_trip_dbapi


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, schema: str | None = None, pool_size: int = 10) -> AsyncEngine:
    """An engine for `url`; `schema` (PostgreSQL only) puts every table in that schema;
    `pool_size` connections are kept open, and as many turns go on at once (PostgreSQL; on
    SQLite, where one writer goes at a time, the pool keeps SQLAlchemy's default)."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if is_sqlite(url):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = 30
        # hide_parameters: an error message never carries what a person typed. Every unit of
        # work here ends in a commit or a rollback, so the pool's own rollback of a returned
        # connection would only cost a round trip to the driver's thread.
        # module: the stock aiosqlite adapter, but one trip to the driver's thread per
        # statement instead of four (storage/sqlite_driver.py).
        engine = create_async_engine(
            url,
            connect_args=connect_args,
            hide_parameters=True,
            pool_reset_on_return=None,
            module=one_trip_dbapi(),
        )
        _sqlite_transactions(engine)
        return engine
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    # No pre-ping: it is a round trip at every checkout, an eighth of a turn's CPU. A
    # connection the server dropped (a restart) fails its first statement instead; that
    # invalidates the whole pool, and `Runtime.handle` runs such a turn once more.
    return create_async_engine(
        url, connect_args=connect_args, hide_parameters=True, pool_size=pool_size
    )


# Execution options: a transaction that only reads (see `read_transaction`), and reads with
# no transaction at all, each statement its own snapshot (the read part of a turn).
_READ_ONLY = "aiguide_read_only"
_NO_BEGIN = "aiguide_no_begin"
# How long a writer waits for the process's other writers (as SQLite's busy_timeout).
_WRITE_WAIT_SECONDS = 30.0
_LoopLock = tuple[Any, asyncio.Lock]  # the event loop a lock was made in, and the lock
_write_locks: weakref.WeakKeyDictionary[Any, _LoopLock] = weakref.WeakKeyDictionary()
_gates: weakref.WeakKeyDictionary[Any, tuple[Any, FairGate]] = weakref.WeakKeyDictionary()


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
        options = conn.get_execution_options()
        if options.get(_NO_BEGIN, False):
            return
        conn.exec_driver_sql("BEGIN" if options.get(_READ_ONLY, False) else "BEGIN IMMEDIATE")


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back on any exception."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or _write_lock(engine) is None:
        async with sessions() as session, session.begin():
            yield session
        return
    # SQLite: the connection first, then the process's writer queue, then BEGIN IMMEDIATE —
    # the order a turn takes them in. Queueing before holding a connection would deadlock
    # once waiting turns hold every pooled connection.
    async with turn_unit(engine, sessions) as unit:
        await unit.start_writing()
        yield unit.session


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


class TurnUnit:
    """One connection for one turn: it reads first, holding no lock, then may write.

    On SQLite the reads run without BEGIN (the turn's reads are one statement, a snapshot of
    its own) and `start_writing` takes the write lock; on PostgreSQL reads and writes are one
    transaction, whose row locks come with the writes. The turn's own statements run on
    `connection` (Core); an ORM session on it is made only when something asks for
    `session` (effects, a first-seen person): most turns need none, and making, committing
    and closing one cost a tenth of a turn's CPU."""

    def __init__(
        self, connection: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self.connection = connection
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._lock = _write_lock(connection.sync_engine)
        self.locked = False
        self._trips: OneTripConnection | bool | None = None  # None: not asked yet

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessions(
                bind=self.connection, join_transaction_mode="control_fully"
            )
        return self._session

    async def start_writing(self) -> None:
        if self._lock is None or self.locked:
            return
        if self._lock.locked():  # queue behind the process's other writer, for so long
            await asyncio.wait_for(self._lock.acquire(), _WRITE_WAIT_SECONDS)
        else:
            await self._lock.acquire()  # at once (wait_for would make a task for nothing)
        self.locked = True
        # The reads ran in no transaction; from here on one, holding the write lock, begun
        # in the same trip to the driver's thread as the first statement that follows.
        adapted = await self._adapted()
        if adapted is not None:
            adapted.begin_with_next_statement("BEGIN IMMEDIATE")
        else:
            await self.connection.exec_driver_sql("BEGIN IMMEDIATE")

    async def commit_with_last_write(self) -> None:
        """The next statement is the turn's last: on SQLite, with no ORM session (whose
        flush comes at the commit), COMMIT goes in the same trip if it changes one row."""
        if self._lock is None or self._session is not None:
            return
        adapted = await self._adapted()
        if adapted is not None:
            adapted.commit_with_next_statement(1)

    async def _adapted(self) -> OneTripConnection | None:
        """SQLite: the driver's adapted connection (asked once a turn at most)."""
        if self._trips is None:
            raw = await self.connection.get_raw_connection()
            adapted = raw.dbapi_connection
            self._trips = adapted if isinstance(adapted, OneTripConnection) else False
        return self._trips or None

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()
        elif self.connection.in_transaction():
            await self.connection.commit()

    async def close(self) -> None:
        """Roll back whatever was not committed (SQLite's pool does not: the write lock would
        stay with the pooled connection)."""
        try:
            if self._session is not None:
                await self._session.close()
            elif self.connection.in_transaction():
                await self.connection.rollback()
        finally:
            self.release()

    def release(self) -> None:
        if self._lock is not None and self.locked:
            self.locked = False
            self._lock.release()


@asynccontextmanager
async def turn_unit(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], *, gated: bool = False
) -> AsyncIterator[TurnUnit]:
    """A turn's unit of work on one pooled connection: committed when the block ends, rolled
    back on any exception. `gated`: a person's turn, which queues first come, first served
    (storage/fair_gate.py); the bot's own work (delivery, sweeps) keeps the pool's queue."""
    gate = _gate(engine) if gated else contextlib.nullcontext()
    async with gate, _turn_engine(engine).connect() as connection:
        # Begun before the first statement, so that the turn's own statements can go to the
        # driver directly (storage/hot_sql.py); on SQLite nothing is sent (no BEGIN yet).
        await connection.begin()
        unit = TurnUnit(connection, sessions)
        try:
            yield unit
            await unit.commit()
        finally:
            await unit.close()


def _turn_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine a turn connects through: on SQLite one whose connections issue no BEGIN of
    their own (`start_writing` does), made once rather than set on every turn's connection.
    It shares the engine's pool."""
    if engine.dialect.name != "sqlite":
        return engine
    derived: AsyncEngine | None = getattr(engine.sync_engine, "_aiguide_turn_engine", None)
    if derived is None:  # kept on the engine itself: it lives and goes with it
        derived = engine.execution_options(**{_NO_BEGIN: True})
        engine.sync_engine._aiguide_turn_engine = derived  # type: ignore[attr-defined]
    return derived


def _gate(engine: AsyncEngine) -> FairGate:
    """The process's queue of turns for `engine`'s pool: as many places as the pool keeps
    connections (its overflow stays for the scheduler, delivery and the admin views)."""
    sync_engine = engine.sync_engine
    loop = asyncio.get_running_loop()  # a gate's futures belong to the loop it was made in
    held = _gates.get(sync_engine)
    if held is None or held[0] is not loop:
        size = getattr(sync_engine.pool, "size", None)
        held = _gates[sync_engine] = (loop, FairGate(size() if callable(size) else 1))
    return held[1]


def _write_lock(bind: Any) -> asyncio.Lock | None:
    """The process's writer queue for a SQLite engine (None for PostgreSQL, whose row locks
    let writers of different rows go on together)."""
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

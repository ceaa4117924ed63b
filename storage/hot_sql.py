"""The statements every turn runs, handed to the driver without SQLAlchemy's execution path.

A prebuilt Core statement through `AsyncConnection.execute` costs about 200 µs of CPU here
(the execution context, the result object, the switch into SQLAlchemy's greenlet), the
driver's own call about 100 µs; a turn runs three or four (its one read, the event id, a
first-seen person, the conversation), a fifth of its CPU. So these statements are compiled
once per dialect, their parameters processed as SQLAlchemy would (its own bind processors, in
its positional order), and given to SQLAlchemy's own adapter cursor for the driver (the
one-trip cursor on SQLite, the asyncpg cursor on PostgreSQL), which does what it does for
any statement: the deferred BEGIN and COMMIT of a turn, the transaction asyncpg needs, the
prepared-statement cache. An error goes through SQLAlchemy's own handling, so callers see
the same `DBAPIError` (a dropped connection invalidated) as from `execute`.

Only inside a transaction SQLAlchemy has begun: outside one the statement goes the usual way,
so SQLAlchemy's bookkeeping of the transaction (commit, rollback) stays true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util.concurrency import greenlet_spawn

from storage.sqlite_driver import OneTripConnection, OneTripCursor


@dataclass
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: dict[str, Any]  # the statement's own values (a literal separator, say)
    columns: tuple[Any, ...]  # what SQLAlchemy expects in each column of a row (if any)
    readers: tuple[Callable[[Any], Any] | None, ...] | None = None  # set at the first row


class HotStatement:
    """A statement run on every turn, with the parameter names it is always given."""

    def __init__(self, statement: Executable, names: Sequence[str]) -> None:
        self.statement = statement
        self.names = tuple(names)
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        held = self._compiled.get(dialect.name)
        if held is None:
            compiled: Any = self.statement.compile(  # type: ignore[attr-defined]
                dialect=dialect, column_keys=list(self.names)
            )
            order = tuple(compiled.positiontup)
            processors = compiled._bind_processors
            held = self._compiled[dialect.name] = _Compiled(
                compiled.string,
                order,
                tuple(processors.get(name) for name in order),
                {
                    name: compiled.binds[name].effective_value
                    for name in order
                    if name not in self.names
                },
                tuple(compiled._result_columns),
            )
        return held


async def execute_hot(
    connection: AsyncConnection, hot: HotStatement, params: Mapping[str, Any]
) -> int:
    """Run `hot` with `params`; the number of rows it changed."""
    cursor = await _run(connection, hot, params)
    if cursor is None:
        return int((await connection.execute(hot.statement, dict(params))).rowcount)
    return int(cursor.rowcount)


async def fetch_one_hot(
    connection: AsyncConnection, hot: HotStatement, params: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The first row `hot` selects with `params`, by column name (in the statement's order),
    each value read as SQLAlchemy would read it; None when it selects nothing."""
    cursor = await _run(connection, hot, params)
    if cursor is None:
        row = (await connection.execute(hot.statement, dict(params))).first()
        return dict(row._mapping) if row is not None else None
    rows = cursor._rows
    if not rows:
        return None
    compiled = hot.compiled(connection.dialect)
    readers = compiled.readers
    if readers is None:  # the driver's column types are constants of the statement
        dialect = connection.dialect
        readers = compiled.readers = tuple(
            column.type._cached_result_processor(dialect, description[1])
            for column, description in zip(compiled.columns, cursor.description, strict=True)
        )
    return {
        column.keyname: value if read is None else read(value)
        for column, read, value in zip(compiled.columns, readers, rows[0], strict=True)
    }


async def _run(connection: AsyncConnection, hot: HotStatement, params: Mapping[str, Any]) -> Any:
    """The adapter's cursor after running `hot`; None when it must go SQLAlchemy's way."""
    sync = connection.sync_connection
    adapted = _adapted(connection)
    if adapted is None or sync is None or not sync.in_transaction():
        return None
    compiled = hot.compiled(sync.dialect)
    values = {**compiled.constants, **params}
    args = tuple(
        values[name] if process is None else process(values[name])
        for name, process in zip(compiled.names, compiled.processors, strict=True)
    )
    if isinstance(adapted, OneTripConnection):
        cursor: Any = OneTripCursor(adapted)
        run = cursor._trip(compiled.sql, args, False)
    else:
        cursor = adapted.cursor()
        # As SQLAlchemy's execution context does: prepared statements made before a schema
        # change (the dialect's timestamp) are prepared again.
        cursor._invalidate_schema_cache_asof = sync.dialect._invalidate_schema_cache_asof
        run = cursor._prepare_and_execute(compiled.sql, args)
    try:
        await run
    except Exception as error:
        await greenlet_spawn(_reraise, sync, adapted, error, compiled.sql, args)
    return cursor


def _reraise(sync: Connection, adapted: Any, error: Exception, sql: str, args: Any) -> NoReturn:
    """The driver's error as `execute` raises it: first the adapter's DBAPI kind of error (the
    asyncpg cursor made it so already), then SQLAlchemy's (a dropped connection invalidated).
    In SQLAlchemy's greenlet: invalidating a connection awaits the driver."""
    try:
        if isinstance(adapted, OneTripConnection):
            adapted._handle_exception(error)
        raise error
    except Exception as dbapi_error:
        sync._handle_dbapi_exception(dbapi_error, sql, args, None, None)


def _adapted(connection: AsyncConnection) -> Any:
    """SQLAlchemy's adapter of the driver's connection when it is one we know how to drive
    (the one-trip SQLite adapter, or the asyncpg adapter); None otherwise."""
    sync = connection.sync_connection
    fairy = getattr(sync, "_dbapi_connection", None) if sync is not None else None
    adapted = getattr(fairy, "dbapi_connection", None)
    if isinstance(adapted, (OneTripConnection, AsyncAdapt_asyncpg_connection)):
        return adapted
    return None

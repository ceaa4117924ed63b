"""SQLAlchemy's aiosqlite adapter with one trip to the driver's thread per statement.

aiosqlite runs every call on the sqlite3 connection in a thread of its own; each call is a
hand-over to that thread and back to the event loop. SQLAlchemy's stock adapter makes four
of them per statement (open a cursor, execute, fetch, close), and on this project's turns
the hand-overs cost more CPU than SQLite itself: a turn of six statements took about forty.
This cursor does the four in one function on the driver's thread and keeps the results
(rows, description, rowcount, lastrowid) on the loop's side, which is what SQLAlchemy reads.
Results are always buffered, as the stock cursor does for statements that return rows;
server-side cursors (`stream_results`) keep the stock one.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid
_STOP_ANSWER_SECONDS = 2.0  # a live thread closes SQLite in milliseconds


def _run(
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    begin: str | None,
    commit_if: int | None,
) -> tuple[_Outcome, bool]:
    """On the driver's thread: the whole statement, cursor opened and closed (after the
    deferred BEGIN, if there is one; followed by COMMIT if asked and the statement changed
    `commit_if` rows); and whether it committed."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        outcome = (description, rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()
    committed = commit_if is not None and outcome[2] == commit_if and connection.in_transaction
    if committed:
        connection.commit()
    return outcome, committed


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no trip: the cursor opens in _run
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # nothing is open on the driver's side

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection
        async with adapted._execute_mutex:
            begin, adapted._deferred_begin = adapted._deferred_begin, None
            commit_if, adapted._commit_if = adapted._commit_if, None
            outcome, committed = await connection._execute(
                _run, connection._conn, operation, parameters, many, begin, commit_if
            )
        adapted._committed = committed
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # sqlite3 has no further result sets

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_commit_if", "_committed", "_deferred_begin")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._deferred_begin: str | None = None
        self._commit_if: int | None = None
        self._committed = False

    def begin_with_next_statement(self, begin: str) -> None:
        """Send `begin` (e.g. BEGIN IMMEDIATE) in the same trip as the next statement: a turn
        takes the write lock right before its first write, so a trip of its own is saved.
        With no statement before the commit or rollback nothing was begun, nor written."""
        self._deferred_begin = begin

    def commit_with_next_statement(self, rowcount: int) -> None:
        """COMMIT in the same trip as the next statement, if it changes `rowcount` rows (a
        turn's last write, refused otherwise: then nothing is committed and the turn rolls
        back). The commit that follows is then done already and costs no trip."""
        self._commit_if = rowcount

    def commit(self) -> None:
        self._deferred_begin = self._commit_if = None
        if self._committed:
            self._committed = False
            return
        super().commit()

    def rollback(self) -> None:
        self._deferred_begin = self._commit_if = None
        self._committed = False
        super().rollback()

    async def _terminate_graceful_close(self) -> None:
        """Asks the driver's thread to close the connection after what is queued, and waits
        for its answer a little, never for ever. aiosqlite's close() ends by waiting for its
        thread to stop; when a turn is cancelled while SQLAlchemy terminates its connection,
        SQLAlchemy also force-stops the thread while this runs (shielded), the thread is gone
        before the wait begins, and the wait never ends: a task no cancellation finishes, so
        the event loop can never close (a test's teardown hung on it). Waiting a little lets
        a live thread answer before the loop closes (or it would fail answering a closed one)."""
        stopped = self._connection.stop()
        if stopped is not None:
            await asyncio.wait([stopped], timeout=_STOP_ANSWER_SECONDS)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """What `create_async_engine(..., module=...)` takes in place of the stock adapter."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as the stock adapter: never blocks interpreter exit
        return OneTripConnection(self, await_(connection))


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)

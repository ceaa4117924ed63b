"""The SQLite driver's connection as SQLAlchemy terminates it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite

from storage.sqlite_driver import OneTripConnection, one_trip_dbapi


async def test_a_terminate_cut_short_by_a_cancelled_turn_leaves_no_task_that_never_ends(
    tmp_path: Path,
) -> None:
    # SQLAlchemy's terminate of an invalidated connection: the graceful close runs shielded,
    # and when the turn waiting on it is cancelled the thread is force-stopped meanwhile.
    # With aiosqlite's own close() the graceful close then waits forever for a thread that is
    # gone, and the event loop can never finish closing.
    raw = await aiosqlite.connect(tmp_path / "t.db")
    connection = OneTripConnection(one_trip_dbapi(), raw)
    graceful = asyncio.ensure_future(connection._terminate_graceful_close())
    await asyncio.sleep(0)  # under way
    connection._terminate_force_close()
    await asyncio.wait_for(graceful, 5)
    raw._thread.join(5)
    assert not raw._thread.is_alive()  # and the driver's thread has ended

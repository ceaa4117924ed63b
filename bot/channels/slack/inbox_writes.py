"""Group commit for the inbox: the events that arrive while one write is under way are
recorded together in the next one.

Every DM waits for its record before Slack is acknowledged; one transaction per event made
64 concurrent events queue for the pool's connections (PostgreSQL, about 10× slower acks).
Batching needs no timer: the first event starts a write at once, and whatever arrives
meanwhile rides on the following write, so a lone event waits for one insert and a burst for
about two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker

from storage import inbox
from storage.db import transaction

Row = tuple[str, str, dict[str, Any]]
T = TypeVar("T")
R = TypeVar("R")


class _GroupWriter(Generic[T, R]):
    """Items handed in while a write runs are written together by the next write."""

    def __init__(self, write: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._write = write
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._write([item for item, _ in batch])
            except BaseException as error:  # each waiter gets the failure of its own write
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            error if isinstance(error, Exception) else RuntimeError("stopped")
                        )
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class InboxWrites:
    """The inbox's inserts and deletes of one process, each grouped."""

    def __init__(self, sessions: async_sessionmaker[Any], lease: timedelta) -> None:
        self._sessions = sessions
        self._lease = lease
        self._records = _GroupWriter[Row, bool](self._record)
        self._deletes = _GroupWriter[str, None](self._delete)

    async def record(self, tenant_id: str, event_id: str, body: dict[str, Any]) -> bool:
        """True when this call recorded the event (False: it is there already, being run)."""
        return await self._records.submit((tenant_id, event_id, body))

    async def done(self, event_id: str) -> None:
        await self._deletes.submit(event_id)

    async def _record(self, rows: list[Row]) -> list[bool]:
        # Two copies of one event in a batch (a fast Slack retry): only the first runs.
        first: dict[str, int] = {}
        for index, (_, event_id, _) in enumerate(rows):
            first.setdefault(event_id[:200], index)
        unique = [rows[index] for index in first.values()]
        async with transaction(self._sessions) as session:
            recorded = await inbox.record(session, unique, self._lease)
        return [
            first[event_id[:200]] == index and event_id[:200] in recorded
            for index, (_, event_id, _) in enumerate(rows)
        ]

    async def _delete(self, event_ids: list[str]) -> list[None]:
        async with transaction(self._sessions) as session:
            await inbox.done(session, sorted(set(event_ids)))
        return [None] * len(event_ids)

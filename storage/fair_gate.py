"""A first-come, first-served gate in front of the connection pool.

SQLAlchemy's async pool queues waiters for a connection on an `asyncio.Queue`, which lets a
newcomer take a connection that was just returned for a waiter that has not run yet; the waiter
wakes, finds the queue empty and queues again at the end. Measured at concurrency 64 on
PostgreSQL (bench/turns.py), that made a turn's p99 about five times its median (300–500 ms
against 70 ms): some turns lost the race again and again. Turns pass this gate first, at most
as many as the pool keeps connections, and a freed place is handed to the longest waiter
directly, so nobody overtakes anybody.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from types import TracebackType


class FairGate:
    """At most `places` holders at once; the others wait in arrival order."""

    def __init__(self, places: int, wait_seconds: float = 30.0) -> None:
        self._free = max(1, places)
        # As long as the pool would wait for a connection: a place never freed (a holder
        # stuck on a dead database) ends in an error the turn answers, not in a wait forever.
        self._wait_seconds = wait_seconds
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def __aenter__(self) -> None:
        if self._free and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self._wait_seconds):
                await waiter
        except (asyncio.CancelledError, TimeoutError):
            if waiter.done() and not waiter.cancelled():
                self._release()  # the place was handed over just as the wait ended
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place goes to it, never back to the free count
                return
        self._free += 1

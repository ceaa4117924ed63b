"""The ticking clock: APScheduler 3 (AsyncIOScheduler, in-process) calls `Runtime.tick`.

The scheduler keeps no jobs of its own in any store: reminders and deliveries are rows in the
database, claimed with FOR UPDATE SKIP LOCKED, so any number of replicas may tick at once and
each reminder and message still goes out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from dialogs.context import JST

log = logging.getLogger(__name__)

# How long a stop waits for a tick under way (shorter than the server's shutdown timeout).
_STOP_WAIT_SECONDS = 20
# Wake-ups after turns run a delivery pass at most this often (a busy hour of turns would
# otherwise look for due lanes after each one).
_WAKE_GAP_SECONDS = 0.2


class Ticker:
    def __init__(self, runtime: Runtime, seconds: float) -> None:
        self.runtime = runtime
        self.seconds = seconds
        self._ticking: asyncio.Future[None] | None = None
        self._waker: asyncio.Task[None] | None = None
        self._stopping = False
        self.scheduler = AsyncIOScheduler(timezone=JST)
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=seconds,
            next_run_time=datetime.now(JST),
            max_instances=1,  # a slow tick is not run twice over itself
            coalesce=True,  # ticks missed while busy collapse into one
            id="tick",
        )

    async def tick(self) -> None:
        """One tick; again at once while a tick outlasts the interval (a paced delivery pass
        that used its whole time: the scheduler would skip the fire time it overran and
        leave the outbox idle until the next)."""
        while not self._stopping:
            began = time.monotonic()
            self._ticking = asyncio.ensure_future(self.runtime.tick())
            try:
                await asyncio.shield(self._ticking)
            except asyncio.CancelledError:
                return  # shutting down: `stop` waits for the tick itself
            except Exception:
                # The next tick tries again: every step is idempotent.
                log.exception("tick failed")
                return
            finally:
                self._ticking = None
            if time.monotonic() - began < self.seconds:
                return

    def start(self) -> None:
        self.scheduler.start()
        if self.runtime.delivery is not None:
            self._waker = asyncio.ensure_future(self._deliver_when_woken())

    async def _deliver_when_woken(self) -> None:
        """A turn that wrote to the outbox wakes delivery at once (a person's answer, a
        report's thread, the broadcast of a publish) instead of at the next tick; wake-ups
        collapse while a pass runs, and come at most every `_WAKE_GAP_SECONDS`."""
        delivery = self.runtime.delivery
        assert delivery is not None
        while not self._stopping:
            await delivery.wanted()
            try:
                await self.runtime.deliver()
            except Exception:
                log.exception("delivery after a turn failed")  # the tick tries again
            await asyncio.sleep(_WAKE_GAP_SECONDS)

    async def stop(self) -> None:
        """No new ticks; a tick under way finishes (its transaction commits) first."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._waker is not None:
            self._waker.cancel()  # a pass under way gives back what it holds
            await asyncio.gather(self._waker, return_exceptions=True)
        if self._ticking is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._ticking), _STOP_WAIT_SECONDS)

"""The ticking clock: a tick that outlasts the interval is followed by the next at once."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.scheduler import Ticker


class SlowFirstTick:
    """A runtime whose first tick is a delivery pass that used more than the interval."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ticks = 0

    async def tick(self) -> None:
        self.ticks += 1
        if self.ticks == 1:
            await asyncio.sleep(self.seconds)


async def test_a_tick_longer_than_the_interval_is_followed_by_the_next_at_once() -> None:
    runtime = SlowFirstTick(0.3)
    ticker = Ticker(runtime, 0.2)  # type: ignore[arg-type]  # the ticker only calls tick()
    # Not started: the scheduler's own fire times play no part here.
    await ticker.tick()
    # The long pass is followed by a second tick in the same call (the scheduler skipped the
    # fire time it overran); a short tick is not repeated.
    assert runtime.ticks == 2


async def test_a_short_tick_waits_for_the_scheduler() -> None:
    runtime: Any = SlowFirstTick(0.0)
    ticker = Ticker(runtime, 5.0)
    await ticker.tick()
    assert runtime.ticks == 1

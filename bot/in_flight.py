"""One event id handled once per process at a time: a platform's retry storm waits for the first.

A repeat of an event id that is being handled now waits for that first turn, then looks the
id up once (one read instead of a whole turn); only when the first failed does it run as the
turn itself. Across processes the event ledger (`claim_event`) decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.turn import Turn
from dialogs.ui import Reply
from storage.db import read_transaction
from storage.models import ProcessedEvent

log = logging.getLogger("bot.runtime")

Flight = tuple[str, str, str]


@dataclass
class InFlight:
    """The event ids being handled in this process now."""

    running: dict[Flight, asyncio.Event] = field(default_factory=dict)

    async def run(
        self,
        turn: Turn,
        sessions: async_sessionmaker[AsyncSession],
        handle: Callable[[Turn], Awaitable[list[Reply]]],
    ) -> list[Reply]:
        if not turn.event_id:
            return await handle(turn)
        flight = (turn.tenant_id, turn.channel, turn.event_id)
        running = self.running.get(flight)
        if running is not None:
            await running.wait()
            if await handled(sessions, flight):  # one lookup instead of a whole turn
                log.info("duplicate event %s ignored", turn.event_id)
                return []
            return await handle(turn)  # the first failed: this one is the turn
        self.running[flight] = done = asyncio.Event()
        try:
            return await handle(turn)
        finally:
            del self.running[flight]
            done.set()


async def handled(sessions: async_sessionmaker[AsyncSession], flight: Flight) -> bool:
    try:
        async with read_transaction(sessions) as session:
            return await session.get(ProcessedEvent, flight) is not None
    except Exception:
        return False  # the turn itself will say what is wrong

"""A turn's unit of work: its last write commits with it (SQLite: in the same trip to the
driver's thread), and a refused last write commits nothing the turn did before it."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    save_conversation,
)
from storage.db import read_transaction, session_maker, turn_unit
from storage.models import ProcessedEvent

KEY = ConversationKey("sakura-city", "local", "yamada", "main")


async def _turn(engine: AsyncEngine, event_id: str, expected_version: int) -> None:
    """What a turn writes: its event id, then its conversation as the last write."""
    async with turn_unit(engine, session_maker(engine)) as unit:
        await unit.start_writing()
        assert await claim_event(unit.connection, "sakura-city", "local", event_id)
        await unit.commit_with_last_write()
        await save_conversation(unit.connection, KEY, {"step": event_id}, expected_version)


async def _seen(engine: AsyncEngine) -> tuple[int, list[str]]:
    async with read_transaction(session_maker(engine)) as session:
        version = (await load_conversation(session, KEY)).version
        events = (await session.exec(select(ProcessedEvent.event_id))).all()
        return version, sorted(events)


async def test_a_turns_last_write_is_committed_with_what_it_wrote_before(
    engine: AsyncEngine,
) -> None:
    await _turn(engine, "evt-1", 0)
    await _turn(engine, "evt-2", 1)
    assert await _seen(engine) == (2, ["evt-1", "evt-2"])  # seen from another connection


async def test_a_refused_last_write_commits_nothing_and_the_connection_is_reusable(
    engine: AsyncEngine,
) -> None:
    await _turn(engine, "evt-1", 0)
    with pytest.raises(VersionConflict):
        await _turn(engine, "evt-stale", 0)  # read before evt-1 was saved
    assert await _seen(engine) == (1, ["evt-1"])  # the stale turn's event id is not kept
    await _turn(engine, "evt-stale", 1)  # its retry claims the id again and saves
    assert await _seen(engine) == (2, ["evt-1", "evt-stale"])

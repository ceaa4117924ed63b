"""Conversation state: versioned saves that refuse a stale writer, and the event ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    prune_events,
    save_conversation,
)
from storage.db import make_engine, session_maker, transaction
from storage.models import ProcessedEvent, utcnow
from storage.tenants import add_tenant
from tests.conftest import Database

Sessions = async_sessionmaker[AsyncSession]
KEY = ConversationKey("sakura-city", "local", "yamada", "main")


@pytest.fixture
async def sessions(database: Database) -> AsyncIterator[Sessions]:
    engine = make_engine(database.url, schema=database.schema)
    makers = session_maker(engine)
    async with transaction(makers) as session:
        await add_tenant(session, "sakura-city", "さくら市", {})
    yield makers
    await engine.dispose()


async def test_a_new_conversation_is_stored_and_read_back(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        assert (await load_conversation(session, KEY)).version == 0
        assert await save_conversation(session, KEY, {"active": "profile"}, 0) == 1
    async with transaction(sessions) as session:
        stored = await load_conversation(session, KEY)
    assert stored.data == {"active": "profile"}
    assert stored.version == 1


async def test_a_writer_that_read_an_older_version_is_refused(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        await save_conversation(session, KEY, {"step": 1}, 0)
    async with transaction(sessions) as session:
        await save_conversation(session, KEY, {"step": 2}, 1)  # replica A
    with pytest.raises(VersionConflict):
        async with transaction(sessions) as session:
            await save_conversation(session, KEY, {"step": "B"}, 1)  # replica B, read v1
    async with transaction(sessions) as session:
        assert (await load_conversation(session, KEY)).data == {"step": 2}


async def test_two_first_saves_at_once_one_wins(sessions: Sessions) -> None:
    async def first_save(value: str) -> str:
        try:
            async with transaction(sessions) as session:
                await save_conversation(session, KEY, {"by": value}, 0)
        except VersionConflict:
            return "refused"
        return "saved"

    outcomes = await asyncio.gather(first_save("A"), first_save("B"))
    assert sorted(outcomes) == ["refused", "saved"]


async def test_an_event_id_is_claimed_once_per_channel(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        assert await claim_event(session, "sakura-city", "local", "evt-1")
        assert not await claim_event(session, "sakura-city", "local", "evt-1")
        assert await claim_event(session, "sakura-city", "slack", "evt-1")


async def test_a_claim_rolled_back_with_a_failed_turn_can_be_claimed_again(
    sessions: Sessions,
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await claim_event(session, "sakura-city", "local", "evt-9")
            raise RuntimeError("the turn failed")
    async with transaction(sessions) as session:
        assert await claim_event(session, "sakura-city", "local", "evt-9")


async def test_event_ids_older_than_the_cutoff_are_forgotten_and_recent_ones_kept(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        assert await claim_event(session, "sakura-city", "local", "evt-old")
        assert await claim_event(session, "sakura-city", "local", "evt-new")
        await session.exec(  # type: ignore[call-overload]
            update(ProcessedEvent)
            .where(col(ProcessedEvent.event_id) == "evt-old")
            .values(created_at=utcnow() - timedelta(days=2))
        )
    async with transaction(sessions) as session:
        assert await prune_events(session, utcnow() - timedelta(days=1)) == 1
    async with transaction(sessions) as session:
        assert not await claim_event(session, "sakura-city", "local", "evt-new")  # still known
        assert await claim_event(session, "sakura-city", "local", "evt-old")  # forgotten

"""Turns wait for the database in arrival order: a place freed goes to the longest waiter, a
newcomer never overtakes, and a waiter that gives up costs nobody their place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversations import ConversationKey, load_conversation, save_conversation
from storage.db import make_engine, session_maker, transaction, turn_unit
from storage.fair_gate import FairGate
from storage.tenants import add_tenant
from tests.conftest import Database


async def _hold(gate: FairGate, name: str, order: list[str], release: asyncio.Event) -> None:
    async with gate:
        order.append(name)
        await release.wait()


async def test_a_freed_place_goes_to_the_longest_waiter_not_to_a_newcomer() -> None:
    gate, order, release = FairGate(1), [], asyncio.Event()
    first = asyncio.create_task(_hold(gate, "first", order, release))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(_hold(gate, f"waiter{i}", order, release)) for i in range(3)]
    await asyncio.sleep(0)
    release.set()
    await first
    # Arrives after the place was freed, before the woken waiter has run: it must queue.
    late = asyncio.create_task(_hold(gate, "late", order, release))
    await asyncio.gather(*waiters, late)
    assert order == ["first", "waiter0", "waiter1", "waiter2", "late"]


async def test_a_waiter_that_gives_up_keeps_no_place_and_loses_none() -> None:
    gate, order, release = FairGate(1), [], asyncio.Event()
    holder = asyncio.create_task(_hold(gate, "holder", order, release))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(_hold(gate, "quitter", order, release))
    patient = asyncio.create_task(_hold(gate, "patient", order, release))
    await asyncio.sleep(0)
    quitter.cancel()
    release.set()
    await holder
    await patient
    assert order == ["holder", "patient"]
    assert quitter.cancelled()
    async with asyncio.timeout(1):  # the one place is free again
        async with gate:
            pass


async def test_a_waiter_cancelled_just_as_its_place_arrives_passes_it_on() -> None:
    gate, order, release = FairGate(1), [], asyncio.Event()
    release.set()
    await gate.__aenter__()  # this test holds the one place
    unlucky = asyncio.create_task(_hold(gate, "unlucky", order, release))
    next_one = asyncio.create_task(_hold(gate, "next", order, release))
    await asyncio.sleep(0)
    await gate.__aexit__(None, None, None)  # handed to `unlucky`, which has not run yet
    unlucky.cancel()
    await next_one
    assert order == ["next"]
    assert unlucky.cancelled()


async def test_a_place_never_freed_ends_the_wait_with_an_error_not_a_hang() -> None:
    gate = FairGate(1, wait_seconds=0.05)
    await gate.__aenter__()  # held, and never given back (a holder stuck for good)
    with pytest.raises(TimeoutError):
        async with gate:
            pass
    await gate.__aexit__(None, None, None)
    async with asyncio.timeout(1):  # the timed-out waiter took nothing with it
        async with gate:
            pass


@pytest.fixture
async def small_pool(database: Database) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database.url, schema=database.schema, pool_size=2)
    async with transaction(session_maker(engine)) as session:
        await add_tenant(session, "sakura-city", "さくら市", {})
    yield engine
    await engine.dispose()


async def test_many_turns_on_a_small_pool_are_all_done_in_the_order_they_came(
    small_pool: AsyncEngine,
) -> None:
    done: list[int] = []

    async def turn(number: int) -> None:
        key = ConversationKey("sakura-city", "local", f"person{number}", "main")
        async with turn_unit(small_pool, session_maker(small_pool), gated=True) as unit:
            await load_conversation(unit.session, key)
            await unit.start_writing()
            await save_conversation(unit.connection, key, {"turn": number}, 0)
        done.append(number)

    await asyncio.gather(*(turn(n) for n in range(24)))
    assert sorted(done) == list(range(24))
    # As many at a time as the pool keeps connections (two on PostgreSQL here, SQLAlchemy's
    # five on SQLite), each first come: none finishes more places behind its arrival than
    # that (an overtaken turn would come out many places late).
    places = small_pool.sync_engine.pool.size()  # type: ignore[attr-defined]
    assert max(abs(position - number) for position, number in enumerate(done)) <= places

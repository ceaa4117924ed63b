"""Threads in the shared channels: one top-level post, every later event a reply under it."""

from __future__ import annotations

from storage.db import make_engine, session_maker, transaction
from storage.posts import add_post, list_threads
from storage.tenants import add_tenant
from tests.conftest import Database


async def test_replies_stay_in_their_thread(database: Database) -> None:
    engine = make_engine(database.url, schema=database.schema)
    sessions = session_maker(engine)
    try:
        async with transaction(sessions) as session:
            await add_tenant(session, "sakura-city", "さくら市", {})
            first = await add_post(session, "sakura-city", "policy", {"type": "text", "text": "A"})
            second = await add_post(session, "sakura-city", "policy", {"type": "text", "text": "B"})
            await add_post(session, "sakura-city", "caio", {"type": "text", "text": "C"})
            await add_post(
                session, "sakura-city", "policy", {"type": "text", "text": "A-1"}, first.id
            )
            await add_post(
                session, "sakura-city", "policy", {"type": "text", "text": "A-2"}, first.id
            )
        async with transaction(sessions) as session:
            threads = await list_threads(session, "sakura-city", "policy")
    finally:
        await engine.dispose()
    assert [t.post.body["text"] for t in threads] == ["A", "B"]
    assert [r.body["text"] for r in threads[0].replies] == ["A-1", "A-2"]
    assert threads[1].replies == []
    assert threads[1].post.id == second.id

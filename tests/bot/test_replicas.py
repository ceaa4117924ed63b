"""Two replicas on one database answering the same person: no step is lost or overwritten."""

from __future__ import annotations

import asyncio

from bot.runtime import Runtime
from storage.conversations import ConversationKey, load_conversation
from storage.db import transaction
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT, Database, settings_for, start_runtime


async def test_concurrent_turns_on_two_replicas_are_all_applied(database: Database) -> None:
    replica_a, replica_b = await start_runtime(database), await start_runtime(database)
    try:
        turns = 8
        results = await asyncio.gather(
            *(
                Chat(replica_a if n % 2 else replica_b).say("メニュー", event_id=f"evt-{n}")
                for n in range(turns)
            )
        )
        assert all("プロフィール登録" in str(replies) for replies in results)
        async with transaction(replica_a.sessions) as session:
            stored = await load_conversation(
                session, ConversationKey(SAMPLE_TENANT, "local", "yamada", "main")
            )
        assert stored.version == turns  # every turn saved once, none overwrote another
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_the_same_event_delivered_to_both_replicas_is_handled_once(
    database: Database,
) -> None:
    replica_a, replica_b = await start_runtime(database), await start_runtime(database)
    try:
        answers = await asyncio.gather(
            Chat(replica_a).say("プロフィール", event_id="dup"),
            Chat(replica_b).say("プロフィール", event_id="dup"),
        )
        assert sorted(len(replies) for replies in answers)[0] == 0
        assert any("1/3" in str(replies) for replies in answers)
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_replicas_starting_at_once_on_an_empty_database_add_the_sample_once(
    database: Database,
) -> None:
    """Two replicas started at the same moment: both start, one municipality, one 別表."""
    replicas = [Runtime.create(settings_for(database)) for _ in range(3)]
    try:
        loaded = await asyncio.gather(*(r.load_sample_data() for r in replicas))
        assert sorted(loaded) == [False, False, True]
        towns = await replicas[0].tenant_list()
        assert [t.id for t in towns] == [SAMPLE_TENANT]
        assert len(await (await replicas[1].town()).systems()) == 5
    finally:
        for replica in replicas:
            await replica.close()

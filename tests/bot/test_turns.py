"""What a turn reads and writes: a turn that changes nothing writes nothing and waits for no
writer; a change made by another replica is seen on the next turn; old event ids are pruned."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, func, select

from bot.runtime import EVENT_RETENTION, Runtime
from storage.conversations import ConversationKey, load_conversation
from storage.db import make_engine, read_transaction, session_maker, transaction
from storage.models import AISystem, ProcessedEvent, utcnow
from storage.tenants import rename_tenant
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT, Database, start_runtime


async def _version(runtime: Runtime, user: str = "yamada") -> int:
    async with read_transaction(runtime.sessions) as session:
        key = ConversationKey(SAMPLE_TENANT, "local", user, "main")
        return (await load_conversation(session, key)).version


async def test_the_menu_changes_nothing_and_is_answered_while_another_replica_writes(
    runtime: Runtime, database: Database
) -> None:
    chat = Chat(runtime)
    await chat.say("メニュー")  # first seen: the person is stored
    saved = await _version(runtime)
    other_replica = make_engine(database.url, schema=database.schema)
    try:
        async with transaction(session_maker(other_replica)) as writer:
            await rename_tenant(writer, SAMPLE_TENANT, "さくら市（改称中）")
            # Two turns that change nothing (no event id to record) get their menus at once.
            menus = await asyncio.wait_for(
                asyncio.gather(Chat(runtime).send(text="メニュー"), chat.send(text="メニュー")),
                10,
            )
        assert all("プロフィール登録" in str(replies) for replies in menus)
    finally:
        await other_replica.dispose()
    assert await _version(runtime) == saved  # the menu did not rewrite the conversation


async def test_a_system_suspended_by_another_replica_is_not_offered_on_the_next_turn(
    database: Database,
) -> None:
    replica_a, replica_b = await start_runtime(database), await start_runtime(database)
    try:
        chat = Chat(replica_a)
        await chat.complete_pre_use()
        await chat.say("議事録をAIに入れていい？")
        assert "Microsoft 365 Copilot Chat" in chat.labels
        await chat.press("中止")
        async with transaction(replica_b.sessions) as session:
            await session.exec(  # type: ignore[call-overload]
                update(AISystem)
                .where(col(AISystem.id) == "copilot")
                .values(status="suspended", updated_at=utcnow())
            )
        await chat.say("議事録をAIに入れていい？")
        assert "どのAIシステムですか？" in chat.text
        assert "Microsoft 365 Copilot Chat" not in chat.labels
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_the_tick_forgets_event_ids_older_than_the_retention(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("メニュー", event_id="evt-old")
    await chat.say("ヘルプ", event_id="evt-recent")
    async with transaction(runtime.sessions) as session:
        await session.exec(  # type: ignore[call-overload]
            update(ProcessedEvent)
            .where(col(ProcessedEvent.event_id) == "evt-old")
            .values(created_at=utcnow() - EVENT_RETENTION - timedelta(minutes=1))
        )
    await runtime.tick()
    async with read_transaction(runtime.sessions) as session:
        kept = (await session.exec(select(ProcessedEvent.event_id))).all()
        assert list(kept) == ["evt-recent"]
        total = (await session.exec(select(func.count()).select_from(ProcessedEvent))).one()
        assert total == 1
    assert await chat.say("ヘルプ", event_id="evt-recent") == []  # a retry is still refused


async def _drop_every_connection(runtime: Runtime, database: Database) -> None:
    """What a database restart does to the connections the pool keeps."""
    if database.schema is None:  # SQLite: the driver's connection closes under the pool
        async with runtime.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.close()  # type: ignore[union-attr]
        return
    async with runtime.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        pid = raw.driver_connection.get_server_pid()  # type: ignore[union-attr]
    admin = make_engine(database.url)
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    finally:
        await admin.dispose()


async def test_the_first_turn_after_the_database_dropped_its_connections_is_answered(
    runtime: Runtime, database: Database
) -> None:
    chat = Chat(runtime)
    await chat.say("議事録をAIに入れていい？")
    assert "どのAIシステムですか？" in chat.text
    await _drop_every_connection(runtime, database)
    await chat.press("Microsoft 365 Copilot Chat")
    # The answer about that system (this person has no training yet), not an error.
    assert "Microsoft 365 Copilot Chat への入力" in chat.text
    assert chat.text != runtime.catalogs.for_locale("ja").t("fallback.error")

"""Migrations: the schema comes from Alembic, and upgrading twice changes nothing."""

from __future__ import annotations

import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, upgrade
from tests.conftest import Database

TABLES = {
    "tenant",
    "person",
    "conversation_state",
    "processed_event",
    "channel_post",
    "ai_system",
    "guideline_version",
    "training_record",
    "confirmation",
    "reminder",
    "outbox_message",
    "broadcast",
}


async def _tables(database: Database) -> set[str]:
    engine = make_engine(database.url, schema=database.schema)
    try:
        async with engine.connect() as conn:
            return set(
                await conn.run_sync(
                    lambda sync: inspect(sync).get_table_names(schema=database.schema)
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_creates_every_table_and_records_the_revision(database: Database) -> None:
    assert await _tables(database) >= TABLES
    revision = await asyncio.to_thread(current_revision, database.url, database.schema)
    head = ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()
    assert revision == head


async def test_upgrading_again_changes_nothing(database: Database) -> None:
    before = await _tables(database)
    await asyncio.to_thread(upgrade, database.url, database.schema)
    assert await _tables(database) == before

"""Migrations: the schema comes from Alembic, and upgrading twice changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, head_revisions, is_current, upgrade
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


async def test_the_cheap_check_sees_new_behind_and_current_databases(database: Database) -> None:
    """`is_current` lets a command skip Alembic only at the head; anything else upgrades."""
    heads = ScriptDirectory.from_config(alembic_config(database.url, database.schema)).get_heads()
    assert head_revisions() == frozenset(heads)
    engine = make_engine(database.url, schema=database.schema)
    try:
        assert await is_current(engine)
    finally:
        await engine.dispose()
    # The fixture's database was at the head; a downgrade is what an old copy looks like.
    from alembic import command

    config = alembic_config(database.url, database.schema)
    await asyncio.to_thread(command.downgrade, config, "0005")
    engine = make_engine(database.url, schema=database.schema)
    try:
        assert not await is_current(engine)
    finally:
        await engine.dispose()


async def test_a_database_without_tables_is_not_current(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        assert not await is_current(engine)
    finally:
        await engine.dispose()

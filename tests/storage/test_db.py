"""Transactions: a read-only one never waits for a writer; writers of one process take turns."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.db import make_engine, read_transaction, session_maker, transaction
from storage.models import Tenant
from storage.tenants import add_tenant, rename_tenant
from tests.conftest import Database


async def test_two_readers_read_while_another_replica_holds_a_write_transaction(
    engine: AsyncEngine, database: Database
) -> None:
    other_replica = make_engine(database.url, schema=database.schema)
    sessions = session_maker(engine)

    async def read_name() -> str:
        async with read_transaction(sessions) as session:
            tenant = (await session.exec(select(Tenant))).one()
            return tenant.name

    try:
        async with transaction(session_maker(other_replica)) as writer:
            await rename_tenant(writer, "sakura-city", "さくら市（改称中）")
            # The writer has not committed: both readers see the committed name, at once.
            names = await asyncio.wait_for(asyncio.gather(read_name(), read_name()), 10)
            assert names == ["さくら市", "さくら市"]
        assert await read_name() == "さくら市（改称中）"
    finally:
        await other_replica.dispose()


async def test_concurrent_writers_of_one_process_each_commit(engine: AsyncEngine) -> None:
    sessions = session_maker(engine)

    async def rename(n: int) -> None:
        async with transaction(sessions) as session:
            await add_tenant(session, f"town-{n}", f"町{n}", {})

    await asyncio.gather(*(rename(n) for n in range(20)))
    async with read_transaction(sessions) as session:
        assert len((await session.exec(select(Tenant))).all()) == 21

"""An engine on the test database, with the sample municipality's tenant row in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, session_maker, transaction
from storage.tenants import add_tenant
from tests.conftest import Database


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database.url, schema=database.schema)
    async with transaction(session_maker(engine)) as session:
        await add_tenant(session, "sakura-city", "さくら市", {})
    yield engine
    await engine.dispose()

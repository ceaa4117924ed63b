"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when configured) and a runtime.

Set AIGUIDE_TEST_POSTGRES_URL (as .ci/run does) to run the storage and conversation suites
against PostgreSQL too; each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.runtime import Runtime
from bot.settings import Settings, load_municipality
from storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SAMPLE_MUNICIPALITY = REPO / "config" / "municipality.toml"
SAMPLE_TENANT = "sakura-city"  # the id in the sample municipality file
SAMPLE_PERSONAS = load_municipality(SAMPLE_MUNICIPALITY).personas
POSTGRES_URL = os.environ.get("AIGUIDE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@dataclass(frozen=True)
class Database:
    url: str
    schema: str | None = None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database brought to the newest migration."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'aiguide.db'}")
        await asyncio.to_thread(upgrade, db.url)
        yield db
        return
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        db = Database(POSTGRES_URL, schema)
        await asyncio.to_thread(upgrade, db.url, schema)
        yield db
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


def settings_for(db: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db.url,
        "database_schema": db.schema,
        "municipality_file": SAMPLE_MUNICIPALITY,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def start_runtime(db: Database) -> Runtime:
    runtime = Runtime.create(settings_for(db))
    await runtime.load_sample_data()
    return runtime


@pytest.fixture
async def runtime(database: Database) -> AsyncIterator[Runtime]:
    runtime = await start_runtime(database)
    yield runtime
    await runtime.close()

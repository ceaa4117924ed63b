"""Apply the Alembic migrations (`aiguide db upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from storage.db import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade(url: str, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision`. Blocking: call it outside a running event loop,
    or through `asyncio.to_thread`, since the environment runs its own loop."""
    command.upgrade(alembic_config(url, schema), revision)


def current_revision(url: str, schema: str | None = None) -> str | None:
    async def _read() -> str | None:
        engine = make_engine(url, schema=schema)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(_read())

"""Apply the Alembic migrations (`aiguide db upgrade`)."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, schema: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade(url: str, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision`. Blocking: call it outside a running event loop,
    or through `asyncio.to_thread`, since the environment runs its own loop."""
    from alembic import command

    command.upgrade(alembic_config(url, schema), revision)


_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revisions() -> frozenset[str]:
    """The heads of the migration files, read from their `revision = …` lines: importing
    Alembic to learn them would cost more than the commands that ask."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if (found := _REVISION.search(source)) is not None:
            revisions.add(found.group(1))
        if (down := _DOWN_REVISION.search(source)) is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the database is at the head revision, with one query. False for a new database
    and for one behind or ahead: the caller then runs `upgrade`, which migrates or says why not."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = frozenset(row[0] for row in rows)
    except DBAPIError:  # no alembic_version table yet
        return False
    return bool(current) and current == head_revisions()


def current_revision(url: str, schema: str | None = None) -> str | None:
    async def _read() -> str | None:
        engine = make_engine(url, schema=schema)
        try:
            from alembic.runtime.migration import MigrationContext

            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(_read())

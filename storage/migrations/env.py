"""Alembic environment: runs the migrations on the async engine of `storage.db`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage import models  # noqa: F401  (registers the tables on the metadata)
from storage.db import make_engine
from storage.models import SQLModel

config = context.config
target_metadata = SQLModel.metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    url = config.attributes["url"]
    engine = make_engine(url, schema=config.attributes.get("schema"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `aiguide db upgrade`")
asyncio.run(_run())

"""The parts of bench/turns.py that are not the measuring: databases, seeding, the floor, and
the child processes that serve the bot's app or the floor on a loopback port."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.settings import load_municipality

# The sample municipality (config/municipality.toml): every benchmark turn belongs to it.
TENANT = load_municipality(
    Path(__file__).resolve().parents[1] / "config" / "municipality.toml"
).municipality.id

REPO = Path(__file__).resolve().parents[1]
FLOOR_TABLE = "CREATE TABLE IF NOT EXISTS bench_floor (id {pk}, received REAL, body TEXT)"
FLOOR_INSERT = "INSERT INTO bench_floor (received, body) VALUES ({a}, {b})"


@dataclass(frozen=True)
class Database:
    kind: str  # sqlite | postgres
    url: str
    schema: str | None
    municipality_file: Path
    floor_path: Path  # SQLite: the floor's own file beside the bot's

    def settings(self) -> Any:
        from bot.settings import Settings

        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=self.url,
            database_schema=self.schema,
            municipality_file=self.municipality_file,
            systems_file=REPO / "config" / "systems.yaml",
            log_level="WARNING",
        )

    def config(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "url": self.url,
                "schema": self.schema,
                "municipality_file": str(self.municipality_file),
                "floor_path": str(self.floor_path),
            }
        )


def _municipality_with(people: list[str], path: Path) -> Path:
    """The sample municipality, with every bench person as a persona of the local channel."""
    text = (REPO / "config" / "municipality.toml").read_text(encoding="utf-8")
    personas = "".join(
        f'\n[[personas]]\nid = "{p}"\nname = "{p}"\ndivision = "税務課"\nrole = "staff"\n'
        for p in people
    )
    path.write_text(text + personas, encoding="utf-8")
    return path


def _asyncpg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def open_database(
    kind: str, tmp: Path, postgres_url: str, people: list[str]
) -> AsyncIterator[Database]:
    """A freshly migrated database (PostgreSQL: a schema of its own, dropped afterwards)."""
    from storage.migrate import upgrade

    municipality = _municipality_with(people, tmp / f"municipality-{kind}.toml")
    if kind == "sqlite":
        db = Database(
            kind, f"sqlite+aiosqlite:///{tmp / 'bench.db'}", None, municipality, tmp / "floor.db"
        )
        await asyncio.to_thread(upgrade, db.url)
        yield db
        return
    import asyncpg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_url))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        db = Database(kind, postgres_url, schema, municipality, tmp / "unused")
        await asyncio.to_thread(upgrade, db.url, schema)
        yield db
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


async def _pre_use_done(runtime: Any, user: str) -> None:
    """Go through 利用開始 once, as a person would, to learn what a done confirmation holds."""
    from dialogs.turn import Turn

    async def send(**fields: Any) -> list[dict[str, Any]]:
        turn = Turn(
            TENANT,
            "local",
            user,
            "main",
            event_id=uuid.uuid4().hex,
            user_name=user,
            **fields,
        )
        return [r.to_dict() for r in await runtime.handle(turn)]

    def press(replies: list[dict[str, Any]], label: str) -> str | None:
        for reply in replies:
            for button in [*reply.get("buttons", ()), reply.get("submit") or {}]:
                if button.get("label") == label:
                    return str(button["id"])
        return None

    await send(text="利用開始")
    replies = await send(text="2026-10-01")
    while (action := press(replies, "確認しました")) is not None:
        replies = await send(action=action)
    action = press(replies, "送信")
    assert action is not None, replies
    replies = await send(action=action)
    assert "利用前の確認を記録しました" in json.dumps(replies, ensure_ascii=False), replies


async def seed_people(db: Database, people: list[str]) -> None:
    """The sample data, and every person known with their pre-use confirmations done."""
    from sqlalchemy import insert, select

    from bot.runtime import Runtime
    from storage.db import transaction
    from storage.models import Confirmation, Person, utcnow

    runtime = Runtime.create(db.settings())
    try:
        await runtime.load_sample_data()
        await _pre_use_done(runtime, "bench-probe")
        async with transaction(runtime.sessions) as session:
            done = (
                await session.execute(
                    select(Confirmation).where(Confirmation.user_id == "bench-probe")  # type: ignore[arg-type]
                )
            ).scalar_one()
            now = utcnow()
            person_rows = [
                dict(
                    tenant_id=TENANT,
                    channel="local",
                    user_id=p,
                    display_name=p,
                    division="税務課",
                    contact="",
                    locale=None,
                    created_at=now,
                    updated_at=now,
                )
                for p in people
            ]
            confirmation_rows = [
                dict(
                    tenant_id=TENANT,
                    channel="local",
                    user_id=p,
                    guideline_seq=done.guideline_seq,
                    items=list(done.items),
                    training_completed_on=done.training_completed_on or date(2026, 10, 1),
                    confirmed_at=now,
                )
                for p in people
            ]
            for start in range(0, len(people), 500):
                await session.execute(insert(Person), person_rows[start : start + 500])
                await session.execute(insert(Confirmation), confirmation_rows[start : start + 500])
    finally:
        await runtime.close()


class Floor:
    """One INSERT and COMMIT per request, on the same kind of database, with the bare driver."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Any = None
        self.pool: Any = None

    async def open(self) -> None:
        if self.db.kind == "sqlite":
            import aiosqlite

            self.conn = await aiosqlite.connect(self.db.floor_path)
            await self.conn.execute("PRAGMA journal_mode=WAL")
            await self.conn.execute(FLOOR_TABLE.format(pk="INTEGER PRIMARY KEY"))
            await self.conn.commit()
            return
        import asyncpg

        self.pool = await asyncpg.create_pool(
            _asyncpg_dsn(self.db.url),
            min_size=1,
            max_size=15,
            server_settings={"search_path": self.db.schema or "public"},
        )
        await self.pool.execute(FLOOR_TABLE.format(pk="SERIAL PRIMARY KEY"))

    async def commit_one(self, body: str) -> None:
        if self.conn is not None:
            await self.conn.execute(FLOOR_INSERT.format(a="?", b="?"), (time.time(), body))
            await self.conn.commit()
        else:
            await self.pool.execute(FLOOR_INSERT.format(a="$1", b="$2"), time.time(), body)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
        if self.pool is not None:
            await self.pool.close()


async def floor_inproc(db: Database, total: int, concurrency: int) -> tuple[list[float], float]:
    floor = Floor(db)
    await floor.open()
    remaining, latencies = total, []
    body = json.dumps({"persona": "p00000", "text": "住民の氏名をCopilotに入れていい？"})

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            await floor.commit_one(body)
            latencies.append(time.perf_counter() - start)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - start
    finally:
        await floor.close()


async def serve(what: str, config: dict[str, Any]) -> None:
    """Child process: the bot's app (bot/app.py) or the floor on a free loopback port."""
    import logging

    from aiohttp import web

    logging.basicConfig(level=logging.WARNING)
    db = Database(
        config["kind"],
        config["url"],
        config["schema"],
        Path(config["municipality_file"]),
        Path(config["floor_path"]),
    )
    if what == "bot":
        from bot.app import create_app
        from bot.runtime import Runtime

        app = create_app(Runtime.create(db.settings()))
    else:
        floor = Floor(db)
        await floor.open()

        async def handle(request: web.Request) -> web.Response:
            await floor.commit_one(await request.text())
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/floor", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"port {port}", flush=True)
    await asyncio.Event().wait()


def start_child(db: Database, what: str) -> tuple[subprocess.Popen[str], int]:
    """The child serving `what`, and its port (it prints the port once it listens)."""
    script = str(REPO / "bench" / "turns.py")
    child = subprocess.Popen(
        [sys.executable, script, "--serve", what, "--config", db.config()],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith("port "):
        child.kill()
        raise RuntimeError(f"{what} server did not start")
    return child, int(line.split()[1])


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> tuple[float, float]:
    """(peak RSS, RSS now) in MB."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (int(status["VmHWM"].split()[0]) / 1024, int(status["VmRSS"].split()[0]) / 1024)

"""What the fuzz tests share: one bot (Slack and Teams both on, SQLite) in an event loop of
its own, so hypothesis can drive it example by example, and a snapshot of everything it has
stored and posted, to show that a refused request changed nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import strategies as st

from bot.channels.slack import SLACK
from bot.runtime import Runtime
from storage.migrate import upgrade
from tests.bot.channels.slack.conftest import SECRET
from tests.bot.channels.slack.fake_slack import TOKEN, FakeSlack, slack_user
from tests.bot.channels.teams.conftest import Server, serve, teams_runtime
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.conftest import Database

MAX_BODY = 1024**2  # the app's client_max_size

# Any JSON value, nested a little.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# A value of a type no field of these payloads has where a string or an object belongs.
WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(), st.lists(JSON, max_size=3), st.floats(allow_nan=False)
)


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    path: Path
    runtime: Runtime
    server: Server
    slack: FakeSlack
    farend: FarEnd
    http: aiohttp.ClientSession
    tried: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.server.url.removesuffix("/api/messages")

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        async def send() -> tuple[int, str]:
            async with self.http.post(self.base + path, data=body, headers=headers) as response:
                return response.status, await response.text()

        return self.run(send())

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        async def send() -> tuple[int, str]:
            async with self.http.get(self.base + path, headers=headers or {}) as response:
                return response.status, await response.text()

        return self.run(send())

    def settle(self) -> None:
        """Until work started after an acknowledgement (Slack's) is over."""
        channel = self.server.runner.app[SLACK]

        async def calm() -> None:
            quiet = 0
            while quiet < 3:
                await asyncio.sleep(0.01)
                quiet = quiet + 1 if not channel.tasks else 0

        self.run(calm())

    def state(self) -> tuple[dict[str, int], int, int]:
        """Rows per table, and what was posted to Slack and to the Bot Connector."""
        with sqlite3.connect(self.path) as connection:
            names = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            rows = {
                name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in names
            }
        posted = len([c for c in self.slack.calls if c.method != "users.info"])
        return rows, posted, len(self.farend.posted)

    def count(self, kind: str) -> None:
        self.tried[kind] = self.tried.get(kind, 0) + 1


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("fuzz")
    database = Database(f"sqlite+aiosqlite:///{path / 'aiguide.db'}")
    upgrade(database.url)
    loop = asyncio.new_event_loop()

    async def start() -> World:
        slack = FakeSlack()
        slack.users["USTAFF"] = slack_user("USTAFF", "山田 花子", division="税務課")
        await slack.start()
        farend = FarEnd(SigningKey())
        await farend.start()
        runtime = await teams_runtime(
            database,
            farend,
            path,
            slack_signing_secret=SECRET,
            slack_bot_token=TOKEN,
            slack_api_url=slack.api_url,
            slack_messages_per_second=0,
        )
        server = await serve(runtime)
        http = aiohttp.ClientSession()
        return World(loop, path / "aiguide.db", runtime, server, slack, farend, http)

    world = loop.run_until_complete(start())
    yield world
    total = sum(world.tried.values())
    print(f"\nfuzz inputs tried: {total} {dict(sorted(world.tried.items()))}")

    async def stop() -> None:
        await world.http.close()
        await world.server.runner.cleanup()
        await world.slack.stop()
        await world.farend.stop()

    loop.run_until_complete(stop())
    loop.close()

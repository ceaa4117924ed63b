"""A real `aiguide serve` process (tests/bot/test_serve.py starts it) with Slack and mail
configured against fakes in the test's own event loop, and a Slack person talking to it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from tests.bot.channels.slack.conftest import SECRET, SlackBot, municipality_file
from tests.bot.channels.slack.fake_slack import TOKEN
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.test_serve import START_TIMEOUT, Server, free_port, start_server
from tests.conftest import Database
from tests.reliability.farends import FaultySlack
from tests.smtp import HOST, FakeSmtp


def serve_environment(
    database: Database, slack: FaultySlack, smtp: FakeSmtp, tmp_path: Path, **extra: str
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIGUIDE_")}
    env.update(
        {
            "AIGUIDE_DATABASE_URL": database.url,
            "AIGUIDE_HOST": "127.0.0.1",
            "AIGUIDE_MUNICIPALITY_FILE": str(municipality_file(tmp_path)),
            "AIGUIDE_SLACK_SIGNING_SECRET": SECRET,
            "AIGUIDE_SLACK_BOT_TOKEN": TOKEN,
            "AIGUIDE_SLACK_API_URL": slack.api_url,
            "AIGUIDE_SLACK_DIVISION_FIELD": "Xf0DIV",
            "AIGUIDE_SLACK_MESSAGES_PER_SECOND": "0",
            "AIGUIDE_SMTP_HOST": HOST,
            "AIGUIDE_SMTP_PORT": str(smtp.port),
            "AIGUIDE_TICK_SECONDS": "0.5",
            "PYTHONIOENCODING": "utf-8",
            **({"AIGUIDE_DATABASE_SCHEMA": database.schema} if database.schema else {}),
            **extra,
        }
    )
    return env


class Remote:
    """What SlackBot needs of a server: its URLs."""

    def __init__(self, base: str) -> None:
        self.base = URL(base)

    def make_url(self, path: str) -> URL:
        return self.base.join(URL(path))


async def start(env: dict[str, str]) -> Server:
    """`aiguide serve` on a free port, once it says it is running. Waiting happens in a
    thread: the fakes the process calls at start answer from this event loop."""
    port = free_port()
    server = start_server({**env, "AIGUIDE_PORT": str(port)})
    url = f"http://127.0.0.1:{port}/"
    await asyncio.to_thread(server.wait_for, url, START_TIMEOUT)
    server.url = url
    return server


def slack_bot(server: Server, slack: FaultySlack, http: aiohttp.ClientSession) -> SlackBot:
    return SlackBot(None, Remote(server.url), slack, http)  # type: ignore[arg-type]


async def calm(slack: FaultySlack, since: int, quiet_for: float = 0.6, wait: float = 30) -> None:
    """Until something came after call `since` and then nothing for `quiet_for` seconds."""
    deadline = time.monotonic() + wait
    seen, still = len(slack.calls), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if len(slack.calls) != seen:
            seen, still = len(slack.calls), time.monotonic()
        elif seen > since and time.monotonic() - still >= quiet_for:
            return
    raise AssertionError("the bot did not answer")


class RemotePerson(SlackPerson):
    """A Slack person whose bot is another process: its answers are what reached the fake."""

    async def _after(self, send: Awaitable[Any]) -> list[dict[str, Any]]:
        before = len(self.bot.slack.calls)
        response = await send
        assert response.status == 200, response.status
        await calm(self.bot.slack, before)
        self.last = self.posted_since(before)
        return self.last

    def posted_since(self, before: int) -> list[dict[str, Any]]:
        return [
            {**c.params, "ts": c.answer.get("ts")}
            for c in self.bot.slack.calls[before:]
            if c.method == "chat.postMessage" and c.params.get("channel") == self.dm
        ]

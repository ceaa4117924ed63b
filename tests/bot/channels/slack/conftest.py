"""The real bot (aiohttp server, bolt, router, database) on a loopback port, a fake Slack
Web API beside it, and requests signed with the signing secret as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.runtime import Runtime
from tests.bot.channels.slack.fake_slack import TEAM, TOKEN, FakeSlack
from tests.conftest import SAMPLE_MUNICIPALITY, Database, settings_for
from tests.farends import ADMIN, town_slack
from tests.farends import STAFF as STAFF  # the Slack tests import it from here

SECRET = "test-signing-secret"
POLICY_CHANNEL = "CPOLICY"
CAIO_CHANNEL = "CCAIO"
_ids = itertools.count(1)


def municipality_file(tmp_path: Path, tenant_id: str = "sakura-city", name: str = "") -> Path:
    """The sample municipality with its policy/CAIO channels in Slack and a Slack admin."""
    text = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
    text = text.replace('admins = ["sato"]', f'admins = ["sato", "{ADMIN}"]')
    if tenant_id != "sakura-city":
        text = text.replace('id = "sakura-city"', f'id = "{tenant_id}"', 1)
    if name:
        text = text.replace('name = "さくら市"', f'name = "{name}"', 1)
    text += (
        f'\n[channels]\nshared = "slack"\npolicy = "{POLICY_CHANNEL}"\ncaio = "{CAIO_CHANNEL}"\n'
    )
    path = tmp_path / f"{tenant_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackBot:
    """The running bot and what Slack would send it."""

    runtime: Runtime
    server: TestServer
    slack: FakeSlack
    http: aiohttp.ClientSession
    team: str = TEAM
    sent: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def post(
        self, path: str, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        signed = {**sign(body), "Content-Type": content_type, **(headers or {})}
        async with self.http.post(self.url(path), data=body, headers=signed) as response:
            await response.read()
            return response

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        team: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        team = team or self.team
        envelope = {
            "token": "unused",
            "team_id": team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
        return await self.post("/slack/events", json.dumps(envelope), "application/json", headers)

    async def dm(self, user: str, text: str, **kwargs: Any) -> aiohttp.ClientResponse:
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        }
        return await self.event(event, **kwargs)

    async def interaction(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post("/slack/interactions", body, "application/x-www-form-urlencoded")

    async def press(
        self,
        user: str,
        message: dict[str, Any],
        button_value: str,
        *,
        channel: str | None = None,
        team: str | None = None,
    ) -> aiohttp.ClientResponse:
        """Press the button with this value (or label) in a message the bot posted."""
        action = find_action(message, button_value)
        channel = channel or message.get("channel") or f"D{user}"
        payload = {
            "type": "block_actions",
            "team": {"id": team or self.team},
            "user": {"id": user, "team_id": team or self.team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(_ids)}",
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "channel": {"id": channel},
            "message": {"ts": message["ts"], "blocks": message["blocks"]},
            "response_url": self.slack.response_url(f"r{next(_ids)}"),
            "state": {"values": message.get("state", {})},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        return await self.interaction(payload)

    async def command(self, user: str, text: str, channel: str = "") -> aiohttp.ClientResponse:
        body = urllib.parse.urlencode(
            {
                "command": "/aiguide",
                "text": text,
                "team_id": self.team,
                "user_id": user,
                "channel_id": channel or f"D{user}",
                "trigger_id": f"trigger-{next(_ids)}",
                "response_url": self.slack.response_url(f"c{next(_ids)}"),
            }
        )
        return await self.post("/slack/commands", body, "application/x-www-form-urlencoded")

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to a channel, each with the ts Slack gave it."""
        return [
            {**call.params, "ts": call.answer.get("ts")}
            for call in self.slack.of("chat.postMessage")
            if call.params.get("channel") == channel
        ]


def find_action(message: dict[str, Any], wanted: str) -> dict[str, Any]:
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["type"] == "button" and wanted in (
                element["value"],
                element["text"]["text"],
            ):
                return {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": block.get("block_id", "b"),
                    "value": element["value"],
                    "text": element["text"],
                }
            if element["type"] == "static_select":
                for option in element["options"]:
                    if wanted in (option["value"], option["text"]["text"]):
                        return {
                            "type": "static_select",
                            "action_id": element["action_id"],
                            "block_id": block.get("block_id", "b"),
                            "selected_option": option,
                        }
    raise AssertionError(f"no button {wanted!r} in {text_of(message)}")


def text_of(message: dict[str, Any]) -> str:
    """What a person reads in a posted message (all its text, buttons included)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                parts.append(node["text"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks", []))
    return "\n".join(parts)


async def start_bot(
    database: Database, slack: FakeSlack, tmp_path: Path, **overrides: Any
) -> tuple[Runtime, TestServer]:
    values: dict[str, Any] = {
        "municipality_file": municipality_file(tmp_path),
        "slack_signing_secret": SECRET,
        "slack_bot_token": TOKEN,
        "slack_api_url": slack.api_url,
        "slack_division_field": "Xf0DIV",
        "slack_messages_per_second": 0,
    }
    values.update(overrides)
    settings = settings_for(database, **values)
    assert settings.slack_problem() is None
    runtime = Runtime.create(settings)
    await runtime.load_sample_data()
    server = TestServer(create_app(runtime), host="127.0.0.1")
    await server.start_server()
    return runtime, server


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with town_slack(FakeSlack(), english=True) as slack:
        yield slack


@pytest.fixture
async def bot(database: Database, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    runtime, server = await start_bot(database, fake_slack, tmp_path)
    async with aiohttp.ClientSession() as http:
        yield SlackBot(runtime, server, fake_slack, http)
    await server.close()

"""Two real `aiguide serve` processes and the far ends they talk to: the harness of
tests/bot/test_replica_processes.py (starting and killing the processes, a fake Slack that can
hold its answers, people in Slack whose requests go to the replica chosen)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import col, select

from bot.runtime import Runtime
from storage.db import transaction
from storage.models import OutboxMessage
from tests.bot.channels.slack.conftest import (
    ADMIN,
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    SECRET,
    find_action,
    sign,
    text_of,
)
from tests.bot.channels.slack.fake_slack import TEAM, TOKEN, Call, FakeSlack, slack_user
from tests.bot.channels.teams.conftest import APP_ID, APP_TENANT, TeamsPerson
from tests.bot.channels.teams.farend import FarEnd
from tests.conftest import SAMPLE_MUNICIPALITY, Database

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 90
LEASE_SECONDS = 6  # short, so a killed replica's leased message is due again soon
TICK_SECONDS = 0.3
MAJOR = "改定（CAIO決裁。全員が確認し直し）"
_ids = itertools.count(1)


# --- the two processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def municipality_file(tmp_path: Path) -> Path:
    """The sample municipality with a Slack admin and its shared channels in Slack."""
    text = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
    text = text.replace('admins = ["sato"]', f'admins = ["sato", "{ADMIN}"]')
    text += (
        f'\n[channels]\nshared = "slack"\npolicy = "{POLICY_CHANNEL}"\ncaio = "{CAIO_CHANNEL}"\n'
    )
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Replica:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def endpoint(self) -> Any:
        """What a TeamsPerson posts to (it reads `.url`)."""
        return _Endpoint(f"{self.url}/api/messages")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lease given back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class _Endpoint:
    url: str


def replica_environment(
    database: Database, slack: FakeSlack, farend: FarEnd, tmp_path: Path, port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGUIDE_")}
    env.update(
        {
            "AIGUIDE_DATABASE_URL": database.url,
            "AIGUIDE_HOST": "127.0.0.1",
            "AIGUIDE_PORT": str(port),
            "AIGUIDE_MUNICIPALITY_FILE": str(municipality_file(tmp_path)),
            "AIGUIDE_SYSTEMS_FILE": str(REPO / "config" / "systems.yaml"),
            "AIGUIDE_TICK_SECONDS": str(TICK_SECONDS),
            "AIGUIDE_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "AIGUIDE_SLACK_SIGNING_SECRET": SECRET,
            "AIGUIDE_SLACK_BOT_TOKEN": TOKEN,
            "AIGUIDE_SLACK_API_URL": slack.api_url,
            "AIGUIDE_SLACK_MESSAGES_PER_SECOND": "0",
            "AIGUIDE_TEAMS_APP_ID": APP_ID,
            "AIGUIDE_TEAMS_APP_PASSWORD": "app-secret",
            "AIGUIDE_TEAMS_APP_TENANT": APP_TENANT,
            "AIGUIDE_TEAMS_OPENID_URL": f"{farend.url}/openid",
            "AIGUIDE_TEAMS_TOKEN_URL": f"{farend.url}/token",
            "AIGUIDE_TEAMS_MESSAGES_PER_SECOND": "1000",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    if database.schema:
        env["AIGUIDE_DATABASE_SCHEMA"] = database.schema
    return env


def spawn(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--no-migrate"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def start_replicas(
    database: Database, slack: FakeSlack, farend: FarEnd, tmp_path: Path, count: int = 2
) -> list[Replica]:
    """`aiguide serve --no-migrate` × count, started at the same moment on the migrated but
    empty database (each one may be the one that adds the sample municipality)."""
    replicas = []
    for name in "ab"[:count]:
        port = free_port()
        log = tmp_path / f"replica-{name}.log"
        env = replica_environment(database, slack, farend, tmp_path, port)
        replicas.append(Replica(name, spawn(name, env, log), f"http://127.0.0.1:{port}", log))
    async with aiohttp.ClientSession() as http:
        for replica in replicas:
            await _wait_ready(http, replica)
    return replicas


async def _wait_ready(http: aiohttp.ClientSession, replica: Replica) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            pytest.fail(f"replica {replica.name} exited:\n{replica.output()}")
        try:
            async with http.get(f"{replica.url}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    pytest.fail(f"replica {replica.name} not ready in {START_SECONDS} s:\n{replica.output()}")


def stop(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.process.poll() is None:
            replica.process.send_signal(signal.SIGTERM)
    for replica in replicas:
        try:
            replica.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait(timeout=10)


# --- the far ends --------------------------------------------------------------------------


@dataclass
class HoldingSlack(FakeSlack):
    """The fake Web API, which can hold chat.postMessage answers (a slow Slack) while a
    replica is killed mid-call. Each call is recorded when it arrives."""

    holding: asyncio.Event = field(default_factory=asyncio.Event)  # set: answers are held
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "chat.postMessage" and self.holding.is_set():
            body = await request.read()
            params = json.loads(body) if request.content_type == "application/json" else {}
            self._record(Call("chat.postMessage#held", params, ""))
            await self.released.wait()
            answer = self._answer("chat.postMessage", params, TOKEN)
            self._record(Call("chat.postMessage", params, TOKEN, answer))
            return web.json_response(answer)
        return await super()._api(request)

    def outbox_keys(self) -> Counter[str]:
        """How many times each outbox message reached Slack (a held call counts: it had
        arrived in full)."""
        counts: Counter[str] = Counter()
        for call in self.calls:
            if call.method in ("chat.postMessage", "chat.postMessage#held"):
                key = ((call.params.get("metadata") or {}).get("event_payload") or {}).get("key")
                if key and not (call.method == "chat.postMessage" and _was_held(self, call)):
                    counts[key] += 1
        return counts


def _was_held(slack: HoldingSlack, call: Call) -> bool:
    """The answer of a held call (its arrival is already counted)."""
    return any(c.method == "chat.postMessage#held" and c.params is call.params for c in slack.calls)


def teams_outbox_keys(farend: FarEnd) -> Counter[str]:
    counts: Counter[str] = Counter()
    for posted in farend.posted:
        for entity in posted.activity.get("entities") or ():
            if entity.get("type") == "aiguide/outbox" and entity.get("part") == 0:
                counts[entity["key"]] += 1
    return counts


# --- people --------------------------------------------------------------------------------

REPLY_METHODS = ("chat.postMessage", "chat.postEphemeral", "response_url")


class SlackStaff:
    """Someone in Slack whose requests reach whichever replica they are sent to."""

    def __init__(self, http: aiohttp.ClientSession, slack: FakeSlack, user: str) -> None:
        self.http, self.slack, self.user = http, slack, user
        self.dm = f"D{user}"
        self.last: list[dict[str, Any]] = []

    async def _send(
        self, via: Replica, path: str, body: str, content_type: str, until: str
    ) -> None:
        before = len(self.slack.calls)
        headers = {**sign(body), "Content-Type": content_type}
        async with self.http.post(via.url + path, data=body, headers=headers) as response:
            assert response.status == 200, (response.status, await response.text())
        self.last = await replies_since(self.slack, before, self.dm, until)

    async def say(self, via: Replica, text: str, until: str) -> str:
        """Send `text`; the replies once one of them shows `until`."""
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": self.dm,
            "user": self.user,
            "text": text,
            "ts": f"{time.time():.6f}",
        }
        envelope = {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"EvR{next(_ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
        await self._send(via, "/slack/events", json.dumps(envelope), "application/json", until)
        return self.text

    async def press(self, via: Replica, label: str, until: str) -> str:
        message = next(m for m in reversed(self.last) if _has(m, label))
        action = find_action(message, label)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": self.user, "team_id": TEAM},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(_ids)}",
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": self.dm},
            "channel": {"id": self.dm},
            "message": {"ts": message["ts"], "blocks": message["blocks"]},
            "response_url": self.slack.response_url(f"r{next(_ids)}"),
            "state": {"values": {}},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        form = "application/x-www-form-urlencoded"
        await self._send(via, "/slack/interactions", body, form, until)
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(text_of(m) for m in self.last)

    def has_button(self, label: str) -> bool:
        return any(_has(m, label) for m in self.last)


def _has(message: dict[str, Any], label: str) -> bool:
    try:
        find_action(message, label)
    except AssertionError:
        return False
    return True


async def replies_since(
    slack: FakeSlack, before: int, channel: str, until: str, seconds: float = 60
) -> list[dict[str, Any]]:
    """The replies that came after call `before`, once one of them shows `until` and no
    other call came for a moment (a turn may answer with several messages)."""
    deadline = time.monotonic() + seconds
    seen, calm_since = before, time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if len(slack.calls) != seen:
            seen, calm_since = len(slack.calls), time.monotonic()
        new = [
            c
            for c in slack.calls[before:]
            if c.method in REPLY_METHODS
            and (c.method == "response_url" or c.params.get("channel") == channel)
            and "metadata" not in c.params  # an outbox post is not a reply
        ]
        shown = "\n".join(text_of(c.params) for c in new)
        if until in shown and time.monotonic() - calm_since >= 0.3:
            return [{**c.params, "ts": c.answer.get("ts")} for c in new]
    raise AssertionError(f"no reply showing {until!r} in {channel} within {seconds} s")


def teams_person(farend: FarEnd, aad: str, name: str, via: Replica) -> TeamsPerson:
    farend.members[f"29:{aad}"] = {"id": f"29:{aad}", "aadObjectId": aad, "name": name}
    return TeamsPerson(via.endpoint(), farend, aad, name)  # type: ignore[arg-type]


async def wait_until(check: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


async def outbox_rows(db: Runtime, prefix: str) -> list[OutboxMessage]:
    async with transaction(db.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.key).startswith(prefix))
        return list((await session.exec(statement)).all())


async def all_sent(db: Runtime, prefix: str) -> bool:
    rows = await outbox_rows(db, prefix)
    return bool(rows) and all(r.sent_at is not None for r in rows)


def slack_people(slack: FakeSlack, count: int) -> list[str]:
    users = [f"UREP{n:03d}" for n in range(count)]
    for user in users:
        slack.users[user] = slack_user(user, f"職員 {user}", division="税務課")
    slack.users[ADMIN] = slack_user(ADMIN, "佐藤 次郎", division="情報政策課")
    return users

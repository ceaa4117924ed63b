"""Two real `aiguide serve` processes on one database, Slack and Teams configured against the
fakes on loopback, driven alternately as a load balancer in front of them would.

Every Slack request is signed with the signing secret, every Teams activity carries a JWT
signed by the far end's key; what people see is read back from the fake Web API and the fake
Bot Connector, where each outbox message is counted by the key it carries.
"""

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
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import col, select, update

from bot.business_time import is_business_time, working_days_between
from bot.runtime import Runtime
from bot.services.reminders import plan_reminders
from dialogs.context import JST
from storage.addresses import PersonAddress
from storage.db import transaction
from storage.models import Broadcast, GuidelineVersion, OutboxMessage, Person, Reminder, utcnow
from storage.outbox import enqueue
from storage.tenants import link
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
from tests.bot.channels.teams.conftest import APP_ID, APP_TENANT, M365_TENANT, TeamsPerson
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.conftest import SAMPLE_MUNICIPALITY, SAMPLE_TENANT, Database, settings_for

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


@pytest.fixture
async def slack() -> AsyncIterator[HoldingSlack]:
    fake = HoldingSlack()
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.refused == []


@pytest.fixture
async def farend() -> AsyncIterator[FarEnd]:
    far = FarEnd(SigningKey())
    await far.start()
    yield far
    await far.stop()


@pytest.fixture
def replicas_of(
    database: Database, slack: HoldingSlack, farend: FarEnd, tmp_path: Path
) -> Iterator[Callable[[], Any]]:
    started: list[Replica] = []

    async def start() -> list[Replica]:
        started.extend(await start_replicas(database, slack, farend, tmp_path))
        return started

    yield start
    stop(started)


@pytest.fixture
async def db(database: Database, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The test's own handle on the shared database (it serves nothing)."""
    runtime = Runtime.create(settings_for(database, municipality_file=municipality_file(tmp_path)))
    yield runtime
    await runtime.close()


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


# --- the transcripts -----------------------------------------------------------------------


async def test_two_processes_share_forms_reminders_and_the_outbox(
    replicas_of: Callable[[], Any], db: Runtime, slack: HoldingSlack, farend: FarEnd
) -> None:
    users = slack_people(slack, 6)
    a, b = await replicas_of()
    assert [t.id for t in await db.tenant_list()] == [SAMPLE_TENANT]  # added once
    async with transaction(db.sessions) as session:  # the municipality's Microsoft 365 tenant
        await link(session, SAMPLE_TENANT, "teams_tenant", M365_TENANT)
    async with aiohttp.ClientSession() as http:
        # A form in Slack, each step through the other process.
        yamada = SlackStaff(http, slack, users[0])
        assert "1/" in await yamada.say(a, "利用開始", "1/6")
        await yamada.say(b, "2026-10-01", "2/6")
        steps = itertools.cycle((a, b))
        while yamada.has_button("確認しました"):
            await yamada.press(next(steps), "確認しました", "確認")
        assert "利用前の確認を記録しました" in await yamada.press(
            next(steps), "送信", "記録しました"
        )

        # The same form in Teams, alternating too.
        tanaka = teams_person(farend, "aad-rep-tanaka", "田中 一郎", a)
        replicas = itertools.cycle((a, b))

        async def on_next(send: Callable[[], Any]) -> str:
            tanaka.server = next(replicas).endpoint()
            return await send()

        await on_next(lambda: tanaka.say("利用開始"))
        await on_next(lambda: tanaka.say("2026-10-01"))
        while any(a_["title"] == "確認しました" for _, a_ in tanaka._latest_actions()):
            await on_next(lambda: tanaka.press("確認しました"))
        assert "利用前の確認を記録しました" in await on_next(lambda: tanaka.press("送信"))

        # The others say hello, half through each process: everyone is known.
        for n, user in enumerate(users[1:]):
            assert "ガイドライン" in await SlackStaff(http, slack, user).say(
                (a, b)[n % 2], "ヘルプ", "ガイドライン"
            )
        teams_staff = [
            teams_person(farend, f"aad-rep-{n}", f"職員{n}", (a, b)[n % 2]) for n in range(4)
        ]
        for person in teams_staff:
            await person.say("ヘルプ")

        # Reminders for whoever has not confirmed, made due now: once each, whoever ticks.
        started = utcnow()
        await make_due_reminders(db, started)
        business = is_business_time(started)
        if business:
            await wait_until(lambda: all_sent(db, "reminder:"), 60, "every reminder sent")

        # The policy division publishes a major version, each answer through the other process.
        sato = SlackStaff(http, slack, ADMIN)
        ring = itertools.cycle((b, a))
        assert "1/5" in await sato.say(next(ring), "ガイドライン公開", "1/5")
        await sato.say(next(ring), "2.0", "2/5")
        await sato.press(next(ring), MAJOR, "3/5")
        await sato.say(next(ring), "副市長 高橋", "4/5")
        await sato.say(next(ring), utcnow().astimezone(JST).date().isoformat(), "5/5")
        await sato.say(next(ring), "生成AIの利用範囲を見直しました", "送信")
        assert "Ver2.0" in await sato.press(next(ring), "送信", "Ver2.0")

        async def finished() -> bool:
            async with transaction(db.sessions) as session:
                found = (await session.exec(select(Broadcast))).all()
            return len(found) == 1 and found[0].finished_at is not None

        await wait_until(finished, 60, "the broadcast finished")
        # A few more ticks of both: nothing may go out again.
        await asyncio.sleep(TICK_SECONDS * 10)

    everyone = 1 + len(users) + 1 + len(teams_staff)  # Slack staff, the admin, Teams people
    rows = await outbox_rows(db, "guideline:")
    assert len(rows) == everyone
    delivered = slack.outbox_keys() + teams_outbox_keys(farend)
    assert {r.key: delivered[r.key] for r in rows} == dict.fromkeys((r.key for r in rows), 1)
    reminders = await outbox_rows(db, "reminder:")
    if business and is_business_time(utcnow()):
        # Everyone known then (not yet the admin) but the two who confirmed, once each.
        assert len(reminders) == len(users) - 1 + len(teams_staff)
        assert {r.key: delivered[r.key] for r in reminders} == {r.key: 1 for r in reminders}
    elif not business:
        assert reminders == []  # waiting for office hours
    # Nothing at all was delivered twice (progress notes to the admin included).
    assert [key for key, times in delivered.items() if times > 1] == []
    assert a.process.poll() is None and b.process.poll() is None
    assert "Traceback" not in a.output() + b.output()


async def make_due_reminders(db: Runtime, now: datetime) -> None:
    """As if everyone had first talked to the bot five working days ago."""
    today = now.astimezone(JST).date()
    since = today
    while working_days_between(since, today) < 5:
        since -= timedelta(days=1)
    first_seen = datetime.combine(since, datetime.min.time(), tzinfo=JST).astimezone(UTC)
    async with transaction(db.sessions) as session:
        await session.exec(update(Person).values(created_at=first_seen))  # type: ignore[call-overload]
        await session.exec(
            update(GuidelineVersion).values(effective_on=since - timedelta(days=90))  # type: ignore[call-overload]
        )
    town = (await db.town()).facts
    async with transaction(db.sessions) as session:
        await plan_reminders(session, town, now, db.hours)
        await session.exec(update(Reminder).values(due_at=now - timedelta(hours=1)))  # type: ignore[call-overload]


async def test_a_killed_process_leaves_its_leased_message_and_its_form_to_the_other(
    replicas_of: Callable[[], Any], db: Runtime, slack: HoldingSlack
) -> None:
    users = slack_people(slack, 8)
    a, b = await replicas_of()
    async with aiohttp.ClientSession() as http:
        for n, user in enumerate(users):
            await SlackStaff(http, slack, user).say((a, b)[n % 2], "ヘルプ", "ガイドライン")
        # A form begun on A.
        yamada = SlackStaff(http, slack, users[0])
        await yamada.say(a, "利用開始", "1/6")
        await yamada.say(a, "2026-10-01", "2/6")
        assert yamada.has_button("確認しました")

        # Slack is slow: both processes are mid-call, each holding one message's lease.
        slack.holding.set()
        async with transaction(db.sessions) as session:
            for user in users:
                await enqueue(
                    session,
                    SAMPLE_TENANT,
                    key=f"probe:{user}",
                    channel="slack",
                    address=PersonAddress(user),
                    body={"type": "text", "text": "お知らせ"},
                )

        async def leased() -> list[OutboxMessage]:
            return [r for r in await outbox_rows(db, "probe:") if r.lease is not None]

        async def both_mid_call() -> bool:
            held = len(slack.of("chat.postMessage#held"))
            return held == 2 and len(await leased()) == 2

        await wait_until(both_mid_call, 20, "both processes mid-call")
        in_flight = {r.key: r.leased_until for r in await leased()}
        a.kill()
        slack.holding.clear()
        slack.released.set()

        # B's call is answered and recorded; A's message waits for its lease to expire.
        async def one_left() -> bool:
            rows = {r.key: r for r in await outbox_rows(db, "probe:")}
            return sum(rows[k].sent_at is None for k in in_flight) == 1

        await wait_until(one_left, 10, "B recorded its own message")
        rows = {r.key: r for r in await outbox_rows(db, "probe:")}
        [orphan] = [k for k in in_flight if rows[k].sent_at is None]
        await wait_until(lambda: all_sent(db, "probe:"), 60, "B delivered everything")

        # The form goes on in B where A left it.
        steps = 0
        while yamada.has_button("確認しました") and steps < 20:
            await yamada.press(b, "確認しました", "確認")
            steps += 1
        assert "利用前の確認を記録しました" in await yamada.press(b, "送信", "記録しました")

    rows = {r.key: r for r in await outbox_rows(db, "probe:")}
    expired_at = in_flight[orphan]
    assert expired_at is not None
    sent_at = rows[orphan].sent_at
    assert sent_at is not None and sent_at.replace(tzinfo=UTC) >= expired_at.replace(tzinfo=UTC)
    delivered = slack.outbox_keys()
    # Nothing lost; the one message A was sending when it died reached Slack twice (its call
    # had arrived, then B sent it again after the lease: the at-least-once window), no other.
    assert {key: delivered[key] for key in rows} == {key: 2 if key == orphan else 1 for key in rows}
    assert "Traceback" not in b.output()

"""Load: N staff over Slack on one process with PostgreSQL, then a broadcast to all of them.

    python bench/load.py [--staff 5000] [--concurrency 64] [--rate 50]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

One `python -m bot serve` (a throwaway PostgreSQL schema, Slack configured against a fake Web
API on loopback in this process). Phase 1: `--staff` people, `--concurrency` at a time, each
over signed Slack requests through the real server: 利用開始, the training date, the five
「確認しました」, 送信, then one entry check (「…Copilotに入れて…いいですか」); every step
waits for the bot's answer at the fake before the next. Phase 2: an admin publishes a major
guideline version through the same DM form, and the bot notifies everyone through the
outbox while the fake limits chat.postMessage as Slack does: `--rate` per second for the
workspace (a token bucket holding one second's worth) and one per second into each channel
(a bucket of three); above either: 429 with Retry-After. The bot paces itself at the same
workspace rate (AIGUIDE_SLACK_MESSAGES_PER_SECOND) and one per second per channel.

Prints: conversations/s and requests/s, p50/p99 acknowledgement, the bot's RSS after each
1,000 finished conversations and its peak, the broadcast's time against the minimum the
rate limit allows ((messages − burst) / rate) and their ratio, 429s, and per person how many
notices arrived (lost: none; duplicated: more than one), counted at the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SECRET, TOKEN, TEAM, ADMIN = "load-signing-secret", "xoxb-load-1", "TLOAD", "UADMIN"
CHECK = "住民の氏名と住所をCopilotに入れて、相談記録を要約してもいいですか"
MAJOR = "改定（CAIO決裁。全員が確認し直し）"
Post = dict[str, Any]
CHANNEL_RATE, CHANNEL_BURST = 1.0, 3.0  # chat.postMessage into one channel


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def text_of(post: Post) -> str:
    return json.dumps(post.get("blocks", []), ensure_ascii=False) + str(post.get("text", ""))


def button(post: Post, label: str) -> dict[str, Any] | None:
    for block in post.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return {**element, "block_id": block.get("block_id", "b")}
    return None


class FakeSlack:
    """The Web API on loopback: every post kept per channel; outbox posts counted by key."""

    def __init__(self) -> None:
        self.posts: dict[str, list[Post]] = defaultdict(list)
        self.changed: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.keys: Counter[str] = Counter()
        self.keyed_at: list[float] = []  # arrival of each accepted outbox post
        self.calls: Counter[str] = Counter()
        self.rate = 0.0  # chat.postMessage per second for the workspace; 0: no limit
        self.tokens, self.filled_at = 0.0, 0.0
        # Per channel: (tokens, when filled); Slack's about one per second, short bursts.
        self.channels: dict[str, tuple[float, float]] = {}
        self.ts = itertools.count(1000)
        self.url = ""

    def limit(self, rate: float) -> None:
        self.rate, self.tokens, self.filled_at = rate, rate, time.monotonic()

    def _allowed(self, channel: str) -> bool:
        if not self.rate:
            return True
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.filled_at) * self.rate)
        self.filled_at = now
        held, filled = self.channels.get(channel, (CHANNEL_BURST, now))
        held = min(CHANNEL_BURST, held + (now - filled) * CHANNEL_RATE)
        if self.tokens < 1 or held < 1:
            self.channels[channel] = (held, now)
            return False
        self.tokens -= 1
        self.channels[channel] = (held - 1, now)
        return True

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024**2)
        app.router.add_post("/api/{method}", self._api)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/api/"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        self.calls[method] += 1
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team_id": TEAM, "user_id": "UBOT", "bot_id": "B1"}
            )
        if method == "users.info":
            user = str(params.get("user"))
            profile = {"display_name": f"職員 {user}", "email": f"{user.lower()}@example.lg.jp"}
            return web.json_response(
                {"ok": True, "user": {"id": user, "locale": "ja-JP", "profile": profile}}
            )
        if method == "chat.postMessage":
            if not self._allowed(str(params.get("channel"))):
                self.calls["429"] += 1
                headers = {"Retry-After": "1"}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, 429, headers=headers
                )
            ts = f"{next(self.ts)}.000100"
            channel = str(params.get("channel"))
            key = ((params.get("metadata") or {}).get("event_payload") or {}).get("key")
            if key:
                self.keys[key] += 1
                self.keyed_at.append(time.monotonic())
            self.posts[channel].append({**params, "ts": ts})
            self.changed[channel].set()
            return web.json_response({"ok": True, "channel": channel, "ts": ts})
        return web.json_response({"ok": True, "view": {"id": "V1"}, "ts": "1.0"})

    async def next_post(
        self, channel: str, since: int, wanted: Callable[[Post], bool], seconds: float = 120
    ) -> Post:
        """The first post in `channel` after index `since` that `wanted` accepts."""
        deadline = time.monotonic() + seconds
        while True:
            for post in self.posts[channel][since:]:
                if wanted(post):
                    return post
            event = self.changed[channel]
            event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no expected post in {channel}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)


class Staff:
    """One person in Slack; every request signed as Slack signs it."""

    ids = itertools.count(1)

    def __init__(self, http: aiohttp.ClientSession, bot: str, slack: FakeSlack, user: str) -> None:
        self.http, self.bot, self.slack, self.user = http, bot, slack, user
        self.dm = f"D{user}"
        self.acks: list[float] = []

    async def _post(self, path: str, body: str, content_type: str) -> None:
        stamp = str(int(time.time()))
        digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest.hexdigest()}",
        }
        started = time.monotonic()
        async with self.http.post(self.bot + path, data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
        self.acks.append(time.monotonic() - started)

    async def say(self, text: str, wanted: Callable[[Post], bool]) -> Post:
        since = len(self.slack.posts[self.dm])
        event = {"type": "message", "channel_type": "im", "channel": self.dm, "user": self.user}
        event |= {"text": text, "ts": f"{time.time():.6f}"}
        envelope = {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{next(self.ids):09d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
        await self._post("/slack/events", json.dumps(envelope), "application/json")
        return await self.slack.next_post(self.dm, since, wanted)

    async def press(self, post: Post, label: str, wanted: Callable[[Post], bool]) -> Post:
        found = button(post, label)
        assert found is not None, f"no {label} in {text_of(post)[:300]}"
        since = len(self.slack.posts[self.dm])
        action = {k: found[k] for k in ("action_id", "block_id", "value", "text", "type")}
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": self.user, "team_id": TEAM},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(self.ids)}",
            "container": {"type": "message", "message_ts": post["ts"], "channel_id": self.dm},
            "channel": {"id": self.dm},
            "message": {"ts": post["ts"], "blocks": post["blocks"]},
            "state": {"values": {}},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        await self._post("/slack/interactions", body, "application/x-www-form-urlencoded")
        return await self.slack.next_post(self.dm, since, wanted)


def has(label: str) -> Callable[[Post], bool]:
    return lambda post: button(post, label) is not None


def has_any(*labels: str) -> Callable[[Post], bool]:
    return lambda post: any(button(post, label) is not None for label in labels)


def says(text: str) -> Callable[[Post], bool]:
    return lambda post: text in text_of(post)


async def conversation(staff: Staff) -> None:
    """The pre-use confirmation, then one entry check."""
    await staff.say("利用開始", says("1/6"))
    post = await staff.say("2026-10-01", has("確認しました"))
    while button(post, "確認しました") is not None:
        post = await staff.press(
            post, "確認しました", lambda p: has("確認しました")(p) or has("送信")(p)
        )
    await staff.press(post, "送信", says("利用前の確認を記録しました"))
    await staff.say(CHECK, says("入力できません"))


def memory_mb(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


async def phase_one(
    http: aiohttp.ClientSession, bot: str, slack: FakeSlack, pid: int, args: argparse.Namespace
) -> tuple[list[Staff], dict[str, Any]]:
    people = [Staff(http, bot, slack, f"U{n:07d}") for n in range(args.staff)]
    queue = iter(people)
    finished, rss, failures = 0, [], 0
    started, cpu = time.monotonic(), cpu_seconds(pid)

    async def worker() -> None:
        nonlocal finished, failures
        for staff in queue:
            try:
                await conversation(staff)
            except (TimeoutError, RuntimeError, AssertionError) as error:
                failures += 1
                print(f"  {staff.user}: {error}", file=sys.stderr)
            finished += 1
            if finished % args.sample_every == 0:
                rss.append(memory_mb(pid)["VmRSS"])
                print(f"  {finished} conversations, RSS {rss[-1]} MB", flush=True)

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    elapsed, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu
    acks = [a for staff in people for a in staff.acks]
    return people, {
        "staff": args.staff,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 1),
        "conversations_per_s": round(args.staff / elapsed, 2),
        "requests": len(acks),
        "requests_per_s": round(len(acks) / elapsed, 1),
        "bot_cpu_ms_per_request": round(1000 * cpu / max(1, len(acks)), 1),
        "ack_p50_ms": percentile(acks, 50),
        "ack_p99_ms": percentile(acks, 99),
        "failed_conversations": failures,
        f"rss_mb_per_{args.sample_every}": rss,
        **memory_mb(pid),
    }


async def phase_two(
    http: aiohttp.ClientSession,
    bot: str,
    slack: FakeSlack,
    audience: list[str],
    rate: float,
    pid: int,
) -> dict[str, Any]:
    admin = Staff(http, bot, slack, ADMIN)
    await admin.say("ガイドライン公開", says("1/5"))
    kind = await admin.say("2.0", has(MAJOR))
    await admin.press(kind, MAJOR, says("3/5"))
    await admin.say("副市長 高橋", says("4/5"))
    await admin.say(time.strftime("%Y-%m-%d"), says("5/5"))
    review = await admin.say("生成AIの利用範囲を見直しました", has("送信"))
    keyed_before = len(slack.keyed_at)
    slack.limit(rate)
    started, cpu = time.monotonic(), cpu_seconds(pid)
    await admin.press(review, "送信", says("Ver2.0"))
    published = time.monotonic() - started
    expected = [*audience, ADMIN]
    # Progress notes (each quarter, and the end) go through the same paced lane.
    await slack.next_post(ADMIN, 0, says("すべて配信しました"), seconds=3600)
    finished, cpu = slack.keyed_at[-1] - started, cpu_seconds(pid) - cpu
    notices = Counter()
    for key, times in slack.keys.items():
        if key.startswith("guideline:"):
            notices[key.rsplit(":", 1)[1]] += times
    posts = len(slack.keyed_at) - keyed_before
    minimum = max(0.0, posts - rate) / rate  # the bucket starts full: one second's burst
    return {
        "people": len(expected),
        "rate_per_s": rate,
        "outbox_posts": posts,
        "publish_ack_to_done_reply_s": round(published, 2),
        "broadcast_s": round(finished, 1),
        "minimum_s": round(minimum, 1),
        "ratio": round(finished / minimum, 3) if minimum else None,
        "bot_cpu_ms_per_message": round(1000 * cpu / max(1, posts), 2),
        "bot_cpu_share": round(cpu / finished, 2),  # of one core, while it ran
        "throttled_429": slack.calls["429"],
        "lost": sum(1 for user in expected if notices[user] == 0),
        "duplicated": sum(max(0, notices[user] - 1) for user in expected),
    }


async def add_known(url: str, schema: str, count: int) -> list[str]:
    """People who talked to the bot in Slack before (one row each), for a bigger audience
    than the conversations of this run can make in a few minutes on this machine."""
    from sqlalchemy import insert

    from storage.db import make_engine, session_maker, transaction
    from storage.models import Person, utcnow

    engine = make_engine(url, schema=schema)
    users = [f"UK{n:07d}" for n in range(count)]
    now = utcnow()
    rows = [
        {"tenant_id": "sakura-city", "channel": "slack", "user_id": user, "display_name": user}
        | {"division": "税務課", "locale": "ja", "created_at": now, "updated_at": now}
        for user in users
    ]
    try:
        async with transaction(session_maker(engine)) as session:
            for start in range(0, len(rows), 500):
                await session.exec(insert(Person).values(rows[start : start + 500]))
    finally:
        await engine.dispose()
    return users


def municipality(tmp: Path) -> Path:
    text = (REPO / "config" / "municipality.toml").read_text(encoding="utf-8")
    text = text.replace('admins = ["sato"]', f'admins = ["sato", "{ADMIN}"]')
    text += '\n[channels]\nshared = "slack"\npolicy = "CPOLICY"\ncaio = "CCAIO"\n'
    path = tmp / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_bot(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot", "serve", "--no-migrate"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    dsn = make_url(args.database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    schema = f"load_{uuid.uuid4().hex[:10]}"
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    slack = FakeSlack()
    await slack.start()
    tmp = Path(tempfile.mkdtemp(prefix="aiguide-load-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGUIDE_")}
    env |= {
        "AIGUIDE_DATABASE_URL": args.database_url,
        "AIGUIDE_DATABASE_SCHEMA": schema,
        "AIGUIDE_PORT": str(port),
        "AIGUIDE_MUNICIPALITY_FILE": str(municipality(tmp)),
        "AIGUIDE_SYSTEMS_FILE": str(REPO / "config" / "systems.yaml"),
        "AIGUIDE_LOG_LEVEL": "WARNING",
        "AIGUIDE_TICK_SECONDS": str(args.tick_seconds),
        "AIGUIDE_SLACK_SIGNING_SECRET": SECRET,
        "AIGUIDE_SLACK_BOT_TOKEN": TOKEN,
        "AIGUIDE_SLACK_API_URL": slack.url,
        "AIGUIDE_SLACK_MESSAGES_PER_SECOND": str(args.rate),
    }
    log = (tmp / "bot.log").open("wb")
    server = None
    try:
        await asyncio.to_thread(upgrade, args.database_url, schema)
        server = start_bot(env, log)
        bot = f"http://127.0.0.1:{port}"
        connector = aiohttp.TCPConnector(limit=args.concurrency + 4)
        async with aiohttp.ClientSession(connector=connector) as http:
            for _ in range(300):
                try:
                    async with http.get(f"{bot}/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if server.poll() is not None:
                    raise RuntimeError(f"the bot exited; see {tmp / 'bot.log'}")
                await asyncio.sleep(0.2)
            print(f"load average {os.getloadavg()[0]:.2f}; bot pid {server.pid}", flush=True)
            people, one = await phase_one(http, bot, slack, server.pid, args)
            audience = [s.user for s in people]
            if args.audience > args.staff:  # known from before: rows, not conversations
                audience += await add_known(args.database_url, schema, args.audience - args.staff)
            print(json.dumps({"phase": "conversations", **one}), flush=True)
            two = await phase_two(http, bot, slack, audience, args.rate, server.pid)
            print(json.dumps({"phase": "broadcast", **two, **memory_mb(server.pid)}), flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=50.0, help="chat.postMessage per second")
    parser.add_argument("--tick-seconds", type=float, default=10.0)
    parser.add_argument(
        "--audience", type=int, default=0, help="people notified (beyond --staff: added as rows)"
    )
    parser.add_argument("--sample-every", type=int, default=1000, help="RSS every N conversations")
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))

"""What one turn costs: distinct people through a fixed mix of turns, against a floor.

    python bench/turns.py [--people 2000] [--db sqlite,postgres] [--path inproc,http]
                          [--concurrency 1,16,64] [--postgres-url URL]

Each person (all seeded as known, with their pre-use confirmations done, so entry checks reach
the decision) goes once per cell through the same six turns: the menu (typed), an entry check
in one message, an entry check that asks (system, then personal information — both answered
by pressing a button, then the class typed as an answer). `--people` workers' worth of people run at
concurrency 1, 16 and 64, in-process through `Runtime.handle` and through the local channel's
`POST /api/turn` (the app of bot/app.py in a child process on a loopback port), on SQLite and
on PostgreSQL (a fresh schema, dropped afterwards).

In the same run a floor does the same number of requests at the same concurrency: one INSERT
and COMMIT on the same database (in-process: the bare driver; http: a bare aiohttp handler, as
../shared/bench/floor_aiohttp.py). Printed per cell: turns/s, CPU ms per turn (process CPU time
of the process that handles turns, divided by turns), p50/p99 latency, peak RSS, and the ratios
to the floor. At concurrency 1 in-process the CPU of each kind of turn is printed too; "median
of the mix" is the median of those six. Prints figures only; it asserts nothing but that every
turn got the answer a person would expect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.turns_support import (  # noqa: E402 (after the path is set)
    TENANT,
    Database,
    floor_inproc,
    open_database,
    proc_cpu_seconds,
    proc_rss_mb,
    seed_people,
    serve,
    start_child,
)

Send = Callable[..., Awaitable[list[dict[str, Any]]]]
KINDS = ("menu", "check_one_message", "check_asks", "press_system", "press_personal", "typed_class")
ONE_MESSAGE = "住民の氏名と住所をCopilotに入れて、相談記録を要約してもいいですか"
ASKS = "議事録をAIに入れていい？"


def _button(replies: list[dict[str, Any]], suffix: str) -> str:
    for reply in replies:
        for button in reply.get("buttons", ()):
            if button["id"].endswith(suffix):
                return str(button["id"])
    raise AssertionError(f"no button *{suffix} in {json.dumps(replies, ensure_ascii=False)[:400]}")


def _decision(replies: list[dict[str, Any]]) -> None:
    if not any(r.get("title", "").endswith("入力できません") for r in replies):
        raise AssertionError(f"no refusal in {json.dumps(replies, ensure_ascii=False)[:400]}")


async def conversation(send: Send, timings: dict[str, list[float]] | None) -> list[float]:
    """One person's six turns; their latencies (and, with `timings`, CPU per kind)."""
    latencies: list[float] = []

    async def turn(kind: str, **fields: str) -> list[dict[str, Any]]:
        cpu, start = time.process_time(), time.perf_counter()
        replies = await send(**fields)
        latencies.append(time.perf_counter() - start)
        if timings is not None:
            timings.setdefault(kind, []).append(time.process_time() - cpu)
        return replies

    _button(await turn("menu", text="メニュー"), "menu:entry_check")
    _decision(await turn("check_one_message", text=ONE_MESSAGE))
    system = _button(await turn("check_asks", text=ASKS), ":pick:copilot")
    personal = _button(await turn("press_system", action=system), ":pick:no")
    _button(await turn("press_personal", action=personal), ":pick:2")
    _decision(await turn("typed_class", text="2"))
    return latencies


@dataclass
class Cell:
    turns: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    rss_mb: float = 0.0
    errors: int = 0

    def row(self) -> dict[str, float]:
        lat = sorted(self.latencies) or [0.0]
        return {
            "turns/s": self.turns / self.seconds if self.seconds else 0.0,
            "cpu_ms": 1000 * self.cpu_seconds / max(self.turns, 1),
            "p50_ms": 1000 * lat[len(lat) // 2],
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        }


async def run_people(
    people: list[str],
    concurrency: int,
    sender: Callable[[str], Send],
    timings: dict[str, list[float]] | None = None,
) -> tuple[list[float], int, float]:
    """Every person through the mix, `concurrency` at a time; (latencies, errors, seconds)."""
    queue = list(reversed(people))
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while queue:
            person = queue.pop()
            try:
                latencies.extend(await conversation(sender(person), timings))
            except Exception as exc:  # counted and shown once; the bench goes on
                errors += 1
                if errors == 1:
                    print(f"  first error: {type(exc).__name__}: {str(exc)[:300]}", flush=True)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


def inproc_sender(runtime: Any) -> Callable[[str], Send]:
    from dialogs.turn import Turn

    def for_person(person: str) -> Send:
        async def send(**fields: str) -> list[dict[str, Any]]:
            turn = Turn(
                tenant_id=TENANT,
                channel="local",
                user_id=person,
                conversation_id="main",
                event_id=uuid.uuid4().hex,
                user_name=person,
                **fields,  # type: ignore[arg-type]
            )
            return [reply.to_dict() for reply in await runtime.handle(turn)]

        return send

    return for_person


class HttpClient:
    """One keep-alive HTTP/1.1 connection to a loopback port (as ../shared/bench/loadgen.py)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token  # the local channel's token (the floor ignores it)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        data = json.dumps(body, ensure_ascii=False).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        head += f"X-Aiguide-Token: {self.token}\r\n"
        writer.write(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
        headers = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(headers.split(" ", 2)[1])
        length = int(headers.split("content-length:", 1)[1].split("\r\n", 1)[0])
        payload = await reader.readexactly(length)
        if status != 200:
            raise AssertionError(f"HTTP {status}: {payload[:200]!r}")
        return json.loads(payload) if payload.startswith(b"{") else {}


def page_token(port: int) -> str:
    """The token the local channel puts in its page: every API call must send it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
        html = page.read().decode()
    return html.split('name="aiguide-token" content="', 1)[1].split('"', 1)[0]


def http_sender(port: int, clients: dict[int, HttpClient]) -> Callable[[str], Send]:
    token = page_token(port)

    def for_person(person: str) -> Send:
        async def send(**fields: str) -> list[dict[str, Any]]:
            task = id(asyncio.current_task())  # one connection per worker
            client = clients.setdefault(task, HttpClient(port, token))
            body = {"persona": person, "event_id": uuid.uuid4().hex, **fields}
            return list((await client.post("/api/turn", body))["replies"])

        return send

    return for_person


async def floor_http(port: int, total: int, concurrency: int) -> tuple[list[float], float]:
    """`total` requests to the floor's handler, `concurrency` connections at a time."""
    remaining = total
    latencies: list[float] = []
    body = {"persona": "p00000", "event_id": "e" * 32, "text": ONE_MESSAGE}

    async def worker() -> None:
        nonlocal remaining
        client = HttpClient(port)
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            await client.post("/floor", body)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


def _fmt(name: str, cell: Cell) -> str:
    r = cell.row()
    return (
        f"{name:<6} {r['turns/s']:8.0f} {r['cpu_ms']:8.3f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
        f"{cell.peak_rss_mb:7.0f} {cell.rss_mb:7.0f} {cell.errors:4d}"
    )


def report(db: str, path: str, concurrency: int, bot: Cell, floor: Cell) -> None:
    b, f = bot.row(), floor.row()
    print(f"[{db} {path} c={concurrency}] {bot.turns} turns")
    print("       turns/s   CPU ms   p50 ms   p99 ms peakRSS  RSS MB errs")
    print(_fmt("bot", bot))
    print(_fmt("floor", floor))
    cpu_ratio = b["cpu_ms"] / f["cpu_ms"] if f["cpu_ms"] else float("nan")
    tps_ratio = b["turns/s"] / f["turns/s"] if f["turns/s"] else float("nan")
    print(f"ratio  bot/floor: CPU {cpu_ratio:.1f}x, turns/s {tps_ratio:.3f}x", flush=True)


async def bench_inproc(db: Database, people: list[str], levels: list[int]) -> None:
    from bot.runtime import Runtime

    runtime = Runtime.create(db.settings())
    try:
        for concurrency in levels:
            timings: dict[str, list[float]] | None = {} if concurrency == 1 else None
            cpu = time.process_time()
            latencies, errors, seconds = await run_people(
                people, concurrency, inproc_sender(runtime), timings
            )
            bot = Cell(len(latencies), seconds, time.process_time() - cpu, latencies, errors=errors)
            bot.peak_rss_mb, bot.rss_mb = proc_rss_mb(os.getpid())
            floor = Cell()
            cpu = time.process_time()
            floor.latencies, floor.seconds = await floor_inproc(db, len(latencies), concurrency)
            floor.turns, floor.cpu_seconds = len(floor.latencies), time.process_time() - cpu
            floor.peak_rss_mb, floor.rss_mb = bot.peak_rss_mb, bot.rss_mb
            report(db.kind, "inproc", concurrency, bot, floor)
            if timings:
                per_kind = {k: 1000 * statistics.median(timings[k]) for k in KINDS}
                shown = ", ".join(f"{k} {v:.2f}" for k, v in per_kind.items())
                print(f"CPU ms per kind (median): {shown}")
                print(f"median of the mix: {statistics.median(per_kind.values()):.2f} ms CPU")
    finally:
        await runtime.close()


async def bench_http(db: Database, people: list[str], levels: list[int]) -> None:
    bot_child, bot_port = start_child(db, "bot")
    floor_child, floor_port = start_child(db, "floor")
    try:
        for concurrency in levels:
            clients: dict[int, HttpClient] = {}
            cpu = proc_cpu_seconds(bot_child.pid)
            latencies, errors, seconds = await run_people(
                people, concurrency, http_sender(bot_port, clients)
            )
            bot = Cell(len(latencies), seconds, proc_cpu_seconds(bot_child.pid) - cpu, latencies)
            bot.errors = errors
            bot.peak_rss_mb, bot.rss_mb = proc_rss_mb(bot_child.pid)
            for client in clients.values():
                if client.streams is not None:
                    client.streams[1].close()
            floor = Cell()
            cpu = proc_cpu_seconds(floor_child.pid)
            floor.latencies, floor.seconds = await floor_http(floor_port, bot.turns, concurrency)
            floor.turns = len(floor.latencies)
            floor.cpu_seconds = proc_cpu_seconds(floor_child.pid) - cpu
            floor.peak_rss_mb, floor.rss_mb = proc_rss_mb(floor_child.pid)
            report(db.kind, "http", concurrency, bot, floor)
    finally:
        for child in (bot_child, floor_child):
            child.terminate()
            child.wait(10)


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    levels = [int(c) for c in args.concurrency.split(",")]
    people = [f"p{i:05d}" for i in range(args.people)]
    print(f"bench/turns.py: {args.people} people x {len(KINDS)} turns per cell; pid {os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="aiguide-bench-") as tmp:
        for kind in args.db.split(","):
            async with open_database(kind, Path(tmp), args.postgres_url, people) as db:
                await seed_people(db, people)
                if "inproc" in args.path:
                    await bench_inproc(db, people, levels)
                if "http" in args.path:
                    await bench_http(db, people, levels)
    peak, rss = proc_rss_mb(os.getpid())
    print(f"bench process: peak RSS {peak:.0f} MB, RSS at the end {rss:.0f} MB")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--people", type=int, default=2000, help="distinct people per cell")
    p.add_argument("--db", default="sqlite,postgres")
    p.add_argument("--path", default="inproc,http")
    p.add_argument("--concurrency", default="1,16,64")
    p.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    p.add_argument("--serve", choices=["bot", "floor"], help=argparse.SUPPRESS)
    p.add_argument("--config", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.serve:
        asyncio.run(serve(arguments.serve, json.loads(arguments.config)))
    else:
        asyncio.run(main(arguments))

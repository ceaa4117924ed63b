"""Signed Slack `message.im` events through the whole bot, against a bare slack-bolt app.

    python bench/slack.py --bench-dir ../shared/bench [--seconds 10] [--concurrency 16 64]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench]

In one run, each system is started fresh, pinned to CPU 0 (the load generator and the fake
Web API share CPU 1), loaded at each concurrency for `--seconds` after a warm-up, and stopped:

  * peer: ../shared/bench/peer_slack.py — bolt's AsyncApp, one `message` listener calling
    `say()` (default: a new HTTP session per reply; `--shared-session` variant too),
  * aiguide: `python -m bot serve` with Slack on — signature check, bolt, the tenant, the
    directory (users.info, cached), the router, a database transaction, the replies posted
    to the fake Web API through one pooled session.

Each event comes from a new user (the first contact: the person is created, their profile
fetched with users.info), so nothing is served from a warm conversation; with `--people N` the
events come from N people in turn (staff who talk to the bot again: after their first event
the profile is cached and the conversation stored), as bench/teams.py's activities do.
Prints, per system and concurrency: requests/s, p50/p99 acknowledgement time, CPU ms per
event, peak RSS, replies the fake received against events acknowledged, and aiguide's ratio
to each peer. Figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"


def free_port() -> int:
    """Other benchmarks may run on this machine at the same time: no fixed ports."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAKE_PORT = free_port()
PEER_PORT = free_port()
BOT_PORT = free_port()
# A DM from a new user each time (loadgen fills: user, ts, event_ts, event id, event time).
IM_BODY = (
    '{"token":"fake","team_id":"T0FAKE","api_app_id":"A0FAKE","event":{"type":"message",'
    '"user":"U{run}%09d","text":"hello","ts":"%s","channel":"D0FAKE","event_ts":"%s",'
    '"channel_type":"im"},"type":"event_callback","event_id":"Ev{run}%010d","event_time":%d,'
    '"authorizations":[{"enterprise_id":null,"team_id":"T0FAKE","user_id":"UFAKEBOT",'
    '"is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false}'
)
# `--people N`: the user of event n is person n mod N (the body is formatted with the event's
# number first, before it is signed, so the person is chosen in the formatting).
LOADGEN = (
    "import sys; sys.path.insert(0, sys.argv[1]); import loadgen; people = int(sys.argv[3]); "
    "Body = type('Body', (str,), {'__mod__': lambda self, a: str.__mod__("
    "self, (a[0] % people if people else a[0], *a[1:]))}); "
    "loadgen.SLACK_BODY = Body(sys.argv[2]); loadgen.main(sys.argv[4:])"
)


def fake(path: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{FAKE_PORT}{path}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def drained(seconds: float = 180) -> tuple[int, float]:
    """chat.postMessage calls at the fake once the count stops moving for five seconds (on a
    busy machine the bot may get no CPU for a second or two), and how long after the load's
    end the last one came (work still queued behind the acks)."""
    start = time.time()
    deadline, last, since = start + seconds, -1, start
    while time.time() < deadline:
        count = fake("/stats")["chat.postMessage"]
        if count != last:
            last, since = count, time.time()
        elif time.time() - since >= (5.0 if count else 60.0):  # none yet: wait for the first
            break
        time.sleep(0.1)
    return last, max(0.0, since - start)


def load(bench_dir: Path, port: int, concurrency: int, args: argparse.Namespace) -> dict[str, Any]:
    # loadgen numbers events from 1 on each run: a run prefix keeps event ids (and users)
    # new, or the bot would rightly drop the second run's events as retries of the first.
    body = IM_BODY.replace("{run}", f"{concurrency:03d}{int(time.time()) % 100000:05d}")
    command = [
        "taskset", "-c", "1", sys.executable, "-c", LOADGEN, str(bench_dir), body,
        str(args.people),
        "--url", f"http://127.0.0.1:{port}/slack/events", "--kind", "slack",
        "--signing-secret", SECRET, "--concurrency", str(concurrency),
        "--seconds", str(args.seconds), "--warmup", str(args.warmup),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def measure(
    name: str, command: list[str], port: int, env: dict[str, str], args: argparse.Namespace
) -> list[dict[str, Any]]:
    log = open(Path(args.tmp) / f"{name}.log", "ab")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        ["taskset", "-c", "0", *command], cwd=REPO, env=env, stdout=log, stderr=log
    )
    rows = []
    try:
        wait_port(port, server)
        time.sleep(1.0)
        idle = memory_mb(server.pid)["VmRSS"]
        for concurrency in args.concurrency:
            fake("/reset", "POST")
            cpu_before = cpu_seconds(server.pid)
            result = load(Path(args.bench_dir), port, concurrency, args)
            delivered, drain_s = drained()
            cpu = cpu_seconds(server.pid) - cpu_before
            row = {
                "system": name,
                "concurrency": concurrency,
                "rps": result["rps"],
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "errors": result["errors"],
                "acked": result["ok_total"],
                "delivered": delivered,
                # Events fully handled (reply at the fake) per second of load and drain.
                "replies_per_s": round(delivered / (args.warmup + args.seconds + drain_s), 1),
                "drain_s": round(drain_s, 1),
                "cpu_ms_per_event": round(1000 * cpu / max(1, result["ok_total"]), 3),
                "idle_rss_mb": idle,
                **memory_mb(server.pid),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    return rows


def _default_bench_dir() -> Path:
    """../shared/bench beside the clone, or beside the folder of worktrees."""
    for parent in REPO.parents:
        if (parent / "shared" / "bench" / "peer_slack.py").is_file():
            return parent / "shared" / "bench"
    return REPO.parent / "shared" / "bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench-dir", default=str(_default_bench_dir()))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-shared-session-peer", action="store_true")
    parser.add_argument(
        "--people",
        type=int,
        default=0,
        help="events come from this many people in turn, each greeting again (their profile "
        "and conversation known after the first); default 0: every event from a new person",
    )
    parser.add_argument(
        "--tick-seconds",
        default="3600",
        help="the bot's scheduler tick; its reminder planning reads every person's state, "
        "and after thousands of first contacts it holds SQLite's lock for seconds",
    )
    args = parser.parse_args()
    bench_dir = Path(args.bench_dir).resolve()
    if not (bench_dir / "peer_slack.py").is_file():
        parser.error(f"no peer_slack.py in {bench_dir} (give --bench-dir)")
    args.tmp = tempfile.mkdtemp(prefix="aiguide-bench-")
    fake_server = subprocess.Popen(
        ["taskset", "-c", "1", sys.executable, str(bench_dir / "fake_upstream.py"),
         "--port", str(FAKE_PORT)],
    )  # fmt: skip
    try:
        wait_port(FAKE_PORT, fake_server)
        peer = [
            sys.executable, str(bench_dir / "peer_slack.py"), "--port", str(PEER_PORT),
            "--api-url", f"http://127.0.0.1:{FAKE_PORT}/api/", "--signing-secret", SECRET,
        ]  # fmt: skip
        rows = measure("peer", peer, PEER_PORT, dict(os.environ), args)
        if not args.no_shared_session_peer:
            rows += measure(
                "peer --shared-session", [*peer, "--shared-session"], PEER_PORT,
                dict(os.environ), args,
            )  # fmt: skip
        database = args.database_url or f"sqlite+aiosqlite:///{args.tmp}/aiguide.db"
        env = {
            **os.environ,
            "AIGUIDE_DATABASE_URL": database,
            "AIGUIDE_PORT": str(BOT_PORT),
            "AIGUIDE_LOG_LEVEL": "WARNING",
            "AIGUIDE_TICK_SECONDS": str(args.tick_seconds),
            "AIGUIDE_SLACK_SIGNING_SECRET": SECRET,
            "AIGUIDE_SLACK_BOT_TOKEN": "xoxb-bench",
            "AIGUIDE_SLACK_API_URL": f"http://127.0.0.1:{FAKE_PORT}/api/",
        }
        ours = measure("aiguide", [sys.executable, "-m", "bot", "serve"], BOT_PORT, env, args)
    finally:
        fake_server.terminate()
        fake_server.wait()
    print()
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"people: {args.people or 'a new one for every event'}")
    print(
        "| system | c | acks/s | p50 ms | p99 ms | replies/s | drain s | CPU ms/event "
        "| peak RSS MB | acked | replies |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows + ours:
        print(
            f"| {row['system']} | {row['concurrency']} | {row['rps']:.0f} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['replies_per_s']} | {row['drain_s']} | "
            f"{row['cpu_ms_per_event']} | {row['VmHWM']} | {row['acked']} | {row['delivered']} |"
        )
    print()
    for mine in ours:
        for peer_row in rows:
            if peer_row["concurrency"] != mine["concurrency"]:
                continue

            def ratio(
                key: str, mine: dict[str, Any] = mine, peer: dict[str, Any] = peer_row
            ) -> str:
                return f"{mine[key] / max(peer[key], 1e-9):.2f}x"

            print(
                f"c={mine['concurrency']} aiguide / {peer_row['system']}: "
                f"acks/s {ratio('rps')}, replies/s {ratio('replies_per_s')}, "
                f"CPU/event {ratio('cpu_ms_per_event')}, peak RSS {ratio('VmHWM')}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

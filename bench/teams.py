"""Teams activities through aiguide's whole path, against the bare Agents SDK echo bot, in one run.

    .venv/bin/python bench/teams.py [--seconds 10] [--concurrency 16 64]

Starts the shared fake Bot Connector (../shared/bench/fake_upstream.py), the bare Agents SDK
echo bot (../shared/bench/peer_agents.py) and `aiguide serve` with Teams on (SQLite in a
temporary directory, the load generator's tenant linked to the sample municipality), each
pinned to CPU 0 while the load generator and the fake share CPU 1. Both bots get the same
`message` activities from ../shared/bench/loadgen.py, one person per connection (a person's
turns are serialised by aiguide, as in a real chat), and both answer inside the request.

Both run without an app id (the peer as it ships, aiguide with AIGUIDE_TEAMS_DEV_ANONYMOUS):
the load generator signs nothing, and validating a token is the same SDK code in both.
What aiguide does per activity beyond the echo: the municipality of the tenant, the turn in
one SQLite transaction (dedupe, state, person, roles, pre-use standing, route, save), and the
reply as an Adaptive Card.

Each cell runs WARMUP seconds of load first (not in the latency figures; its activities are
in acked/delivered and the CPU figure). Prints one line per system and concurrency
(requests/s, p50/p99 ms, CPU ms per activity, RSS MB, replies delivered vs. acknowledged)
and the ratio aiguide / peer.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent.parent / "shared" / "bench"  # /work/shared/bench from /work/wt/<name>
if not SHARED.is_dir():
    SHARED = Path("/work/shared/bench")
PYTHON = sys.executable
USERS = 256  # distinct people the activities come from
WARMUP = 2.0  # seconds of load before each measured cell, as the shared suite does
RUN = f"{os.getpid()}"  # activity ids unique across load runs (a repeated id is a retry)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cpu: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fake(port: int, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def load(url: str, concurrency: int, seconds: float, service_url: str) -> dict:
    """The shared load generator, each activity from one of USERS people (own conversation)."""
    command = [
        PYTHON, __file__, "--as-loadgen", "--url", url, "--kind", "teams",
        "--concurrency", str(concurrency), "--seconds", str(seconds),
        "--service-url", service_url, "--warmup", str(WARMUP),
    ]  # fmt: skip
    done = subprocess.run(pinned(1, command), capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_loadgen(argv: list[str]) -> None:
    sys.path.insert(0, str(SHARED))
    import loadgen  # the shared generator, unchanged but for who sends each activity

    base = loadgen.RequestFactory

    class PeopleFactory(base):  # type: ignore[misc,valid-type]
        def next(self) -> bytes:
            data = base.next(self)
            person = f"user-{self.n % USERS}"
            data = data.replace(b'"id":"act-', f'"id":"{RUN}-act-'.encode(), 1)
            return data.replace(b'"29:user-1"', f'"29:{person}"'.encode()).replace(
                b"19:conv-1@thread.v2", f"a:{person}".encode()
            )

    def fixed_length(data: bytes) -> bytes:
        head, _, body = data.partition(b"\r\n\r\n")
        lines = [
            f"Content-Length: {len(body)}".encode()
            if line.lower().startswith(b"content-length:")
            else line
            for line in head.split(b"\r\n")
        ]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    class Factory(PeopleFactory):
        def next(self) -> bytes:
            return fixed_length(PeopleFactory.next(self))

    loadgen.RequestFactory = Factory
    loadgen.main(argv)


def measure(name: str, pid: int, url: str, fake_port: int, a: argparse.Namespace) -> list[dict]:
    rows = []
    for concurrency in a.concurrency:
        fake(fake_port, "/reset", "POST")
        before = cpu_seconds(pid)
        result = load(url, concurrency, a.seconds, f"http://127.0.0.1:{fake_port}/")
        cpu = cpu_seconds(pid) - before
        delivered, last = -1, -2
        while delivered != last:  # replies still arriving after the last response
            last = delivered
            time.sleep(0.5)
            delivered = fake(fake_port, "/stats")["teams_activities"]
        rows.append(
            {
                "system": name,
                "concurrency": concurrency,
                "rps": result["rps"],
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "errors": result["errors"],
                "cpu_ms_per_activity": round(1000 * cpu / max(1, result["ok_total"]), 3),
                "rss_mb": round(rss_mb(pid), 1),
                "acked": result["ok_total"],
                "delivered": delivered,
            }
        )
    return rows


def start_aiguide(
    workdir: Path, port: int, database_url: str | None, schema: str | None, linked: bool = True
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AIGUIDE_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'aiguide.db'}",
        "AIGUIDE_PORT": str(port),
        "AIGUIDE_TEAMS_DEV_ANONYMOUS": "true",
        "AIGUIDE_LOG_LEVEL": "WARNING",
        "AIGUIDE_TICK_SECONDS": "60",
    }
    if schema:
        env["AIGUIDE_DATABASE_SCHEMA"] = schema
    link = [PYTHON, "-m", "bot", "tenants", "link", "sakura-city", "--teams-tenant", "tenant-1"]
    if not linked:  # only the tenant's refusal: the Teams path without the turn itself
        link = [PYTHON, "-m", "bot", "db", "upgrade"]
    subprocess.run(link, cwd=REPO, env=env, check=True, capture_output=True)
    return subprocess.Popen(
        pinned(0, [PYTHON, "-m", "bot", "serve"]),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "aiguide.log", "wb"),
    )


def create_schema(url: str, schema: str) -> None:
    import asyncio

    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await connection.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await connection.close()

    asyncio.run(run())


def main() -> None:
    if "--as-loadgen" in sys.argv:
        run_loadgen([arg for arg in sys.argv[1:] if arg != "--as-loadgen"])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--database-schema", help="a PostgreSQL schema (created if missing)")
    parser.add_argument(
        "--unlinked",
        action="store_true",
        help="leave the tenant unlinked: every activity gets the refusal (Teams layer only)",
    )
    a = parser.parse_args()
    if a.database_schema:
        create_schema(a.database_url, a.database_schema)
    workdir = Path(tempfile.mkdtemp(prefix="aiguide-bench-"))
    fake_port, peer_port, our_port = free_port(), free_port(), free_port()
    processes = [
        subprocess.Popen(
            pinned(1, [PYTHON, str(SHARED / "fake_upstream.py"), "--port", str(fake_port)])
        )
    ]
    try:
        wait_for(fake_port)
        peer = subprocess.Popen(
            pinned(
                0,
                [
                    PYTHON,
                    str(REPO / "bench" / "peer_agents_09.py"),
                    "--port",
                    str(peer_port),
                    "--no-typing",
                ],
            )
        )
        processes.append(peer)
        ours = start_aiguide(
            workdir, our_port, a.database_url, a.database_schema, linked=not a.unlinked
        )
        processes.append(ours)
        wait_for(peer_port)
        wait_for(our_port)
        rows = measure(
            "agents-sdk echo", peer.pid, f"http://127.0.0.1:{peer_port}/api/messages", fake_port, a
        )
        rows += measure(
            "aiguide", ours.pid, f"http://127.0.0.1:{our_port}/api/messages", fake_port, a
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    print(f"{'system':<18}{'c':>4}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}{'RSS MB':>9}"
          f"{'acked':>8}{'delivered':>10}{'errors':>7}")  # fmt: skip
    for row in rows:
        print(
            f"{row['system']:<18}{row['concurrency']:>4}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['cpu_ms_per_activity']:>9.2f}{row['rss_mb']:>9.1f}"
            f"{row['acked']:>8}{row['delivered']:>10}{row['errors']:>7}"
        )
    for concurrency in a.concurrency:
        peer_row, our_row = (
            next(r for r in rows if r["system"] == s and r["concurrency"] == concurrency)
            for s in ("agents-sdk echo", "aiguide")
        )
        print(
            f"c={concurrency}: aiguide / echo = {our_row['rps'] / peer_row['rps']:.2f}x rps, "
            f"{our_row['cpu_ms_per_activity'] / peer_row['cpu_ms_per_activity']:.2f}x CPU"
        )
    print(json.dumps(rows))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

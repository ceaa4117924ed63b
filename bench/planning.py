"""What reading everyone's pre-use standing costs: the reminder planning (every five minutes)
and the policy division's 「確認状況」 summary both do it for the whole municipality.

    python bench/planning.py [--people 5000] [--roster 5000] [--rounds 3]

A fresh SQLite database gets the sample municipality, `--people` chat accounts, a current
confirmation for each and a roster (the HR office's training list) of `--roster` rows, half of
them the same staff by e-mail. Then, in this process: `standings` (bot.services.pre_use), its
CPU seconds (median of `--rounds`) and the peak of Python allocations during one call
(tracemalloc), against the floor in the same run: reading the same three tables' rows with the
standard library's sqlite3 and nothing else. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402

from bot.runtime import Runtime  # noqa: E402
from bot.services.pre_use import standings  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tenants import tenant_ids  # noqa: E402


async def fill(runtime: Runtime, people: int, roster: int) -> None:
    await runtime.load_sample_data()
    seen = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=3)
    async with runtime.engine.begin() as connection:
        tenant = (await connection.execute(text("SELECT id FROM tenant"))).scalar()
        seq = (
            await connection.execute(
                text("SELECT max(seq) FROM guideline_version WHERE tenant_id = :t"), {"t": tenant}
            )
        ).scalar()
        await connection.execute(
            text(
                "INSERT INTO person (tenant_id, channel, user_id, display_name, division, contact,"
                " email, staff_number, locale, created_at, updated_at) VALUES (:t, 'slack', :u,"
                " 'staff', '総務課', '', :e, '', 'ja', :n, :n)"
            ),
            [
                {"t": tenant, "u": f"U{i:08d}", "e": f"u{i}@city.example.lg.jp", "n": seen}
                for i in range(people)
            ],
        )
        await connection.execute(
            text(
                "INSERT INTO confirmation (tenant_id, channel, user_id, guideline_seq,"
                " training_completed_on, items, confirmed_at) VALUES (:t, 'slack', :u, :s, :d,"
                ' \'["a","b","c","d","e"]\', :n)'
            ),
            [
                {"t": tenant, "u": f"U{i:08d}", "s": seq, "d": seen.date(), "n": seen}
                for i in range(people)
            ],
        )
        # Every other roster row is a chat account's member of staff (by e-mail).
        await connection.execute(
            text(
                "INSERT INTO training_record (tenant_id, person, email, name, division,"
                " completed_on, imported_at) VALUES (:t, :p, :e, 'staff', '総務課', :d, :n)"
            ),
            [
                {
                    "t": tenant,
                    "p": f"S{i:06d}",
                    "e": f"u{i if i % 2 else people + i}@city.example.lg.jp",
                    "d": seen.date(),
                    "n": seen,
                }
                for i in range(roster)
            ],
        )


async def measure(url: str, rounds: int) -> tuple[float, float, int]:
    """(median CPU s, peak MB of Python allocations, standings) for `standings`."""
    runtime = Runtime.create(Settings(_env_file=None, database_url=url))
    try:
        async with transaction(runtime.sessions) as session:
            tenant = await runtime.tenants.get(session, (await tenant_ids(session))[0])
            assert tenant is not None
            today = datetime.now(UTC).date()
            await standings(session, tenant.facts, today)  # warm: compiled statements
            cpus = []
            for _ in range(rounds):
                start = time.process_time()
                found = await standings(session, tenant.facts, today)
                cpus.append(time.process_time() - start)
            tracemalloc.start()
            await standings(session, tenant.facts, today)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    finally:
        await runtime.close()
    return statistics.median(cpus), peak, len(found)


def floor(path: Path, rounds: int) -> tuple[float, float]:
    """Reading the same rows with sqlite3 alone: the least any planning could cost."""

    def read() -> int:
        with sqlite3.connect(path) as connection:
            rows = 0
            for table in ("person", "confirmation", "training_record"):
                rows += len(connection.execute(f"SELECT * FROM {table}").fetchall())
            return rows

    read()
    cpus = []
    for _ in range(rounds):
        start = time.process_time()
        read()
        cpus.append(time.process_time() - start)
    tracemalloc.start()
    read()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return statistics.median(cpus), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--roster", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="aiguide-planning-")) / "planning.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    runtime = Runtime.create(Settings(_env_file=None, database_url=url))
    asyncio.run(_fill_and_close(runtime, args.people, args.roster))
    cpu, peak, count = asyncio.run(measure(url, args.rounds))
    floor_cpu, floor_peak = floor(path, args.rounds)
    print(f"people {args.people}, roster {args.roster}: {count} standings")
    print("| | CPU s (median) | peak Python MB |")
    print("|---|---|---|")
    print(f"| standings | {cpu:.3f} | {peak:.1f} |")
    print(f"| floor: sqlite3 reads the rows | {floor_cpu:.3f} | {floor_peak:.1f} |")
    print(
        f"ratio: CPU {cpu / max(floor_cpu, 1e-9):.1f}x, memory {peak / max(floor_peak, 1e-9):.1f}x"
    )
    return 0


async def _fill_and_close(runtime: Runtime, people: int, roster: int) -> None:
    try:
        await fill(runtime, people, roster)
    finally:
        await runtime.close()


if __name__ == "__main__":
    raise SystemExit(main())

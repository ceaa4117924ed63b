"""How long the command line takes to start: `aiguide --help` and `aiguide check …`.

    python bench/cli_startup.py [--runs 7]

Each command runs as a whole process (as a person at a terminal starts it), after one warm-up
run that also creates and migrates a fresh SQLite database; a bare `python -c pass` is timed in
the same run as the peer, so figures from different machines compare by their ratio.
Goals (issue 14): --help under 0.3 s, check under 1 s. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(wall, CPU) medians. CPU time (user + system of the child) is what a shared, loaded
    machine inflates least: wall time there mostly measures the wait for a core."""
    subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "AIGUIDE_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/a.db"}
        cli = [sys.executable, "-m", "bot"]
        peer = median_seconds([sys.executable, "-c", "pass"], env, args.runs)
        rows = [
            ("python -c pass (peer)", peer),
            ("aiguide --help", median_seconds([*cli, "--help"], env, args.runs)),
            (
                "aiguide check --system copilot --class 1",
                median_seconds(
                    [*cli, "check", "--system", "copilot", "--class", "1"], env, args.runs
                ),
            ),
        ]
    print(f"load average {os.getloadavg()[0]:.2f}; wall and CPU (user + system) medians")
    for name, (wall, cpu) in rows:
        print(
            f"{name:45s} wall {wall:6.3f} s ({wall / peer[0]:5.1f} x peer)"
            f"   CPU {cpu:6.3f} s ({cpu / peer[1]:5.1f} x peer)"
        )


if __name__ == "__main__":
    main()

"""`aiguide serve` and `aiguide db upgrade` as an operator runs them: a real process, real HTTP."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import aiguide

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
STOP_TIMEOUT = 30
TABLES = {"tenant", "person", "conversation_state", "processed_event", "channel_post"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIGUIDE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "AIGUIDE_HOST": "127.0.0.1",
        "PYTHONIOENCODING": "utf-8",
        **extra,
    }


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return aiguide(*args, env=env, timeout=START_TIMEOUT)


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def count_rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]  # stdout, line by line; None at the end
    errors: list[str]  # stderr, drained so the pipe never fills
    drain: threading.Thread
    url: str = ""

    def wait_for(self, text: str, timeout: float) -> str:
        """The first stdout line containing `text`; fails on timeout or when the process ends."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"serve ended before printing {text!r}: {self.stderr()}")
            if text in line:
                return line
        pytest.fail(f"serve did not print {text!r} within {timeout} s")

    def stop(self) -> int:
        """SIGTERM, as a service manager would send it; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def stderr(self) -> str:
        """What the process wrote to stderr (all of it once the process has ended)."""
        if self.process.poll() is not None:
            self.drain.join(timeout=STOP_TIMEOUT)
        return "".join(self.errors)


def start_server(env: dict[str, str]) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []

    def pump() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    drain = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    drain.start()
    return Server(process, lines, errors, drain)


def kill(server: Server) -> None:
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def serve() -> Iterator[Callable[[Path], Server]]:
    """Start `aiguide serve` on a free port; every server started is stopped at the end."""
    started: list[Server] = []

    def start(database: Path) -> Server:
        port = free_port()
        server = start_server(environment(database, AIGUIDE_PORT=str(port)))
        started.append(server)
        url = f"http://127.0.0.1:{port}/"
        server.wait_for(url, START_TIMEOUT)
        server.url = url
        return server

    yield start
    for server in started:
        kill(server)


def get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8")
            return response.status, response.headers.get_content_type(), body
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode("utf-8")


def bad_municipality_file(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the sample file with `confidential_from = "5"`, and that line's number."""
    lines = (REPO / "config" / "municipality.toml").read_text(encoding="utf-8").splitlines()
    number = lines.index('confidential_from = "2"') + 1
    lines[number - 1] = 'confidential_from = "5"'
    path = tmp_path / "municipality.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


# --- serve --------------------------------------------------------------------------------


def test_serve_answers_health_readiness_and_the_web_chat(
    serve: Callable[[Path], Server], tmp_path: Path
) -> None:
    server = serve(tmp_path / "s.db")

    status, kind, body = get(server.url + "healthz")
    assert (status, kind, json.loads(body)) == (200, "application/json", {"status": "ok"})

    status, kind, body = get(server.url + "readyz")
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["database"] == "ok"

    status, kind, body = get(server.url)
    assert (status, kind) == (200, "text/html")
    assert "<html" in body


def test_serve_beyond_loopback_says_the_web_chat_is_off_and_serves_no_page(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = environment(tmp_path / "s.db", AIGUIDE_PORT=str(port), AIGUIDE_HOST="0.0.0.0")
    env.pop("AIGUIDE_LOCAL_REMOTE_HOSTS", None)
    server = start_server({**env, "LANG": "C.UTF-8"})
    try:
        line = server.wait_for(f"http://0.0.0.0:{port}/", START_TIMEOUT)
        assert "Web チャットは無効です" in line and "AIGUIDE_LOCAL_REMOTE_HOSTS" in line
        assert "開いてください" not in line  # nobody is sent to a page that is not there
        status, _, _ = get(f"http://127.0.0.1:{port}/")
        assert status == 404
        status, _, _ = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200  # the rest of the bot runs
    finally:
        kill(server)


def test_sigterm_stops_serve_cleanly(serve: Callable[[Path], Server], tmp_path: Path) -> None:
    server = serve(tmp_path / "s.db")

    assert server.stop() == 0
    assert "Traceback" not in server.stderr()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url + "healthz", timeout=5)


def test_a_second_start_on_the_same_database_keeps_one_municipality(
    serve: Callable[[Path], Server], tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    assert serve(database).stop() == 0

    server = serve(database)
    status, _, _ = get(server.url + "readyz")
    assert status == 200
    assert server.stop() == 0

    assert count_rows(database, "tenant") == 1


def test_a_bad_municipality_file_stops_serve_before_it_starts(tmp_path: Path) -> None:
    path, line = bad_municipality_file(tmp_path)
    database = tmp_path / "s.db"
    env = environment(database, AIGUIDE_PORT=str(free_port()), AIGUIDE_MUNICIPALITY_FILE=str(path))

    result = run_cli(env, "serve")

    assert result.returncode == 2
    assert f":{line}: confidentiality.confidential_from:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "aiguide を起動しました" not in result.stdout
    assert not database.exists()  # nothing was touched: no migration, no server


# --- db upgrade ---------------------------------------------------------------------------


def test_db_upgrade_creates_the_tables_and_can_run_again(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    env = environment(database)

    first = run_cli(env, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert database.exists()
    assert tables(database) >= {*TABLES, "alembic_version"}

    second = run_cli(env, "db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert "データベースは最新の状態です" in second.stdout
    assert tables(database) >= {*TABLES, "alembic_version"}

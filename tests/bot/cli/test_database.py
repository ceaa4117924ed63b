"""Opening the database from the command line: the URL is never shown with its password, and
a database that is down or misnamed is one clear line and a non-zero exit (issue 15, item 8)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli.database import masked
from tests.cli import aiguide
from tests.conftest import Database

PASSWORD = "s3cret-Pa55"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line(result: object) -> str:
    assert result.returncode == 2, result.stdout  # type: ignore[attr-defined]
    said = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in said and PASSWORD not in said + result.stdout  # type: ignore[attr-defined]
    [line] = said.splitlines()
    return str(line)


@pytest.mark.parametrize(
    "command",
    [
        ("db", "upgrade"),
        ("serve",),
        ("serve", "--no-migrate"),
        ("check", "--system", "copilot", "--class", "1"),
        ("systems", "list"),
        ("chat", "--as", "yamada"),
        ("training", "status"),
        ("tick",),
        ("outbox", "list"),
        ("tenants", "list"),
    ],
)
def test_a_postgresql_that_is_down_is_one_line_naming_the_masked_url(
    command: tuple[str, ...],
) -> None:
    port = closed_port()
    url = f"postgresql+asyncpg://aiguide:{PASSWORD}@127.0.0.1:{port}/aiguide"
    said = one_line(aiguide(*command, env={"AIGUIDE_DATABASE_URL": url}, stdin=""))
    assert said == (
        f"aiguide: データベースに接続できません（postgresql+asyncpg://aiguide:***@127.0.0.1:{port}"
        "/aiguide）: 接続を拒否されました"
        "（PostgreSQL が起動していないか、ホスト名・ポートが違います）。"
        "AIGUIDE_DATABASE_URL を確かめてください。"
    )


def test_a_wrong_kind_of_url_or_an_unknown_host_is_one_line_too() -> None:
    wrong = f"mysql://aiguide:{PASSWORD}@127.0.0.1/aiguide"
    said = one_line(aiguide("db", "upgrade", env={"AIGUIDE_DATABASE_URL": wrong}))
    assert "mysql://aiguide:***@127.0.0.1/aiguide" in said
    assert "この種類のデータベースには対応していません" in said
    nowhere = f"postgresql+asyncpg://aiguide:{PASSWORD}@db.invalid/aiguide"
    english = {"AIGUIDE_DATABASE_URL": nowhere, "LANG": "en_US.UTF-8"}
    said = one_line(aiguide("systems", "list", env=english))
    assert said == (
        "aiguide: cannot open the database (postgresql+asyncpg://aiguide:***@db.invalid/aiguide):"
        " no such host; check AIGUIDE_DATABASE_URL"
    )


def test_the_masked_url_keeps_everything_but_the_password() -> None:
    assert (
        masked(f"postgresql+asyncpg://user:{PASSWORD}@host:5433/db?ssl=require")
        == "postgresql+asyncpg://user:***@host:5433/db?ssl=require"
    )
    assert masked("sqlite+aiosqlite:///var/aiguide.db") == "sqlite+aiosqlite:///var/aiguide.db"
    assert PASSWORD not in masked(f"not a url {PASSWORD}")


def test_db_upgrade_says_the_database_is_current_without_its_password(
    database: Database, tmp_path: Path
) -> None:
    url = make_url(database.url)
    if url.host:  # PostgreSQL (trust authentication on the test server ignores the password)
        url = url.set(password=PASSWORD)
    env = {"AIGUIDE_DATABASE_URL": url.render_as_string(hide_password=False)}
    if database.schema:
        env["AIGUIDE_DATABASE_SCHEMA"] = database.schema
    done = aiguide("db", "upgrade", env=env)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    shown = url.render_as_string(hide_password=True)
    assert done.stdout.strip() == f"データベースは最新の状態です: {shown}"

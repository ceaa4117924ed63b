"""The command line: `aiguide serve | chat | db upgrade` (also `python -m bot …`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from aiohttp import web
from pydantic import ValidationError

from bot import logs
from bot.app import create_app
from bot.channels.console import run_chat
from bot.runtime import Runtime
from bot.settings import ConfigError, Settings, load_municipality
from storage.migrate import upgrade

log = logging.getLogger("aiguide")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiguide", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the bot (local web chat on HOST:PORT)")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations at start (replicas: run `aiguide db upgrade` once instead)",
    )

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", required=True, help="user id (e.g. a persona id)")
    chat.add_argument("--script", type=Path, help="read user lines from FILE instead of stdin")
    chat.add_argument("--json", action="store_true", help="print each reply as one JSON line")

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        logs.configure(settings.log_format, settings.log_level)
        load_municipality(settings.municipality_file)  # fail before touching anything
    except ValidationError as error:
        return _fail(f"invalid setting in the environment or .env:\n{error}")
    except ConfigError as error:
        return _fail(f"invalid municipality settings:\n{error}")

    if args.command == "db":
        upgrade(settings.database_url, settings.database_schema)
        print(f"database is up to date: {settings.database_url}")
        return 0
    if args.command == "serve":
        if not args.no_migrate:
            upgrade(settings.database_url, settings.database_schema)
        return _serve(settings)
    upgrade(settings.database_url, settings.database_schema)
    return asyncio.run(_chat(settings, args.user, args.script, as_json=args.json))


def _fail(message: str) -> int:
    print(f"aiguide: {message}", file=sys.stderr)
    return 2


async def _start(settings: Settings) -> web.Application:
    runtime = Runtime.create(settings)
    if await runtime.load_sample_data():
        log.info("registered municipality %s", runtime.tenant_id)
    return create_app(runtime)


def _serve(settings: Settings) -> int:
    address = f"http://{settings.host}:{settings.port}/"

    def _announce(_: str) -> None:
        print(f"aiguide is running. Open the web chat: {address}  (Ctrl-C to stop)", flush=True)

    # run_app turns SIGTERM/SIGINT into a graceful stop: no new connections, and turns in
    # flight get `shutdown_timeout` seconds to finish and commit.
    web.run_app(
        _start(settings),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=settings.shutdown_timeout,
        print=_announce,
        access_log=None,
    )
    log.info("aiguide stopped")
    return 0


async def _chat(settings: Settings, user: str, script: Path | None, *, as_json: bool) -> int:
    runtime = Runtime.create(settings)
    try:
        await runtime.load_sample_data()
        if script is None:
            return await run_chat(runtime, user, sys.stdin, as_json=as_json, echo=False)
        try:
            source = script.open(encoding="utf-8")
        except OSError as error:
            return _fail(f"cannot read the script {script}: {error.strerror}")
        with source:
            return await run_chat(runtime, user, source, as_json=as_json, echo=True)
    finally:
        await runtime.close()

"""The command line (also `python -m bot …`).

aiguide serve                 the bot, with the local web chat on HOST:PORT
aiguide chat --as USER        the same router in this terminal
aiguide check --system S …    may this information go into system S?
aiguide systems import|export|list   the 別表
aiguide scan [FILE|-]         what looks like personal information, line by line
aiguide tenants …             the municipalities of this deployment, their workspaces
aiguide manifest teams --app-id GUID --out aiguide-teams.zip   the Teams app package
aiguide db upgrade            apply the migrations

Every command on one municipality's data takes --tenant ID (not needed while there is one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from aiohttp import web
from pydantic import ValidationError

from bot import logs
from bot.app import create_app
from bot.channels.console import run_chat
from bot.commands import (
    audit_command,
    check_command,
    guideline_command,
    reports_command,
    scan_command,
    systems_command,
    training_command,
)
from bot.data_cli import add_data_commands, data_command
from bot.files.registry_io import RegistryFileError
from bot.files.roster_io import RosterFileError
from bot.manifest_cli import add_manifest_commands, manifest_command
from bot.runtime import Runtime, TenantNotChosen
from bot.settings import ConfigError, Settings, load_municipality
from bot.tenant_cli import add_tenant_commands, tenants_command
from bot.town import Town
from storage.migrate import upgrade

log = logging.getLogger("aiguide")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiguide", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    # The municipality a command acts on; optional while the deployment has only one.
    scoped = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given before or after a sub-command, neither level's default hides the other.
    scoped.add_argument(
        "--tenant",
        default=argparse.SUPPRESS,
        help="the municipality's id (see `aiguide tenants list`)",
    )

    serve = commands.add_parser("serve", help="start the bot (local web chat on HOST:PORT)")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations at start (replicas: run `aiguide db upgrade` once instead)",
    )

    chat = commands.add_parser("chat", parents=[scoped], help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", required=True, help="user id (e.g. a persona id)")
    chat.add_argument("--script", type=Path, help="read user lines from FILE instead of stdin")
    chat.add_argument("--json", action="store_true", help="print each reply as one JSON line")

    check = commands.add_parser(
        "check", parents=[scoped], help="may this information go into a system?"
    )
    check.add_argument("--system", required=True, help="the system's id, name or alias")
    check.add_argument("--class", dest="klass", required=True, help="confidentiality class")
    check.add_argument("--personal", choices=("yes", "no"), default="no")
    check.add_argument("--purpose", help="what it is used for")
    check.add_argument("--division", help="the asker's division")
    check.add_argument("--device", choices=("work", "personal"), default="work")
    check.add_argument("--user", help="a known user id (profile and pre-use state)")
    check.add_argument("--json", action="store_true", help="print one JSON object")

    systems = commands.add_parser(
        "systems", parents=[scoped], help="the list of designated systems"
    )
    systems_commands = systems.add_subparsers(dest="systems_command", required=True)
    imports = systems_commands.add_parser(
        "import", parents=[scoped], help="load a YAML or CSV file (all or none)"
    )
    imports.add_argument("file", type=Path)
    exports = systems_commands.add_parser(
        "export", parents=[scoped], help="write the list of designated systems"
    )
    exports.add_argument("--format", choices=("yaml", "csv", "xlsx"), default="yaml")
    exports.add_argument("--output", type=Path, help="file to write (default: standard output)")
    systems_commands.add_parser("list", parents=[scoped], help="one line per system")

    scan = commands.add_parser(
        "scan", parents=[scoped], help="look for personal information, line by line"
    )
    scan.add_argument("file", nargs="?", default="-", help="a text file, or - for stdin")
    scan.add_argument("--json", action="store_true", help="one JSON object per input line")

    training = commands.add_parser(
        "training", parents=[scoped], help="the training roster and pre-use status"
    )
    training_commands = training.add_subparsers(dest="training_command", required=True)
    roster = training_commands.add_parser(
        "import", parents=[scoped], help="load the roster CSV (all or none)"
    )
    roster.add_argument("file", type=Path)
    status = training_commands.add_parser(
        "status", parents=[scoped], help="confirmed / pending / overdue"
    )
    status.add_argument("--format", choices=("text", "csv", "xlsx"), default="text")
    status.add_argument("--output", type=Path, help="file to write (default: standard output)")

    guideline = commands.add_parser("guideline", parents=[scoped], help="guideline versions (§5)")
    guideline_commands = guideline.add_subparsers(dest="guideline_command", required=True)
    publish = guideline_commands.add_parser(
        "publish", parents=[scoped], help="publish a version and notify"
    )
    publish.add_argument("--version", required=True)
    publish.add_argument("--kind", choices=("major", "minor"), required=True)
    publish.add_argument("--approver", required=True, help="who approved it (§5)")
    publish.add_argument("--effective", required=True, type=date.fromisoformat)
    publish.add_argument("--summary", required=True, help="what changed (sent to staff)")
    publish.add_argument("--as", dest="user", help="the admin publishing (default: the first)")

    reports = commands.add_parser("reports", parents=[scoped], help="risk-case reports (§4)")
    reports_commands = reports.add_subparsers(dest="reports_command", required=True)
    export = reports_commands.add_parser(
        "export", parents=[scoped], help="one row per report with its timeline"
    )
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--from", dest="since", type=date.fromisoformat, help="YYYY-MM-DD (JST)")
    export.add_argument("--to", dest="until", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    audit = commands.add_parser("audit", parents=[scoped], help="the audit log of admin changes")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_export = audit_commands.add_parser(
        "export", parents=[scoped], help="every entry, oldest first"
    )
    audit_export.add_argument("--format", choices=("csv", "json"), default="csv")
    audit_export.add_argument("--output", type=Path, help="file to write (default: stdout)")

    commands.add_parser("tick", help="plan and send due reminders, deliver the outbox, once")

    add_tenant_commands(commands)
    add_manifest_commands(commands)
    add_data_commands(commands, scoped)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        logs.configure(settings.log_format, settings.log_level)
    except ValidationError as error:
        return _fail(f"invalid setting in the environment or .env:\n{error}")

    if args.command == "manifest":
        return manifest_command(args)
    if args.command == "db":
        upgrade(settings.database_url, settings.database_schema)
        print(f"database is up to date: {settings.database_url}")
        return 0
    if args.command == "serve":
        if settings.municipality_file.is_file():
            # The sample municipality is added only into an empty database, but a wrong file
            # is a mistake to fix before anything starts or is migrated.
            try:
                load_municipality(settings.municipality_file)
            except ConfigError as error:
                return _fail(f"invalid municipality settings:\n{error}")
        if not args.no_migrate:
            upgrade(settings.database_url, settings.database_schema)
        return _serve(settings)
    upgrade(settings.database_url, settings.database_schema)
    if args.command == "tenants":
        return _with_runtime(settings, lambda runtime: tenants_command(runtime, args))
    if args.command == "tick":
        return _with_runtime(settings, lambda runtime: _tick(runtime))
    if args.command == "scan":
        return _with_town(settings, args, lambda town: _scan(town, args))
    if args.command == "chat":
        return _with_town(settings, args, lambda town: _chat(town, args))
    commands = {
        "check": check_command,
        "systems": systems_command,
        "training": training_command,
        "guideline": guideline_command,
        "reports": reports_command,
        "audit": audit_command,
        "data": data_command,
    }
    command = commands[args.command]
    return _with_town(settings, args, lambda town: command(town, args))


def _fail(message: str) -> int:
    print(f"aiguide: {message}", file=sys.stderr)
    return 2


def _with_runtime(settings: Settings, command: Callable[[Runtime], Awaitable[int]]) -> int:
    async def run() -> int:
        runtime = Runtime.create(settings)
        try:
            await runtime.load_sample_data()
            return await command(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(run())
    except ConfigError as error:
        return _fail(f"invalid municipality settings:\n{error}")
    except TenantNotChosen as error:
        known = ", ".join(error.known) or "none yet (aiguide tenants add FILE.toml)"
        if error.asked:
            return _fail(f"no municipality {error.asked!r}; the municipalities: {known}")
        return _fail(f"there are several municipalities: give --tenant ID ({known})")
    except RosterFileError as error:
        return _fail(f"the roster has errors; nothing was changed:\n{error}")
    except RegistryFileError as error:
        return _fail(f"the systems file has errors; nothing was changed:\n{error}")


def _with_town(
    settings: Settings, args: argparse.Namespace, command: Callable[[Town], Awaitable[int]]
) -> int:
    async def on_town(runtime: Runtime) -> int:
        return await command(await runtime.town(getattr(args, "tenant", None)))

    return _with_runtime(settings, on_town)


async def _tick(runtime: Runtime) -> int:
    await runtime.tick()
    return 0


async def _scan(town: Town, args: argparse.Namespace) -> int:
    return scan_command(args, town.facts)


async def _start(settings: Settings) -> web.Application:
    runtime = Runtime.create(settings)
    if await runtime.load_sample_data():
        log.info("loaded the sample municipality from %s", settings.municipality_file)
    return create_app(runtime, tick_seconds=settings.tick_seconds)


def _serve(settings: Settings) -> int:
    address = f"http://{settings.host}:{settings.port}/"

    def _announce(_: str) -> None:
        print(f"aiguide is running. Open the web chat: {address}  (Ctrl-C to stop)", flush=True)

    # run_app turns SIGTERM/SIGINT into a graceful stop: no new connections, and turns in
    # flight get `shutdown_timeout` seconds to finish and commit.
    try:
        web.run_app(
            _start(settings),
            host=settings.host,
            port=settings.port,
            shutdown_timeout=settings.shutdown_timeout,
            print=_announce,
            access_log=None,
        )
    except RegistryFileError as error:
        return _fail(f"the systems file has errors; the bot did not start:\n{error}")
    except ConfigError as error:
        return _fail(f"invalid municipality settings:\n{error}")
    log.info("aiguide stopped")
    return 0


async def _chat(town: Town, args: argparse.Namespace) -> int:
    if args.script is None:
        return await run_chat(town, args.user, sys.stdin, as_json=args.json, echo=False)
    try:
        source = args.script.open(encoding="utf-8")
    except OSError as error:
        return _fail(f"cannot read the script {args.script}: {error.strerror}")
    with source:
        return await run_chat(town, args.user, source, as_json=args.json, echo=True)

"""The commands on a runtime: the database brought up to date first, then the command, and
every foreseeable failure worded as one clear line (never a traceback)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from bot.cli.database import check_url, reach
from bot.cli.messages import BadOption, OutputError, catalog, fail, t
from bot.files.registry_io import RegistryFileError
from bot.files.roster_io import RosterFileError
from bot.files.text_files import os_error_text
from bot.runtime import Runtime, TenantNotChosen
from bot.settings import ConfigError, Settings
from bot.town import Town
from storage.migrate import is_current, upgrade


def with_runtime(settings: Settings, command: Callable[[Runtime], Awaitable[int]]) -> int:
    async def run() -> int:
        check_url(settings.database_url)
        runtime = Runtime.create(settings)
        try:
            # Down, refused or misnamed: one line from main (DatabaseUnreachable), not the
            # driver's traceback from the middle of a migration.
            await reach(runtime.engine, settings.database_url)
            # Reading the revision costs one query; Alembic itself (and its imports) runs only
            # when the database is behind, ahead or new, and then says why it cannot go on.
            if not await is_current(runtime.engine):
                await asyncio.to_thread(upgrade, settings.database_url, settings.database_schema)
            await runtime.load_sample_data()
            return await command(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(run())
    except ConfigError as error:
        return fail("cli.bad_municipality", error=error)
    except TenantNotChosen as error:
        known = t("common.separator").join(error.known) or t("cli.no_tenants_yet")
        if error.asked:
            return fail("cli.no_tenant", asked=error.asked, known=known)
        return fail("cli.several_tenants", known=known)
    except RosterFileError as error:
        return fail("cli.roster_errors", errors=error)
    except RegistryFileError as error:
        return fail("cli.registry_errors", errors=error)
    except OutputError as error:
        return fail("cli.cannot_write", path=error.path, reason=error.reason)
    except BadOption as error:
        print(f"aiguide: {error}", file=sys.stderr)
        return 2


def with_town(settings: Settings, args: argparse.Namespace) -> int:
    async def on_town(runtime: Runtime) -> int:
        town = await runtime.town(getattr(args, "tenant", None))
        if args.command == "chat":
            return await chat(town, args)
        from bot import commands

        handlers: dict[str, Callable[[Town, argparse.Namespace], Awaitable[int]]] = {
            "check": commands.check_command,
            "systems": commands.systems_command,
            "training": commands.training_command,
            "guideline": commands.guideline_command,
            "reports": commands.reports_command,
            "audit": commands.audit_command,
            "scan": commands.scan_command,
        }
        if args.command == "data":
            from bot.data_cli import data_command

            return await data_command(town, args)
        return await handlers[args.command](town, args)

    return with_runtime(settings, on_town)


async def tick(runtime: Runtime) -> int:
    await runtime.tick()
    return 0


async def chat(town: Town, args: argparse.Namespace) -> int:
    from bot.channels.console import run_chat

    if args.script is None:
        return await run_chat(town, args.user, sys.stdin, as_json=args.json, echo=False)
    if str(args.script) == "-":
        # The usual convention: the script on standard input, echoed like a file's lines.
        return await run_chat(town, args.user, sys.stdin, as_json=args.json, echo=True)
    try:
        source = args.script.open(encoding="utf-8")
    except OSError as error:
        return fail(
            "cli.script_unreadable", path=args.script, reason=os_error_text(error, catalog())
        )
    with source:
        return await run_chat(town, args.user, source, as_json=args.json, echo=True)

"""`aiguide …`: parse, then import only what the command needs (see bot/cli/__init__.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.messages import choose, fail, help_text, lang_in, localize_argparse, t
from bot.cli.parser import LANGS, build_parser

if TYPE_CHECKING:
    from bot.settings import Settings

# The commands that read or change one municipality's data, and where they are carried out.
_TOWN_COMMANDS = (
    "check",
    "systems",
    "training",
    "guideline",
    "reports",
    "audit",
    "scan",
    "chat",
    "data",
)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `aiguide systems list | head`: the reader has gone, which is no error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    asked = lang_in(words)
    choose(asked if asked in LANGS else None)  # a wrong value: argparse says so, in Japanese
    localize_argparse()
    args = build_parser(help_text).parse_args(words)
    choose(getattr(args, "lang", None))

    if args.command == "manifest":  # files only: no settings, no database
        from bot.manifest_cli import manifest_command

        return manifest_command(args)

    from pydantic import ValidationError

    from bot import logs
    from bot.settings import Settings

    try:
        settings = Settings()
        logs.configure(settings.log_format, settings.log_level)
    except ValidationError as error:
        return fail("cli.bad_setting", error=error)

    from bot.cli.database import DatabaseUnreachable

    try:
        return _dispatch(args, settings)
    except DatabaseUnreachable as error:
        return fail("cli.db_unreachable", url=error.url, reason=error.reason)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        import asyncio

        from bot.cli.database import check_reachable, masked
        from storage.migrate import upgrade

        asyncio.run(check_reachable(settings.database_url, settings.database_schema))
        upgrade(settings.database_url, settings.database_schema)
        print(t("cli.db_current", url=masked(settings.database_url)))
        return 0
    if args.command == "serve":
        from bot.cli.serve import serve

        return serve(settings, migrate=not args.no_migrate)

    if args.command == "check":
        import asyncio

        from bot.cli.check import quick_check

        # run.py's error wording is not needed: this path only reads, and falls back to the
        # full start whenever the database is new, outdated or has no municipality yet.
        answered = asyncio.run(quick_check(settings, args))
        if answered is not None:
            return answered

    from bot.cli import run

    if args.command == "tenants":
        from bot.cli.tenants import tenants_command

        return run.with_runtime(settings, lambda runtime: tenants_command(runtime, args))
    if args.command == "tick":
        return run.with_runtime(settings, run.tick)
    if args.command == "outbox":
        from bot.outbox.cli import outbox_command

        return run.with_runtime(settings, lambda runtime: outbox_command(runtime, args))
    if args.command in _TOWN_COMMANDS:
        return run.with_town(settings, args)
    raise AssertionError(f"a command without a handler: {args.command}")  # argparse forbids it

"""`aiguide …`: parse, then import only what the command needs (see bot/cli/__init__.py)."""

from __future__ import annotations

from bot.cli.messages import choose, fail, t
from bot.cli.parser import build_parser

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
    args = build_parser().parse_args(argv)
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

    if args.command == "db":
        from storage.migrate import upgrade

        upgrade(settings.database_url, settings.database_schema)
        print(t("cli.db_current", url=settings.database_url))
        return 0
    if args.command == "serve":
        from bot.cli.serve import serve

        return serve(settings, migrate=not args.no_migrate)

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

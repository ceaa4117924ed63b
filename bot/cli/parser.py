"""The arguments of every command. Only argparse here: `aiguide --help` must start at once.

Every help text is a catalogue key under `cli.help.` (dialogs/messages): `say` turns a key
into the sentence in the command's language, so `--help` reads Japanese by default and
English with `--lang en` or an English locale, like every other message of the command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

Say = Callable[[str], str]

# (dest, flag, catalogue key of its help) of `tenants link/unlink`.
LINKS = (
    ("slack_team", "--slack-team", "tenants_slack_team"),
    ("slack_enterprise", "--slack-enterprise", "tenants_slack_enterprise"),
    ("teams_tenant", "--teams-tenant", "tenants_teams_tenant"),
)
LANGS = ("ja", "en")


def build_parser(say: Say) -> argparse.ArgumentParser:
    """`say(key)`: the help text of `cli.help.<key>` in the chosen language."""
    parser = argparse.ArgumentParser(
        prog="aiguide",
        description=say("description"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=LANGS, help=say("lang"))
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title=say("commands")
    )
    # The municipality a command acts on; optional while the deployment has only one.
    scoped = argparse.ArgumentParser(add_help=False, parents=[common])
    # SUPPRESS: given before or after a sub-command, neither level's default hides the other.
    scoped.add_argument("--tenant", metavar="ID", default=argparse.SUPPRESS, help=say("tenant"))

    serve = commands.add_parser("serve", parents=[common], help=say("serve"))
    serve.add_argument("--no-migrate", action="store_true", help=say("serve_no_migrate"))

    chat = commands.add_parser("chat", parents=[scoped], help=say("chat"))
    chat.add_argument("--as", dest="user", metavar="USER", required=True, help=say("chat_as"))
    chat.add_argument("--script", metavar="FILE", type=Path, help=say("chat_script"))
    chat.add_argument("--json", action="store_true", help=say("chat_json"))

    _add_check(commands, scoped, say)
    _add_files(commands, scoped, say)

    commands.add_parser("tick", parents=[common], help=say("tick"))
    _add_tenant_commands(commands, common, say)
    _add_outbox_commands(commands, common, say)
    from bot.manifest_cli import add_manifest_commands  # argparse and the standard library

    add_manifest_commands(commands, say, common)
    _add_data_commands(commands, scoped, say)

    db = commands.add_parser("db", parents=[common], help=say("db"))
    db_commands = db.add_subparsers(dest="db_command", required=True, title=say("commands"))
    db_commands.add_parser("upgrade", parents=[common], help=say("db_upgrade"))
    return parser


def _add_check(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    scoped: argparse.ArgumentParser,
    say: Say,
) -> None:
    check = commands.add_parser("check", parents=[scoped], help=say("check"))
    check.add_argument("--system", metavar="S", required=True, help=say("check_system"))
    check.add_argument(
        "--class", dest="klass", metavar="CLASS", required=True, help=say("check_class")
    )
    check.add_argument("--personal", choices=("yes", "no"), default="no", help=say("personal"))
    check.add_argument("--purpose", metavar="TEXT", help=say("check_purpose"))
    check.add_argument("--division", metavar="TEXT", help=say("check_division"))
    check.add_argument(
        "--device", choices=("work", "personal"), default="work", help=say("check_device")
    )
    check.add_argument("--user", metavar="USER", help=say("check_user"))
    check.add_argument("--json", action="store_true", help=say("check_json"))


def _add_files(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    scoped: argparse.ArgumentParser,
    say: Say,
) -> None:
    """The commands that read or write a municipality's files and lists."""
    systems = commands.add_parser("systems", parents=[scoped], help=say("systems"))
    systems_commands = systems.add_subparsers(
        dest="systems_command", required=True, title=say("commands")
    )
    imports = systems_commands.add_parser("import", parents=[scoped], help=say("systems_import"))
    imports.add_argument("file", metavar="FILE", type=Path, help=say("systems_file"))
    exports = systems_commands.add_parser("export", parents=[scoped], help=say("systems_export"))
    exports.add_argument(
        "--format", choices=("yaml", "csv", "xlsx"), default="yaml", help=say("format")
    )
    _add_output(exports, say)
    systems_commands.add_parser("list", parents=[scoped], help=say("systems_list"))

    scan = commands.add_parser("scan", parents=[scoped], help=say("scan"))
    scan.add_argument("file", metavar="FILE", nargs="?", default="-", help=say("scan_file"))
    scan.add_argument("--json", action="store_true", help=say("scan_json"))

    training = commands.add_parser("training", parents=[scoped], help=say("training"))
    training_commands = training.add_subparsers(
        dest="training_command", required=True, title=say("commands")
    )
    roster = training_commands.add_parser("import", parents=[scoped], help=say("training_import"))
    roster.add_argument("file", metavar="FILE", type=Path, help=say("roster_file"))
    status = training_commands.add_parser("status", parents=[scoped], help=say("training_status"))
    status.add_argument(
        "--format", choices=("text", "csv", "xlsx"), default="text", help=say("format")
    )
    _add_output(status, say)

    guideline = commands.add_parser("guideline", parents=[scoped], help=say("guideline"))
    guideline_commands = guideline.add_subparsers(
        dest="guideline_command", required=True, title=say("commands")
    )
    publish = guideline_commands.add_parser(
        "publish", parents=[scoped], help=say("guideline_publish")
    )
    publish.add_argument("--version", required=True, help=say("publish_version"))
    publish.add_argument(
        "--kind", choices=("major", "minor"), required=True, help=say("publish_kind")
    )
    publish.add_argument("--approver", required=True, help=say("publish_approver"))
    publish.add_argument("--effective", metavar="YYYY-MM-DD", required=True, help=say("day"))
    publish.add_argument("--summary", required=True, help=say("publish_summary"))
    publish.add_argument("--as", dest="user", metavar="USER", help=say("publish_as"))

    reports = commands.add_parser("reports", parents=[scoped], help=say("reports"))
    reports_commands = reports.add_subparsers(
        dest="reports_command", required=True, title=say("commands")
    )
    export = reports_commands.add_parser("export", parents=[scoped], help=say("reports_export"))
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv", help=say("format"))
    export.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help=say("reports_from"))
    export.add_argument("--to", dest="until", metavar="YYYY-MM-DD", help=say("reports_to"))
    _add_output(export, say)

    audit = commands.add_parser("audit", parents=[scoped], help=say("audit"))
    audit_commands = audit.add_subparsers(
        dest="audit_command", required=True, title=say("commands")
    )
    audit_export = audit_commands.add_parser("export", parents=[scoped], help=say("audit_export"))
    audit_export.add_argument(
        "--format", choices=("csv", "json"), default="csv", help=say("format")
    )
    _add_output(audit_export, say)


def _add_outbox_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    say: Say,
) -> None:
    outbox = commands.add_parser("outbox", parents=[common], help=say("outbox"))
    outbox_commands = outbox.add_subparsers(
        dest="outbox_command", required=True, title=say("commands")
    )
    listing = outbox_commands.add_parser("list", parents=[common], help=say("outbox_list"))
    listing.add_argument("--dead", action="store_true", help=say("outbox_dead"))
    retry = outbox_commands.add_parser("retry", parents=[common], help=say("outbox_retry"))
    retry.add_argument("id", type=int, metavar="ID", help=say("outbox_id"))


def _add_data_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    scoped: argparse.ArgumentParser,
    say: Say,
) -> None:
    data = commands.add_parser("data", parents=[scoped], help=say("data"))
    sub = data.add_subparsers(dest="data_command", required=True, title=say("commands"))
    purge = sub.add_parser("purge", parents=[scoped], help=say("data_purge"))
    purge.add_argument("--before", metavar="YYYY-MM-DD", required=True, help=say("data_before"))
    purge.add_argument("--apply", action="store_true", help=say("data_apply"))
    export = sub.add_parser("export", parents=[scoped], help=say("data_export"))
    export.add_argument("--user", metavar="USER", required=True, help=say("data_user"))
    export.add_argument("--output", metavar="FILE", type=Path, help=say("output"))


def _add_output(parser: argparse.ArgumentParser, say: Say) -> None:
    parser.add_argument("--output", metavar="FILE", type=Path, help=say("output"))
    parser.add_argument(
        "--encoding", choices=("utf-8", "cp932"), default="utf-8", help=say("encoding")
    )


def _add_tenant_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    say: Say,
) -> None:
    tenants = commands.add_parser("tenants", parents=[common], help=say("tenants"))
    sub = tenants.add_subparsers(dest="tenants_command", required=True, title=say("commands"))
    add = sub.add_parser("add", parents=[common], help=say("tenants_add"))
    add.add_argument("file", metavar="FILE.toml", type=Path, help=say("tenants_file"))
    update = sub.add_parser("update", parents=[common], help=say("tenants_update"))
    update.add_argument("file", metavar="FILE.toml", type=Path, help=say("tenants_file"))
    sub.add_parser("list", parents=[common], help=say("tenants_list"))
    show = sub.add_parser("show", parents=[common], help=say("tenants_show"))
    show.add_argument("id", metavar="ID", help=say("tenants_id"))
    export = sub.add_parser("export", parents=[common], help=say("tenants_export"))
    export.add_argument("id", metavar="ID", help=say("tenants_id"))
    export.add_argument("--output", metavar="FILE", type=Path, help=say("output"))
    for verb in ("link", "unlink"):
        parser = sub.add_parser(verb, parents=[common], help=say(f"tenants_{verb}"))
        parser.add_argument("id", metavar="ID", help=say("tenants_id"))
        group = parser.add_mutually_exclusive_group(required=True)
        for platform, flag, key in LINKS:
            group.add_argument(flag, dest=platform, metavar="ID", help=say(key))

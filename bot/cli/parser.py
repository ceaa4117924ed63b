"""The arguments of every command. Only argparse here: `aiguide --help` must start at once."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
aiguide serve                 the bot, with the local web chat on HOST:PORT
aiguide chat --as USER        the same router in this terminal
aiguide check --system S …    may this information go into system S?
aiguide systems import|export|list   the 別表
aiguide scan [FILE|-]         what looks like personal information, line by line
aiguide tenants …             the municipalities of this deployment, their workspaces
aiguide outbox list|retry     undelivered and dead messages (every municipality)
aiguide data purge|export     retention, and a person's own records
aiguide manifest teams --app-id GUID --out aiguide-teams.zip   the Teams app package
aiguide db upgrade            apply the migrations

Every command on one municipality's data takes --tenant ID (not needed while there is one).
Messages are in Japanese; --lang en (or LANG=en_US.UTF-8) for English.
"""

LINKS = (
    ("slack_team", "--slack-team", "a Slack workspace (team id T…)"),
    ("slack_enterprise", "--slack-enterprise", "a Slack Enterprise Grid org (E…)"),
    ("teams_tenant", "--teams-tenant", "a Microsoft 365 tenant (GUID)"),
)
LANGS = ("ja", "en")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiguide",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=LANGS, help="language of the messages (default: ja)")
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    # The municipality a command acts on; optional while the deployment has only one.
    scoped = argparse.ArgumentParser(add_help=False, parents=[common])
    # SUPPRESS: given before or after a sub-command, neither level's default hides the other.
    scoped.add_argument(
        "--tenant",
        default=argparse.SUPPRESS,
        help="the municipality's id (see `aiguide tenants list`)",
    )

    serve = commands.add_parser(
        "serve", parents=[common], help="start the bot (local web chat on HOST:PORT)"
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations at start (replicas: run `aiguide db upgrade` once instead)",
    )

    chat = commands.add_parser("chat", parents=[scoped], help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", required=True, help="user id (e.g. a persona id)")
    chat.add_argument(
        "--script", type=Path, help="read user lines from FILE (- for stdin), echoing them"
    )
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
    _add_output(exports)
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
    _add_output(status)

    guideline = commands.add_parser("guideline", parents=[scoped], help="guideline versions (§5)")
    guideline_commands = guideline.add_subparsers(dest="guideline_command", required=True)
    publish = guideline_commands.add_parser(
        "publish", parents=[scoped], help="publish a version and notify"
    )
    publish.add_argument("--version", required=True)
    publish.add_argument("--kind", choices=("major", "minor"), required=True)
    publish.add_argument("--approver", required=True, help="who approved it (§5)")
    publish.add_argument("--effective", required=True, help="YYYY-MM-DD")
    publish.add_argument("--summary", required=True, help="what changed (sent to staff)")
    publish.add_argument("--as", dest="user", help="the admin publishing (default: the first)")

    reports = commands.add_parser("reports", parents=[scoped], help="risk-case reports (§4)")
    reports_commands = reports.add_subparsers(dest="reports_command", required=True)
    export = reports_commands.add_parser(
        "export", parents=[scoped], help="one row per report with its timeline"
    )
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--from", dest="since", help="YYYY-MM-DD (JST)")
    export.add_argument("--to", dest="until", help="YYYY-MM-DD, inclusive")
    _add_output(export)

    audit = commands.add_parser("audit", parents=[scoped], help="the audit log of admin changes")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_export = audit_commands.add_parser(
        "export", parents=[scoped], help="every entry, oldest first"
    )
    audit_export.add_argument("--format", choices=("csv", "json"), default="csv")
    _add_output(audit_export)

    commands.add_parser(
        "tick", parents=[common], help="plan and send due reminders, deliver the outbox, once"
    )

    _add_tenant_commands(commands, common)
    _add_outbox_commands(commands, common)
    from bot.manifest_cli import add_manifest_commands  # argparse and the standard library

    add_manifest_commands(commands)
    _add_data_commands(commands, scoped)

    db = commands.add_parser("db", parents=[common], help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", parents=[common], help="apply the migrations")
    return parser


def _add_outbox_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    outbox = commands.add_parser(
        "outbox", parents=[common], help="messages waiting to be delivered, dead ones"
    )
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True)
    listing = outbox_commands.add_parser(
        "list", parents=[common], help="one line per unsent message"
    )
    listing.add_argument("--dead", action="store_true", help="the dead ones (retrying stopped)")
    retry = outbox_commands.add_parser(
        "retry", parents=[common], help="try a dead message again, from attempt 1"
    )
    retry.add_argument("id", type=int)


def _add_data_commands(
    commands: argparse._SubParsersAction, scoped: argparse.ArgumentParser
) -> None:
    data = commands.add_parser("data", parents=[scoped], help="retention and disclosure")
    sub = data.add_subparsers(dest="data_command", required=True)
    purge = sub.add_parser("purge", parents=[scoped], help="delete what retention allows")
    purge.add_argument("--before", required=True, help="YYYY-MM-DD")
    purge.add_argument("--apply", action="store_true", help="delete (default: only count)")
    export = sub.add_parser("export", parents=[scoped], help="one person's own records")
    export.add_argument("--user", required=True, help="the person's user id")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument(
        "--encoding",
        choices=("utf-8", "cp932"),
        default="utf-8",
        help="of a CSV or text file: utf-8 (with the BOM Excel needs) or cp932 (Shift_JIS)",
    )


def _add_tenant_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:  # type: ignore[type-arg]
    tenants = commands.add_parser(
        "tenants", parents=[common], help="the municipalities of this deployment"
    )
    sub = tenants.add_subparsers(dest="tenants_command", required=True)
    add = sub.add_parser("add", parents=[common], help="add a municipality from its TOML file")
    add.add_argument("file", type=Path)
    update = sub.add_parser(
        "update", parents=[common], help="replace a municipality's settings (audited)"
    )
    update.add_argument("file", type=Path)
    sub.add_parser("list", parents=[common], help="one line per municipality")
    show = sub.add_parser("show", parents=[common], help="a municipality's settings and workspaces")
    show.add_argument("id")
    export = sub.add_parser("export", parents=[common], help="a municipality's settings as TOML")
    export.add_argument("id")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    for verb in ("link", "unlink"):
        parser = sub.add_parser(
            verb, parents=[common], help=f"{verb} a workspace or Microsoft 365 tenant"
        )
        parser.add_argument("id", help="the municipality's id")
        group = parser.add_mutually_exclusive_group(required=True)
        for platform, flag, what in LINKS:
            group.add_argument(flag, dest=platform, metavar="ID", help=what)

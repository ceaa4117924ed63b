"""`aiguide data …`: retention and disclosure.

purge --before DATE [--apply]   what the retention settings allow to delete (a dry run unless
                                --apply; audited): closed reports and conversation state
export --user ID [--output F]   one person's own records, as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.commands import write_out
from bot.tenant_cli import cli_actor
from bot.town import Town
from dialogs.context import JST
from storage.admin import audit
from storage.db import transaction
from storage.retention import (
    closed_reports_before,
    conversations_before,
    delete_conversations,
    delete_reports,
    records_of,
)


def add_data_commands(commands: Any, scoped: argparse.ArgumentParser) -> None:
    data = commands.add_parser("data", parents=[scoped], help="retention and disclosure")
    sub = data.add_subparsers(dest="data_command", required=True)
    purge = sub.add_parser("purge", parents=[scoped], help="delete what retention allows")
    purge.add_argument("--before", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    purge.add_argument("--apply", action="store_true", help="delete (default: only count)")
    export = sub.add_parser("export", parents=[scoped], help="one person's own records")
    export.add_argument("--user", required=True, help="the person's user id")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")


def _limit(days: int, today: date) -> datetime | None:
    return datetime.combine(today - timedelta(days=days), time(), JST) if days else None


async def data_command(town: Town, args: argparse.Namespace) -> int:
    if args.data_command == "export":
        async with transaction(town.runtime.sessions) as session:
            found = await records_of(session, town.tenant_id, args.user)
        if not found["people"]:
            print(f"aiguide: no user {args.user!r} in {town.tenant_id}", file=sys.stderr)
            return 2
        text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
        return write_out(args.output, text)
    retention = town.settings.retention
    today = town.runtime.today()
    before = datetime.combine(args.before, time(), JST)
    # Never past what the municipality's retention settings allow.
    limits = {
        "reports": _limit(retention.reports_days, today),
        "conversations": _limit(retention.conversations_days, today),
    }
    async with transaction(town.runtime.sessions) as session:
        counts: dict[str, int] = {}
        report_limit = limits["reports"]
        reports = (
            await closed_reports_before(session, town.tenant_id, min(before, report_limit))
            if report_limit
            else []
        )
        counts["reports"] = len(reports)
        conversation_limit = limits["conversations"]
        cutoff = min(before, conversation_limit) if conversation_limit else None
        conversations = (
            await conversations_before(session, town.tenant_id, cutoff) if cutoff else []
        )
        counts["conversations"] = len(conversations)
        for kind, count in counts.items():
            kept = "" if limits[kind] else " (kept for ever: no retention setting)"
            verb = "deleted" if args.apply else "would delete"
            print(f"{town.tenant_id}: {kind}: {verb} {count}{kept}")
        if args.apply:
            await delete_reports(session, reports)
            if cutoff:
                await delete_conversations(session, town.tenant_id, cutoff)
            await audit(
                session,
                town.tenant_id,
                channel="cli",
                actor=cli_actor(),
                action="data.purge",
                target=f"before:{args.before.isoformat()}",
                after=counts,
            )
    return 0

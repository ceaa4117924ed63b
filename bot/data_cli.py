"""`aiguide data …`: retention and disclosure.

purge --before DATE [--apply]   what the retention settings allow to delete (a dry run unless
                                --apply; audited): closed reports and conversation state
export --user ID [--output F]   one person's own records, as JSON
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta

from bot.cli.messages import fail, t
from bot.cli.tenants import cli_actor
from bot.commands import parse_day, write_out
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


def _limit(days: int, today: date) -> datetime | None:
    return datetime.combine(today - timedelta(days=days), time(), JST) if days else None


async def data_command(town: Town, args: argparse.Namespace) -> int:
    if args.data_command == "export":
        async with transaction(town.runtime.sessions) as session:
            found = await records_of(session, town.tenant_id, args.user)
        if not found["people"]:
            return fail("cli.data.no_user", user=args.user, tenant=town.tenant_id)
        text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
        return write_out(args.output, text)
    retention = town.settings.retention
    today = town.runtime.today()
    day = parse_day("--before", args.before)  # BadOption: one line (bot/cli/run.py)
    assert day is not None  # argparse requires --before
    before = datetime.combine(day, time(), JST)
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
            kept = "" if limits[kind] else t("cli.data.kept")
            key = "cli.data.deleted" if args.apply else "cli.data.would_delete"
            what = t(f"cli.data.{kind}")
            print(t(key, tenant=town.tenant_id, kind=what, count=count, kept=kept))
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
                target=f"before:{day.isoformat()}",
                after=counts,
            )
    return 0

"""The administrative commands: `aiguide check`, `aiguide systems …`, `aiguide scan`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.channels.plain import render
from bot.files import report_export
from bot.files.pre_use_export import status_csv, status_text, status_xlsx
from bot.files.registry_io import to_csv, to_xlsx, to_yaml
from bot.files.roster_io import progress_bar, read_roster
from bot.services.pre_use import summary_rows
from bot.services.reports import jst
from bot.town import Town
from dialogs import pii
from dialogs.context import ASSUMED_READY, JST, DialogContext, MunicipalityFacts, PersonFacts
from dialogs.decision import Asker, EntryQuestion, decide_entry
from dialogs.effects import PublishGuideline
from dialogs.entry_check import verdict_card
from dialogs.pre_use import readiness as pre_use_readiness
from dialogs.registry import closest_names, find_system


def write_out(output: Path | None, data: str | bytes) -> int:
    """Write an export to `--output`, or to standard output; a workbook is never written to a
    terminal, where it would only garble the screen."""
    if output is not None:
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, encoding="utf-8")
        return 0
    if isinstance(data, bytes):
        if sys.stdout.isatty():
            print("aiguide: give --output FILE for xlsx", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
    return 0


async def check_command(town: Town, args: argparse.Namespace) -> int:
    """Print the decision for one question; 0 whatever the outcome (it is an answer)."""
    systems = await town.systems()
    system = find_system(systems, args.system)
    person = await town.person(args.user) if args.user else None
    if args.user and person is None:
        print(
            f"aiguide: no user {args.user!r} is known; omit --user to assume one", file=sys.stderr
        )
        return 2
    division = args.division or (person.division if person else None) or None
    readiness = ASSUMED_READY
    if person is not None:
        state = await town.pre_use_state(person.channel, person.user_id)
        readiness = pre_use_readiness(state, datetime.now(JST).date())
    facts = town.facts
    if args.klass not in facts.confidentiality_classes:
        valid = ", ".join(facts.confidentiality_classes)
        print(f"aiguide: --class must be one of {valid}", file=sys.stderr)
        return 2
    question = EntryQuestion(
        system=system,
        asked_name=args.system,
        klass=args.klass,
        personal=args.personal == "yes",
        purpose=args.purpose,
        device=args.device,
    )
    decision = decide_entry(question, Asker(division, readiness), facts, systems)
    closest = closest_names(systems, args.system) if system is None else []
    if args.json:
        out = {"system": system.id if system else None, **decision.to_json()}
        if system is None:
            out["closest"] = closest
        print(json.dumps(out, ensure_ascii=False))
        return 0
    ctx = DialogContext(
        catalogs=town.runtime.catalogs,
        municipality=facts,
        person=PersonFacts(user_id=args.user or "", division=division or ""),
        locale="ja",
        systems=tuple(systems),
    )
    print(render(verdict_card(question, decision, ctx)))
    if closest:
        print(ctx.t("entry.closest", names=ctx.t("common.separator").join(closest)))
    return 0


async def systems_command(town: Town, args: argparse.Namespace) -> int:
    if args.systems_command == "import":
        added, changed = await town.import_systems(args.file)
        print(f"imported {args.file}: {added} added, {changed} changed")
        return 0
    systems = await town.systems()
    if args.systems_command == "list":
        for s in systems:
            personal = "personal" if s.personal_info else "-"
            print(f"{s.id}\t{s.name}\t{s.service_type}\tmax {s.max_class}\t{personal}\t{s.status}")
        return 0
    msg = town.runtime.catalogs.for_locale("ja")
    writers = {"xlsx": lambda: to_xlsx(systems, msg), "yaml": lambda: to_yaml(systems)}
    return write_out(args.output, writers.get(args.format, lambda: to_csv(systems))())


def scan_command(args: argparse.Namespace, town: MunicipalityFacts) -> int:
    """Scan each input line; nothing read is stored or logged."""
    if args.file == "-":
        return _scan(sys.stdin, town, as_json=args.json)
    try:
        with Path(args.file).open(encoding="utf-8") as source:
            return _scan(source, town, as_json=args.json)
    except OSError as error:
        print(f"aiguide: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2


def _scan(source: TextIO, town: MunicipalityFacts, *, as_json: bool) -> int:
    for number, line in enumerate(source, start=1):
        result = pii.scan(line.rstrip("\n"))
        klass = pii.suggested_class(result, town.confidentiality_classes, town.confidential_from)
        findings = [
            {"kind": f.kind, "start": f.start, "end": f.end, "excerpt": f.excerpt}
            for f in result.findings
        ]
        if as_json:
            out = {"line": number, "findings": findings, "suggested_class": klass}
            print(json.dumps(out, ensure_ascii=False))
        else:
            found = ", ".join(f"{f['kind']} {f['excerpt']}" for f in findings) or "-"
            print(f"{number}: class {klass}: {found}")
    return 0


async def training_command(town: Town, args: argparse.Namespace) -> int:
    if args.training_command == "import":
        bar = progress_bar(sys.stderr)
        records = read_roster(args.file, lambda done, total: total >= 1000 and bar(done, total))
        added, changed = await town.import_roster(records)
        print(f"imported {args.file}: {added} added, {changed} changed")
        return 0
    facts = town.facts
    people = await town.standings()
    today = datetime.now(JST).date()
    rows = summary_rows(people, today, facts)
    msg = town.runtime.catalogs.for_locale("ja")
    if args.format == "xlsx":
        return write_out(args.output, status_xlsx(rows, people, today, facts, msg))
    return write_out(args.output, status_csv(rows) if args.format == "csv" else status_text(rows))


async def guideline_command(town: Town, args: argparse.Namespace) -> int:
    facts = town.facts
    user = args.user or (facts.admins[0] if facts.admins else "")
    if user not in facts.admins:
        print(f"aiguide: {user or 'nobody'} is not an admin ([roles] admins)", file=sys.stderr)
        return 2
    effect = PublishGuideline(
        version=args.version,
        kind=args.kind,
        approver=args.approver,
        effective_on=args.effective,
        summary=args.summary,
    )
    person = await town.person(user)
    published, replies = await town.publish_version(
        effect, person.channel if person else "local", user
    )
    for reply in replies:
        print(render(reply), file=sys.stdout if published else sys.stderr)
    return 0 if published else 1


async def reports_command(town: Town, args: argparse.Namespace) -> int:
    """Every report filed from --from to --to (JST days, inclusive), with its timeline."""
    since = datetime.combine(args.since, time(), JST) if args.since else None
    until = datetime.combine(args.until + timedelta(days=1), time(), JST) if args.until else None
    found = await town.reports_with_events(since, until)
    msg = town.runtime.catalogs.for_locale("ja")
    if args.format == "xlsx":
        return write_out(args.output, report_export.to_xlsx(found, msg))
    return write_out(args.output, report_export.to_csv(found, msg))


async def audit_command(town: Town, args: argparse.Namespace) -> int:
    """The append-only audit log: who changed what, when, where, before and after."""
    entries = await town.audit_log()
    if args.format == "json":
        text = "".join(
            json.dumps(
                {
                    "at": e.at.isoformat(),
                    "channel": e.channel,
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "outcome": e.outcome,
                    "before": e.before,
                    "after": e.after,
                },
                ensure_ascii=False,
            )
            + "\n"
            for e in entries
        )
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["at_jst", "channel", "actor", "action", "target", "outcome", "before", "after"]
        )
        for e in entries:
            writer.writerow(
                [
                    jst(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                    e.channel,
                    e.actor,
                    e.action,
                    e.target,
                    e.outcome,
                    json.dumps(e.before, ensure_ascii=False),
                    json.dumps(e.after, ensure_ascii=False),
                ]
            )
        text = out.getvalue()
    return write_out(args.output, text)

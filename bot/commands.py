"""The administrative commands: `aiguide check`, `aiguide systems …`, `aiguide scan`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.channels.plain import render
from bot.cli.messages import BadOption, OutputError, catalog, fail, t
from bot.cli.tenants import cli_actor
from bot.files import report_export
from bot.files.pre_use_export import status_csv, status_text, status_xlsx
from bot.files.registry_io import to_csv, to_xlsx, to_yaml
from bot.files.roster_io import progress_bar, read_roster
from bot.files.text_files import CP932, NotTextError, os_error_text, read_text
from bot.services.pre_use import summary_rows
from bot.services.report_views import jst
from bot.town import Town
from dialogs import pii
from dialogs.context import JST, MunicipalityFacts
from dialogs.effects import PublishGuideline
from dialogs.guideline import version_number


def write_out(output: Path | None, data: str | bytes, encoding: str = "plain") -> int:
    """Write an export to `--output`, or to standard output; a workbook is never written to a
    terminal, where it would only garble the screen. A text file written for a person gets the
    BOM Japanese Excel needs to read UTF-8 (or is CP932 with `--encoding cp932`); "plain" is
    UTF-8 without a BOM, for files aiguide or a program reads back (YAML, JSON)."""
    if isinstance(data, str) and encoding == "cp932":
        data = data.encode("cp932", errors="replace")
    elif isinstance(data, str) and output is not None and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data.encode("utf-8")
    if output is not None:
        try:
            output.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        except OSError as error:
            raise OutputError(output, os_error_text(error, catalog())) from None
        print(t("cli.wrote", path=output), file=sys.stderr)
        return 0
    if isinstance(data, bytes):
        if sys.stdout.isatty():
            return fail("cli.xlsx_needs_output")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
    return 0


def parse_day(option: str, value: str | None) -> date | None:
    """A date option: 2026-04-01, 2026/04/01 or 2026年4月1日, full-width digits too."""
    if value is None:
        return None
    folded = unicodedata.normalize("NFKC", value).strip()
    folded = folded.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    try:
        return datetime.strptime(folded, "%Y-%m-%d").date()
    except ValueError:
        raise BadOption(t("cli.bad_date", option=option, value=value)) from None


async def check_command(town: Town, args: argparse.Namespace) -> int:
    """`aiguide check` after the full start (a new or outdated database): see bot/cli/check.py,
    which answers without the runtime whenever the database is ready."""
    from bot.cli.check import answer

    systems = await town.systems()
    person = await town.person(args.user) if args.user else None
    state = await town.pre_use_state(person.channel, person.user_id) if person else None
    return answer(args, town.runtime.catalogs, town.facts, systems, person, state)


async def systems_command(town: Town, args: argparse.Namespace) -> int:
    if args.systems_command == "import":
        encoding = _encoding_of(args.file)
        added, changed = await town.import_systems(args.file, cli_actor())
        print(t("cli.imported", path=args.file, encoding=encoding, added=added, changed=changed))
        return 0
    systems = await town.systems()
    msg = catalog()
    if args.systems_command == "list":
        print(t("cli.systems.header"))
        for s in systems:
            personal = t("cli.yes") if s.personal_info else "-"
            status = t(f"cli.systems.{s.status}")
            print(f"{s.id}\t{s.name}\t{s.service_type}\t{s.max_class}\t{personal}\t{status}")
        return 0
    if args.format == "xlsx":
        return write_out(args.output, to_xlsx(systems, msg))
    text = to_yaml(systems) if args.format == "yaml" else to_csv(systems)
    # YAML is read back by aiguide itself: plain UTF-8, no BOM.
    return write_out(args.output, text, args.encoding if args.format == "csv" else "plain")


def _encoding_of(path: Path) -> str:
    """How an import file will be read, for the summary line (its readers decode it again)."""
    try:
        return read_text(path)[1]
    except (OSError, NotTextError):
        return "-"  # the reader reports the file's problem itself


async def scan_command(town: Town, args: argparse.Namespace) -> int:
    """Scan each input line; nothing read is stored or logged."""
    facts = town.facts
    if args.file == "-":
        return _scan(sys.stdin, facts, as_json=args.json)
    try:
        text, encoding = read_text(Path(args.file))
    except OSError as error:
        return fail("cli.file_unreadable", path=args.file, reason=os_error_text(error, catalog()))
    except NotTextError:
        return fail("cli.file_not_text", path=args.file)
    if encoding == CP932:
        print(t("cli.read_as_cp932", path=args.file), file=sys.stderr)
    return _scan(io.StringIO(text), facts, as_json=args.json)


def _scan(source: TextIO, town: MunicipalityFacts, *, as_json: bool) -> int:
    msg = catalog()
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
            found = msg.t("common.separator").join(
                f"{msg.t(f'pii.kind.{f.kind}')} {f.excerpt}" for f in result.findings
            )
            print(t("cli.scan.line", line=number, klass=klass, found=found or "-"))
    return 0


async def training_command(town: Town, args: argparse.Namespace) -> int:
    if args.training_command == "import":
        encoding = _encoding_of(args.file)
        bar = progress_bar(sys.stderr)
        records = read_roster(
            args.file, catalog(), lambda done, total: total >= 1000 and bar(done, total)
        )
        added, changed = await town.import_roster(records)
        print(t("cli.imported", path=args.file, encoding=encoding, added=added, changed=changed))
        return 0
    facts = town.facts
    people = await town.standings()
    today = datetime.now(JST).date()
    rows = summary_rows(people, today, facts)
    msg = catalog()
    if args.format == "xlsx":
        return write_out(args.output, status_xlsx(rows, people, today, facts, msg))
    text = status_csv(rows, msg) if args.format == "csv" else status_text(rows, msg)
    return write_out(args.output, text, args.encoding)


async def guideline_command(town: Town, args: argparse.Namespace) -> int:
    facts = town.facts
    user = args.user or (facts.admins[0] if facts.admins else "")
    if user not in facts.admins:
        return fail("cli.not_admin", user=user or t("cli.nobody"))
    effective = parse_day("--effective", args.effective)
    assert effective is not None  # a required option
    if (version := version_number(args.version)) is None:
        return fail("publish.bad_version", value=args.version)
    effect = PublishGuideline(
        version=version,
        kind=args.kind,
        approver=args.approver,
        effective_on=effective,
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
    first, last = parse_day("--from", args.since), parse_day("--to", args.until)
    if first and last and first > last:
        return fail("cli.range_reversed", since=first, until=last)
    since = datetime.combine(first, time(), JST) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), JST) if last else None
    found = await town.reports_with_events(since, until)
    msg = catalog()
    if args.format == "xlsx":
        return write_out(args.output, report_export.to_xlsx(found, msg))
    return write_out(args.output, report_export.to_csv(found, msg), args.encoding)


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
    return write_out(args.output, text, args.encoding if args.format == "csv" else "plain")

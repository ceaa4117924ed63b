"""`aiguide tenants …`: the municipalities of this deployment, and their workspaces.

add FILE.toml · update FILE.toml · list · show ID · export ID
link ID --slack-team T… | --slack-enterprise E… | --teams-tenant GUID   (and unlink)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from bot.files.municipality_toml import to_toml
from bot.runtime import Runtime
from bot.services.tenants import add_from_file, update_from_file
from storage.admin import audit
from storage.db import transaction
from storage.tenants import get_tenant, link, links_of, list_tenants, unlink

_LINKS = (
    ("slack_team", "--slack-team", "a Slack workspace (team id T…)"),
    ("slack_enterprise", "--slack-enterprise", "a Slack Enterprise Grid org (E…)"),
    ("teams_tenant", "--teams-tenant", "a Microsoft 365 tenant (GUID)"),
)


def add_tenant_commands(commands: Any) -> None:
    tenants = commands.add_parser("tenants", help="the municipalities of this deployment")
    sub = tenants.add_subparsers(dest="tenants_command", required=True)
    add = sub.add_parser("add", help="add a municipality from its TOML file")
    add.add_argument("file", type=Path)
    update = sub.add_parser("update", help="replace a municipality's settings (audited)")
    update.add_argument("file", type=Path)
    sub.add_parser("list", help="one line per municipality")
    show = sub.add_parser("show", help="a municipality's settings and workspaces")
    show.add_argument("id")
    export = sub.add_parser("export", help="a municipality's settings as TOML")
    export.add_argument("id")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    for verb in ("link", "unlink"):
        parser = sub.add_parser(verb, help=f"{verb} a workspace or Microsoft 365 tenant")
        parser.add_argument("id", help="the municipality's id")
        group = parser.add_mutually_exclusive_group(required=True)
        for platform, flag, what in _LINKS:
            group.add_argument(flag, dest=platform, metavar="ID", help=what)


def _fail(message: str) -> int:
    print(f"aiguide: {message}", file=sys.stderr)
    return 2


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a container: still audited, as the command line
        return "cli"


async def tenants_command(runtime: Runtime, args: argparse.Namespace) -> int:
    verb = args.tenants_command
    async with transaction(runtime.sessions) as session:
        if verb == "add":
            settings, added = await add_from_file(session, args.file, runtime.today())
            if not added:
                return _fail(f"a municipality with the id {settings.municipality.id} exists")
            await audit(
                session,
                settings.municipality.id,
                channel="cli",
                actor=cli_actor(),
                action="tenant.add",
                target=f"tenant:{settings.municipality.id}",
                after={"name": settings.municipality.name},
            )
            print(f"added {settings.municipality.id} ({settings.municipality.name})")
            return 0
        if verb == "update":
            result = await update_from_file(session, args.file, cli_actor())
            if result is None:
                return _fail(f"no such municipality in {args.file}; add it first")
            tenant_id, changed = result
            if not changed:
                print(f"{tenant_id}: nothing changed")
            for key, before, after in changed:
                print(f"{tenant_id}: {key}: {before!r} -> {after!r}")
            return 0
        if verb == "list":
            for tenant in await list_tenants(session):
                links = ", ".join(
                    f"{k.platform}={k.external_id}" for k in await links_of(session, tenant.id)
                )
                print(f"{tenant.id}\t{tenant.name}\t{links or '-'}")
            return 0
        tenant = await get_tenant(session, args.id)
        if tenant is None:
            known = ", ".join(t.id for t in await list_tenants(session)) or "none"
            return _fail(f"no municipality {args.id!r} (known: {known})")
        if verb == "show":
            print(f"{tenant.id}\t{tenant.name}\trevision {tenant.revision}")
            for k in await links_of(session, tenant.id):
                print(f"  {k.platform}: {k.external_id}")
            print(to_toml(tenant.settings), end="")
            return 0
        if verb == "export":
            text = to_toml(tenant.settings)
            if args.output is None:
                sys.stdout.write(text)
            else:
                args.output.write_text(text, encoding="utf-8")
                print(f"wrote {args.output}")
            return 0
        platform, external_id = next(
            (p, getattr(args, p)) for p, _, _ in _LINKS if getattr(args, p)
        )
        return await _link(session, verb, tenant.id, platform, external_id)


async def _link(session: Any, verb: str, tenant_id: str, platform: str, external_id: str) -> int:
    if verb == "unlink":
        if not await unlink(session, tenant_id, platform, external_id):
            return _fail(f"{platform} {external_id} is not linked to {tenant_id}")
        outcome = "unlinked"
    else:
        outcome = await link(session, tenant_id, platform, external_id)
        if outcome not in ("linked", "already"):
            return _fail(f"{platform} {external_id} already belongs to {outcome}; unlink it first")
    if outcome != "already":
        await audit(
            session,
            tenant_id,
            channel="cli",
            actor=cli_actor(),
            action=f"tenant.{verb}",
            target=f"{platform}:{external_id}",
        )
    print(f"{tenant_id}: {platform} {external_id} {outcome}")
    return 0

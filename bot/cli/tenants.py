"""`aiguide tenants …`: the municipalities of this deployment, and their workspaces.

add FILE.toml · update FILE.toml · list · show ID · export ID
link ID --slack-team T… | --slack-enterprise E… | --teams-tenant GUID   (and unlink)
(The arguments are in bot/cli/parser.py.)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any

from bot.cli.messages import OutputError, catalog, fail, t
from bot.cli.parser import LINKS
from bot.files.municipality_toml import to_toml
from bot.files.text_files import os_error_text
from bot.runtime import Runtime
from bot.services.tenants import add_from_file, update_from_file
from storage.admin import audit
from storage.db import transaction
from storage.tenants import get_tenant, link, links_of, list_tenants, unlink


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a container: still audited, as the command line
        return "cli"


async def tenants_command(runtime: Runtime, args: argparse.Namespace) -> int:
    verb = args.tenants_command
    if verb in ("add", "update") and not await asyncio.to_thread(Path(args.file).is_file):
        # The file was named here: not the settings' AIGUIDE_MUNICIPALITY_FILE to check.
        return fail("cli.tenants.no_file", path=args.file)
    async with transaction(runtime.sessions) as session:
        if verb == "add":
            settings, added = await add_from_file(session, args.file, runtime.today())
            if not added:
                return fail("cli.tenants.exists", id=settings.municipality.id)
            await audit(
                session,
                settings.municipality.id,
                channel="cli",
                actor=cli_actor(),
                action="tenant.add",
                target=f"tenant:{settings.municipality.id}",
                after={"name": settings.municipality.name},
            )
            print(
                t("cli.tenants.added", id=settings.municipality.id, name=settings.municipality.name)
            )
            return 0
        if verb == "update":
            result = await update_from_file(session, args.file, cli_actor())
            if result is None:
                return fail("cli.tenants.not_added", path=args.file)
            tenant_id, changed = result
            if not changed:
                print(t("cli.tenants.unchanged", id=tenant_id))
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
            known = t("common.separator").join(x.id for x in await list_tenants(session))
            return fail("cli.no_tenant", asked=args.id, known=known or t("cli.no_tenants_yet"))
        if verb == "show":
            print(t("cli.tenants.show", id=tenant.id, name=tenant.name, revision=tenant.revision))
            for k in await links_of(session, tenant.id):
                print(f"  {k.platform}: {k.external_id}")
            print(to_toml(tenant.settings), end="")
            return 0
        if verb == "export":
            text = to_toml(tenant.settings)
            if args.output is None:
                sys.stdout.write(text)
            else:
                try:
                    args.output.write_text(text, encoding="utf-8")
                except OSError as error:
                    raise OutputError(args.output, os_error_text(error, catalog())) from None
                print(t("cli.wrote", path=args.output), file=sys.stderr)
            return 0
        platform, external_id = next((p, getattr(args, p)) for p, _, _ in LINKS if getattr(args, p))
        return await _link(session, verb, tenant.id, platform, external_id)


async def _link(session: Any, verb: str, tenant_id: str, platform: str, external_id: str) -> int:
    if verb == "unlink":
        if not await unlink(session, tenant_id, platform, external_id):
            return fail("cli.tenants.not_linked", link=f"{platform} {external_id}", id=tenant_id)
        outcome = "unlinked"
    else:
        outcome = await link(session, tenant_id, platform, external_id)
        if outcome not in ("linked", "already"):
            return fail(
                "cli.tenants.linked_elsewhere", link=f"{platform} {external_id}", id=outcome
            )
    if outcome != "already":
        await audit(
            session,
            tenant_id,
            channel="cli",
            actor=cli_actor(),
            action=f"tenant.{verb}",
            target=f"{platform}:{external_id}",
        )
    print(t(f"cli.tenants.{outcome}", id=tenant_id, link=f"{platform} {external_id}"))
    return 0

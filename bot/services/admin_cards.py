"""The policy division's registry and roles as cards: an entry, the list, an entry's audited
history and who holds which role. Reading only; the changes are in bot.services.admin.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.files.registry_io import COLUMNS
from bot.services.report_views import jst
from dialogs.context import DialogContext
from dialogs.ui import Fact, FactCard, Link
from storage.admin import audit_entries, grants
from storage.models import AISystem
from storage.people import display_names

_WORDS = {
    "service_type": "registry.service_types",
    "server_location": "registry.server_locations",
    "status": "admin.status",
}


def shown(value: Any, ctx: DialogContext, column: str = "") -> str:
    if column in _WORDS and isinstance(value, str) and value:
        return ctx.t(f"{_WORDS[column]}.{value}")
    if isinstance(value, bool):
        return ctx.t("common.yes") if value else ctx.t("common.no")
    if isinstance(value, list):
        return ctx.t("common.separator").join(str(v) for v in value)
    return "" if value is None else str(value)


def label(key: str, ctx: DialogContext) -> str:
    name = f"registry.column.{key}"
    return ctx.t(name) if ctx.msg.has(name) else key


def _not_set(ctx: DialogContext) -> str:
    return ctx.t("display.not_set")  # an empty field is said, not left blank after its label


def system_card(system: AISystem, ctx: DialogContext) -> FactCard:
    facts = tuple(
        Fact(ctx.t(f"registry.column.{c}"), shown(getattr(system, c), ctx, c) or _not_set(ctx))
        for c in COLUMNS
    )
    manual = system.manual_url
    links = (Link(ctx.t("registry.column.manual_url"), manual),) if manual else ()
    return FactCard(title=system.name, facts=facts, tone="info", links=links)


def systems_card(systems: list[AISystem], status: str | None, ctx: DialogContext) -> FactCard:
    shown = [s for s in systems if status is None or s.status == status]
    return FactCard(
        title=ctx.t("admin.list_title", count=len(shown)),
        lines=tuple(
            ctx.t(
                "admin.list_line",
                id=s.id,
                name=s.name,
                max_class=s.max_class,
                status=ctx.t(f"admin.status.{s.status}"),
            )
            for s in shown
        ),
    )


async def history_card(session: AsyncSession, system: AISystem, ctx: DialogContext) -> FactCard:
    lines = []
    entries = await audit_entries(session, system.tenant_id, f"system:{system.id}")
    names = await display_names(session, system.tenant_id, {e.actor for e in entries})
    for entry in entries:
        changed = {
            k: (entry.before.get(k), entry.after.get(k))
            for k in sorted(set(entry.before) | set(entry.after))
            if entry.before.get(k) != entry.after.get(k)
        }
        what = ctx.t("common.separator").join(
            f"{label(k, ctx)}: {shown(b, ctx, k)} → {shown(a, ctx, k)}"
            for k, (b, a) in changed.items()
        )
        lines.append(
            ctx.t(
                "admin.history_line",
                at=jst(entry.at).strftime("%Y-%m-%d %H:%M"),
                who=names.get(entry.actor, entry.actor),
                action=entry.action,
                what=what,
            )
        )
    return FactCard(
        title=ctx.t("admin.history_title", system=system.name),
        lines=tuple(lines) or (ctx.t("admin.history_empty"),),
    )


async def roles_card(session: AsyncSession, tenant_id: str, ctx: DialogContext) -> FactCard:
    granted = [g.user_id for g in await grants(session, tenant_id) if g.role == "admin"]
    return FactCard(
        title=ctx.t("admin.roles_title"),
        facts=(
            Fact(ctx.t("admin.roles_bootstrap"), ", ".join(ctx.municipality.admins) or "-"),
            Fact(ctx.t("admin.roles_granted"), ", ".join(sorted(granted)) or "-"),
            Fact(ctx.t("admin.roles_caio"), ", ".join(ctx.municipality.caio_users) or "-"),
        ),
    )

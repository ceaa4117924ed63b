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
from storage.models import AISystem, AuditEntry
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
    if key == "reason":  # a suspension's reason, kept with the entry's values
        return ctx.t("admin.reason")
    name = f"registry.column.{key}"
    return ctx.t(name) if ctx.msg.has(name) else key


def _action(action: str, ctx: DialogContext) -> str:
    """「変更」「利用停止」 rather than the audit log's system.set, system.suspend."""
    key = f"admin.actions.{action.removeprefix('system.')}"
    return ctx.t(key) if action.startswith("system.") and ctx.msg.has(key) else action


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


async def history_entries(
    session: AsyncSession, tenant_id: str, system_id: str
) -> list[AuditEntry]:
    return await audit_entries(session, tenant_id, f"system:{system_id}")


def name_in(entries: list[AuditEntry]) -> str | None:
    """The name a system had when last changed: what a removed one is still called."""
    for entry in reversed(entries):
        if name := entry.after.get("name") or entry.before.get("name"):
            return str(name)
    return None


async def history_card(
    session: AsyncSession, tenant_id: str, system_id: str, name: str, ctx: DialogContext
) -> FactCard:
    lines = []
    entries = await history_entries(session, tenant_id, system_id)
    names = await display_names(session, tenant_id, {e.actor for e in entries})
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
                action=_action(entry.action, ctx),
                what=what,
            )
        )
    return FactCard(
        title=ctx.t("admin.history_title", system=name),
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

"""Effects of the admin commands: the 別表 (list, show, history, change, add, edit), roles,
and refused attempts. Every change is checked again against the stored system and the
asker's role here, and a system of another municipality is a missing system."""

from __future__ import annotations

from typing import Any

from bot.effects import Applied, EffectHandlers
from bot.services import admin as admin_ops
from bot.services import admin_cards
from bot.services import designation as designation_ops
from bot.services.admin import Actor
from dialogs import admin
from dialogs.context import DialogContext
from dialogs.effects import Refused
from dialogs.system_form import SaveSystem
from dialogs.ui import Reply, Text
from storage.models import AISystem


def actor(done: Applied) -> Actor:
    return Actor(done.turn.channel, done.turn.user_id, done.actor_name, done.shared_channel)


async def stored_system(done: Applied, system_id: str) -> AISystem | None:
    return await done.session.get(AISystem, (done.turn.tenant_id, system_id))


def known_system(done: Applied, system_id: str) -> AISystem | None:
    return next((s for s in done.ctx.systems if s.id == system_id), None)


async def missing(done: Applied, system_id: str) -> list[Reply]:
    """The same answer for a system that is not this municipality's or does not exist."""
    await done.refused("system.missing", f"system:{system_id}")
    return [Text(done.ctx.t("admin.no_system", name=""))]


def may_change(ctx: DialogContext, system: AISystem, pending: dict[str, Any]) -> bool:
    """Checked again when applying: an admin, or the system's 担当課室 for its own
    description, contact and manual link."""
    if ctx.person.role == "admin":
        return True
    division = ctx.person.verified_division
    owner = bool(division) and division == system.owner_division
    fields = set(pending.get("changes", {}))
    return owner and pending["action"] == "set" and fields <= set(admin.OWNER_FIELDS)


async def refused(done: Applied, effect: Refused) -> None:
    await admin_ops.refused(done.session, done.turn.tenant_id, effect.command, actor(done))


async def show_systems(done: Applied, effect: admin.ShowSystems) -> list[Reply]:
    return [admin_cards.systems_card(list(done.ctx.systems), effect.status, done.ctx)]


async def show_system(done: Applied, effect: admin.ShowSystem) -> list[Reply]:
    if (system := known_system(done, effect.system_id)) is None:
        return await missing(done, effect.system_id)
    return [admin_cards.system_card(system, done.ctx)]


async def show_history(done: Applied, effect: admin.ShowHistory) -> list[Reply]:
    """An entry's history, also once it is removed from the 別表 (who removed it, and what it
    said): this municipality's audit log still has it."""
    tenant, system_id = done.turn.tenant_id, effect.system_id
    if (system := known_system(done, system_id)) is not None:
        name = system.name
    else:
        entries = await admin_cards.history_entries(done.session, tenant, system_id)
        if (removed := admin_cards.name_in(entries)) is None:  # the id as they typed it
            return [Text(done.ctx.t("admin.no_system", name=system_id))]
        name = removed
    return [await admin_cards.history_card(done.session, tenant, system_id, name, done.ctx)]


async def propose(done: Applied, effect: admin.ProposeChange) -> list[Reply]:
    if (system := await stored_system(done, effect.system_id)) is None:
        return await missing(done, effect.system_id)
    replies = await admin_ops.propose(done.session, done.conv, effect, system, done.ctx)
    if effect.action == "resume" and system.status == "suspended":
        pending = {"action": "resume", "changes": {}, "reason": ""}
        return await admin_ops.apply(done.session, pending, system, done.ctx, actor(done))
    return replies


async def apply_change(done: Applied, effect: admin.ApplyChange) -> list[Reply]:
    pending = effect.pending
    if (system := await stored_system(done, pending["system"])) is None:
        return await missing(done, pending["system"])
    if not may_change(done.ctx, system, pending):
        await admin_ops.refused(done.session, done.turn.tenant_id, "apply", actor(done))
        return [Text(done.ctx.t("admin.refused_short"))]
    return await admin_ops.apply(done.session, pending, system, done.ctx, actor(done))


async def notify_askers(done: Applied, effect: admin.NotifyAskers) -> list[Reply]:
    if (system := await stored_system(done, effect.system_id)) is None:
        return await missing(done, effect.system_id)
    return await admin_ops.notify_askers(done.session, system, done.ctx, actor(done))


async def change_role(done: Applied, effect: admin.ChangeRole) -> list[Reply]:
    return await admin_ops.change_role(
        done.session, done.turn.tenant_id, effect, done.ctx, actor(done)
    )


async def show_roles(done: Applied, effect: admin.ShowRoles) -> list[Reply]:
    return [await admin_cards.roles_card(done.session, done.turn.tenant_id, done.ctx)]


async def save_system(done: Applied, effect: SaveSystem) -> list[Reply]:
    if done.ctx.person.role != "admin":
        await admin_ops.refused(done.session, done.turn.tenant_id, "system save", actor(done))
        return [Text(done.ctx.t("admin.refused_short"))]
    saved, replies = await admin_ops.save_system(
        done.session, done.turn.tenant_id, effect.values, effect.mode, done.ctx, actor(done)
    )
    if saved is not None and effect.request is not None:
        replies += await designation_ops.approved(
            done.session, effect.request, saved, done.ctx, actor(done)
        )
    return replies


def register(handlers: EffectHandlers) -> None:
    handlers.register(Refused, refused)
    handlers.register(admin.ShowSystems, show_systems)
    handlers.register(admin.ShowSystem, show_system)
    handlers.register(admin.ShowHistory, show_history)
    handlers.register(admin.ProposeChange, propose)
    handlers.register(admin.ApplyChange, apply_change)
    handlers.register(admin.NotifyAskers, notify_askers)
    handlers.register(admin.ChangeRole, change_role)
    handlers.register(admin.ShowRoles, show_roles)
    handlers.register(SaveSystem, save_system)

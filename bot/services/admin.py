"""The policy division's commands, carried out: checked again, applied, audited, announced.

The dialog decided who may ask; this side re-checks against the stored roles before anything
changes, records every change (and every refused attempt) in the append-only audit log, and
announces each change in the policy-division channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.files.registry_io import COLUMNS, SystemRow, issue_text
from bot.services.admin_cards import shown
from dialogs import admin
from dialogs.context import DialogContext
from dialogs.registry import Problem, check_entry
from dialogs.state import ConversationData
from dialogs.ui import Button, Choices, Fact, FactCard, Reply, Text
from storage.addresses import POLICY, PersonAddress
from storage.admin import askers_since, audit, grant, revoke
from storage.models import AISystem, utcnow
from storage.outbox import enqueue
from storage.tenants import bump_revision


@dataclass(frozen=True)
class Actor:
    channel: str
    user_id: str
    name: str
    shared_channel: str


def plain_values(system: AISystem) -> dict[str, Any]:
    """The entry as JSON-safe values (the audit log's before and after)."""
    values = {column: getattr(system, column) for column in COLUMNS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _refusal(problems: list[Problem], ctx: DialogContext) -> Text:
    """What the registry's rules refuse, each rule with its clause."""
    said = [
        ctx.t("report.why", rule=ctx.t(p.message, **p.params), clause=p.clause) for p in problems
    ]
    return Text(ctx.t("admin.rules_refuse", problems="\n".join(said)))


def _changed(
    system: AISystem, changes: Mapping[str, str], ctx: DialogContext
) -> AISystem | list[str]:
    """The entry with `changes` applied, checked like an import row; or what is wrong."""
    values = plain_values(system)
    for field, value in changes.items():
        if field not in COLUMNS or field == "id":
            return [ctx.t("admin.not_a_field", field=field, fields=", ".join(COLUMNS[1:]))]
        values[field] = value
    try:
        row = SystemRow.model_validate(values)
    except ValidationError as error:
        # Why, in the words a file's import uses: the valid choices, the longest allowed.
        return [
            ctx.t(
                "admin.bad_value",
                field=ctx.t(f"registry.column.{e['loc'][0]}") if e["loc"] else "",
                why=issue_text(e, ctx.msg),
            )
            for e in error.errors()
        ]
    entry = row.entry()
    entry.tenant_id = system.tenant_id
    return entry


async def propose(
    session: AsyncSession,
    conv: ConversationData,
    effect: admin.ProposeChange,
    system: AISystem,
    ctx: DialogContext,
) -> list[Reply]:
    """Show before → after (and what the registry's rules refuse) and ask to confirm."""
    if effect.action == "set":
        changed = _changed(system, effect.changes, ctx)
        if isinstance(changed, list):
            return [Text(ctx.t("admin.invalid", problems="\n".join(changed)))]
        if problems := check_entry(changed, ctx.municipality):
            return [_refusal(problems, ctx)]
        before, after = plain_values(system), plain_values(changed)
        diff = [
            Fact(
                ctx.t(f"registry.column.{k}"),
                f"{shown(before[k], ctx, k)} → {shown(after[k], ctx, k)}",
            )
            for k in COLUMNS
            if before[k] != after[k]
        ]
        if not diff:
            return [Text(ctx.t("admin.nothing_changes"))]
    else:
        already = {"suspend": "suspended", "resume": "designated"}.get(effect.action)
        if already is not None and system.status == already:
            return [Text(ctx.t("admin.nothing_changes"))]
        diff = [Fact(ctx.t("admin.action"), ctx.t(f"admin.actions.{effect.action}"))]
        if effect.reason:
            diff.append(Fact(ctx.t("admin.reason"), effect.reason))
    card = FactCard(
        title=ctx.t("admin.change_title", system=system.name),
        facts=tuple(diff),
        tone="bad" if effect.action in admin.DESTRUCTIVE else "warn",
    )
    if effect.action == "resume":  # not destructive: no confirmation needed
        return [card]
    pending = {
        "token": conv.next_seq(),
        "system": system.id,
        "action": effect.action,
        "changes": dict(effect.changes),
        "reason": effect.reason,
    }
    return [card, admin.confirmation(conv, pending, ctx)]


async def apply(
    session: AsyncSession,
    pending: Mapping[str, Any],
    system: AISystem,
    ctx: DialogContext,
    actor: Actor,
) -> list[Reply]:
    """Apply a confirmed change (checked once more), audit it and announce it."""
    action = pending["action"]
    before = plain_values(system)
    if action == "set":
        changed = _changed(system, pending["changes"], ctx)
        if isinstance(changed, list):
            return [Text(ctx.t("admin.invalid", problems="\n".join(changed)))]
        if problems := check_entry(changed, ctx.municipality):
            return [_refusal(problems, ctx)]
        for field in pending["changes"]:
            setattr(system, field, getattr(changed, field))
    elif action == "suspend":
        system.status = "suspended"
    elif action == "resume":
        system.status = "designated"
    if action == "remove":
        await session.delete(system)
        after: dict[str, Any] = {}
    else:
        system.updated_at = utcnow()
        session.add(system)
        after = plain_values(system)
    await session.flush()
    await bump_revision(session, system.tenant_id)  # every replica re-reads the 別表
    await audit(
        session,
        system.tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action=f"system.{action}",
        target=f"system:{system.id}",
        before=before,
        after=after | ({"reason": pending["reason"]} if pending.get("reason") else {}),
    )
    await announce(
        session,
        system.tenant_id,
        actor,
        ctx,
        "admin.announce.system",
        name=system.name,
        action=ctx.t(f"admin.actions.{action}"),
        who=actor.name,
    )
    replies: list[Reply] = [
        Text(ctx.t("admin.applied", system=system.name, action=ctx.t(f"admin.actions.{action}")))
    ]
    if action == "suspend":
        since = utcnow() - timedelta(days=30)
        askers = await askers_since(session, system.tenant_id, system.id, since)
        if askers:
            replies.append(
                Choices(
                    ctx.t("admin.notify_question", count=len(askers)),
                    (Button(f"admin:notify:{system.id}", ctx.t("admin.button.notify")),),
                )
            )
    return replies


async def announce(
    session: AsyncSession,
    tenant_id: str,
    actor: Actor,
    ctx: DialogContext,
    key: str,
    **params: Any,
) -> None:
    """Every change is announced in the policy-division channel."""
    stamp = utcnow().isoformat()
    await enqueue(
        session,
        tenant_id,
        key=f"audit:{actor.channel}:{actor.user_id}:{stamp}",
        channel=actor.shared_channel,
        address=POLICY,
        body=Text(ctx.t(key, **params)).to_dict(),
    )


async def notify_askers(
    session: AsyncSession, system: AISystem, ctx: DialogContext, actor: Actor
) -> list[Reply]:
    if system.status != "suspended":  # an old button, pressed after it was resumed
        return [Text(ctx.t("admin.not_suspended", system=system.name))]
    since = utcnow() - timedelta(days=30)
    askers = await askers_since(session, system.tenant_id, system.id, since)
    for channel, user_id in askers:
        await enqueue(
            session,
            system.tenant_id,
            key=f"suspended:{system.id}:{system.updated_at.isoformat()}:{channel}:{user_id}",
            channel=channel,
            address=PersonAddress(user_id),
            body=Text(ctx.t("admin.suspended_notice", system=system.name)).to_dict(),
        )
    await audit(
        session,
        system.tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action="system.notify_askers",
        target=f"system:{system.id}",
        after={"notified": len(askers)},
    )
    return [Text(ctx.t("admin.notified", count=len(askers)))]


async def change_role(
    session: AsyncSession,
    tenant_id: str,
    effect: admin.ChangeRole,
    ctx: DialogContext,
    actor: Actor,
) -> list[Reply]:
    if effect.action == "add" and effect.user_id in ctx.municipality.admins:
        return [Text(ctx.t("admin.role_unchanged_add", user=effect.user_id))]
    if effect.action == "add":
        done = await grant(
            session, tenant_id, actor.channel, effect.user_id, effect.role, actor.user_id
        )
    else:
        if effect.user_id in ctx.municipality.admins:
            return [Text(ctx.t("admin.bootstrap_admin", user=effect.user_id))]
        done = await revoke(session, tenant_id, actor.channel, effect.user_id, effect.role)
    if not done:
        return [Text(ctx.t(f"admin.role_unchanged_{effect.action}", user=effect.user_id))]
    await audit(
        session,
        tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action=f"role.{effect.action}",
        target=f"user:{effect.user_id}",
        after={"role": effect.role},
    )
    await announce(
        session,
        tenant_id,
        actor,
        ctx,
        f"admin.announce.role_{effect.action}",
        user=effect.user_id,
        who=actor.name,
    )
    return [Text(ctx.t(f"admin.role_{effect.action}", user=effect.user_id))]


async def refused(session: AsyncSession, tenant_id: str, command: str, actor: Actor) -> None:
    await audit(
        session,
        tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action="refused",
        target=command[:200],
        outcome="refused",
    )


async def save_system(
    session: AsyncSession,
    tenant_id: str,
    values: Mapping[str, Any],
    mode: str,
    ctx: DialogContext,
    actor: Actor,
) -> tuple[AISystem | None, list[Reply]]:
    """Add or replace an entry from the form (its rules checked again here)."""
    entry = AISystem(tenant_id=tenant_id, **values)
    if problems := check_entry(entry, ctx.municipality):
        return None, [_refusal(problems, ctx)]
    current = await session.get(AISystem, (tenant_id, entry.id))
    if mode == "add" and current is not None:
        return None, [Text(ctx.t("admin.exists", id=entry.id))]
    if mode == "edit" and current is None:
        return None, [Text(ctx.t("admin.no_system", name=entry.id))]
    before = plain_values(current) if current is not None else {}
    if current is None:
        session.add(entry)
        saved = entry
    else:
        for column in COLUMNS:
            setattr(current, column, getattr(entry, column))
        current.updated_at = utcnow()
        session.add(current)
        saved = current
    await session.flush()
    await bump_revision(session, tenant_id)
    action = "add" if mode == "add" else "edit"
    await audit(
        session,
        tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action=f"system.{action}",
        target=f"system:{saved.id}",
        before=before,
        after=plain_values(saved),
    )
    label = ctx.t(f"admin.actions.{action}")
    await announce(
        session,
        tenant_id,
        actor,
        ctx,
        "admin.announce.system",
        name=saved.name,
        action=label,
        who=actor.name,
    )
    return saved, [Text(ctx.t("admin.applied", system=saved.name, action=label))]

"""Where the bot can no longer post, and where it can again: Teams' lifecycle activities.

- A channel created, renamed or restored is kept (its name refreshed); a channel deleted, a
  team archived or deleted, the app removed from a team, a personal chat or the bot removed
  from a conversation: the references concerned are marked removed (storage/teams.py), so
  proactive posts there (reminders, broadcasts, the policy division's channel posts) are
  dead-lettered at once instead of retried — a shared channel's post is then mailed to the
  policy contact (bot/outbox/dead.py).
- When the channel so lost is the municipality's policy-division or CAIO channel, it is
  audited (`teams.channel_lost`) and the policy contact is told by e-mail (through the
  outbox) at once: serious cases now come by mail, and how to choose another channel. The
  setting itself is kept: restoring the channel or the team, or adding the app again, makes
  posts reach it again with nothing to redo.
- The app added again (or the team unarchived / restored) clears the marks.

A team's name is not kept anywhere, so `teamRenamed` changes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from microsoft_agents.activity import Activity

from bot.channels.teams import adapter
from bot.channels.teams.channel_admin import channel_reference
from storage.addresses import MailAddress
from storage.admin import audit
from storage.db import transaction
from storage.outbox import Priority, due_now, enqueue
from storage.teams import (
    Removed,
    TeamsReference,
    get_reference,
    mark_removed,
    restore_team,
    save_reference,
    team_references,
)

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

_KEPT = ("channelCreated", "channelRenamed", "channelRestored")
_TEAM_GONE: dict[str, Removed] = {"teamDeleted": "team_deleted", "teamArchived": "team_archived"}
_TEAM_BACK: dict[str, tuple[Removed, ...]] = {
    "teamUnarchived": ("team_archived",),
    "teamRestored": ("team_deleted", "team_archived"),
}
REMOVALS = ("remove", "remove-upgrade")
# What the app added to a team again brings back (a channel deleted meanwhile stays gone).
READDED: tuple[Removed, ...] = ("app_removed",)


def bot_removed(activity: Activity) -> bool:
    """The app uninstalled, or the bot itself removed from the conversation."""
    if activity.type == "installationUpdate":
        return (activity.action or "") in REMOVALS
    recipient = activity.recipient.id if activity.recipient else None
    return bool(recipient) and any(m.id == recipient for m in activity.members_removed or ())


async def lifecycle_event(
    runtime: Runtime, activity: Activity, tenant_id: str, team: TeamsReference | None
) -> list[TeamsReference] | None:
    """Handle a lifecycle activity; the references it marked removed (to forget in caches),
    or None when the activity is none of these (an install, someone else added…)."""
    data = adapter.channel_data(activity)
    event = str(data.get("eventType") or "") if activity.type == "conversationUpdate" else ""
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    channel_id = str(channel.get("id") or "")[:200]
    if team is not None and channel_id and event in _KEPT:
        async with transaction(runtime.sessions) as session:
            await save_reference(session, channel_reference(team, channel_id, channel.get("name")))
        return []
    if team is not None and event in _TEAM_BACK:
        async with transaction(runtime.sessions) as session:
            await restore_team(session, tenant_id, team.team_id, _TEAM_BACK[event])
        return []
    why: Removed
    if team is not None and channel_id and event == "channelDeleted":
        why = "channel_deleted"
    elif team is not None and event in _TEAM_GONE:
        why = _TEAM_GONE[event]
    elif bot_removed(activity):
        why = "app_removed"
    else:
        return None
    async with transaction(runtime.sessions) as session:
        if why == "channel_deleted":
            stored = await get_reference(session, tenant_id, "channel", channel_id)
            concerned = [stored] if stored is not None else []
        elif team is not None:
            concerned = await team_references(session, tenant_id, team.team_id)
        elif adapter.conversation_type(activity) == "personal" and activity.from_property:
            stored = await get_reference(session, tenant_id, "user", adapter.user_id(activity))
            concerned = [stored] if stored is not None else []
        else:  # a group chat: no reference is kept for one
            concerned = []
        marked = await mark_removed(session, concerned, why)
        lost = await _tell_policy_contact(runtime, session, tenant_id, marked, why, activity)
        # Waiting posts there (perhaps backing off for an hour) go now: dead-lettered at
        # once. Every shared-channel post when a channel is lost: a thread may be in it.
        targets = {f"user:{r.key}" for r in marked if r.kind == "user"}
        if lost or any(r.kind == "channel" for r in marked):
            targets |= {"policy", "caio"}
        await due_now(session, tenant_id, adapter.CHANNEL, targets)
    if marked:
        log.info("Teams: %d reference(s) can no longer be posted to (%s)", len(marked), why)
        if runtime.delivery is not None:
            runtime.delivery.wake()
    return marked


async def _tell_policy_contact(
    runtime: Runtime,
    session: Any,
    tenant_id: str,
    marked: list[TeamsReference],
    why: Removed,
    activity: Activity,
) -> set[str]:
    """An audit entry and an e-mail to the policy contact for each shared channel of the
    municipality lost; the outbox targets lost ("policy", "caio")."""
    tenant = await runtime.tenants.get(session, tenant_id)
    if tenant is None or not marked:
        return set()
    facts = tenant.facts
    chosen = {"policy": facts.policy_channel_id, "caio": facts.caio_channel_id}
    lost = {which: ref for ref in marked for which, key in chosen.items() if key == ref.key}
    sender = adapter.user_id(activity) if activity.from_property else adapter.CHANNEL
    for which, reference in lost.items():  # newly marked only: a retried activity adds none
        await audit(
            session,
            tenant_id,
            channel=adapter.CHANNEL,
            actor=sender,
            action="teams.channel_lost",
            target=f"channel:{which}",
            before={"channel": reference.key},
            after={"removed": why},
        )
    contact = facts.policy_division.email
    if lost and not contact:
        log.warning("a Teams shared channel is gone and no policy contact e-mail is set")
        return set(lost)
    ctx = runtime.notice_context(facts, None)
    for which, reference in lost.items():
        params = {
            "channel": ctx.t(f"outbox.dead_mail.{which}"),
            "name": reference.name or ctx.t("teams.general"),
            "why": ctx.t(f"teams.channel_gone.why.{why}"),
        }
        await enqueue(
            session,
            tenant_id,
            key=f"teams-gone:{which}:{reference.key}:{adapter.event_id(activity) or why}"[:200],
            channel="email",
            address=MailAddress(contact),
            body={
                "subject": ctx.t("teams.channel_gone.subject", **params),
                "text": ctx.t("teams.channel_gone.text", **params),
            },
            priority=Priority.URGENT,
        )
    return set(lost)

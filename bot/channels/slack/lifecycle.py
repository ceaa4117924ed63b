"""Channels and workspaces that go away under the bot: the policy division is told by mail.

When the channel a municipality set as its policy-division or CAIO channel is deleted or
archived, or the bot is removed from it, or the app is uninstalled from the workspace (its
bot token revoked), nothing the bot posts there can arrive. The setting is kept as it is
(archiving can be undone, and then posts arrive again), but it is not left silently stale:
the policy contact gets one e-mail through the outbox saying what happened and how to choose
another channel; a lost channel is audited (`slack.channel_lost`, once per event, as Teams'
`teams.channel_lost`); and every post that Slack refuses for that reason is dead at once and
mailed to the same address (bot/channels/slack/deliverer.py, bot/outbox/dead.py), so no
report is lost and nothing is retried for hours.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.channels.slack.adapter import Workspace
from storage.addresses import MailAddress
from storage.admin import audit
from storage.conversations import claim_event
from storage.db import transaction
from storage.outbox import Priority, due_now, enqueue

if TYPE_CHECKING:
    from bot.channels.slack.channel import SlackChannel

log = logging.getLogger(__name__)

# Event → why the channel can no longer be posted to (the catalogue's slack.gone.why.*).
CHANNEL_EVENTS = {
    "channel_deleted": "deleted",
    "group_deleted": "deleted",
    "channel_archive": "archived",
    "group_archive": "archived",
    "channel_left": "left",
    "group_left": "left",
}
WORKSPACE_EVENTS = ("app_uninstalled", "tokens_revoked")


async def channel_gone(
    channel: SlackChannel, workspace: Workspace, event: dict[str, Any], event_id: str
) -> None:
    """The municipality's policy or CAIO channel deleted, archived or left: audit it and say
    so by mail. Any other channel: nothing to do."""
    why = CHANNEL_EVENTS.get(str(event.get("type", "")))
    gone = event.get("channel")
    gone = gone.get("id") if isinstance(gone, dict) else gone  # older payloads nest it
    tenant_id = await channel.tenant_for(workspace)
    if why is None or not isinstance(gone, str) or not gone or tenant_id is None:
        return
    runtime = channel.runtime
    async with transaction(runtime.sessions) as session:
        entry = await runtime.tenants.get(session, tenant_id)
        if entry is None or runtime.shared_channel(entry.facts) != "slack":
            return
        facts = entry.facts
        which = [
            key
            for key, configured in (
                ("policy", facts.policy_channel_id),
                ("caio", facts.caio_channel_id),
            )
            if configured == gone
        ]
        if not which:
            return
        # Audited once: Slack retries an event it thinks unanswered, with the same id.
        first = not event_id or await claim_event(session, tenant_id, "slack", f"gone:{event_id}")
        actor = str(event.get("user") or event.get("actor_id") or "slack")
        msg = runtime.notice_context(facts, None)
        for key in which:
            if first:
                await audit(
                    session,
                    tenant_id,
                    channel="slack",
                    actor=actor,
                    action="slack.channel_lost",
                    target=f"channel:{key}",
                    before={"channel": gone},
                    after={"removed": str(event.get("type", ""))},
                )
            label = msg.t(f"outbox.dead_mail.{key}")
            params = {
                "channel": label,
                "id": gone,
                "key": key,
                "why": msg.t(f"slack.gone.why.{why}"),
                "back": msg.t("slack.gone.back") if why == "archived" else "",
            }
            await _mail(
                session,
                tenant_id,
                facts.policy_division.email,
                f"slack-gone:{key}:{gone}:{event_id or why}",
                msg.t("slack.gone.subject", **params),
                msg.t("slack.gone.text", **params),
            )
        # Posts there that were backing off go now: dead at once and mailed, not later.
        await due_now(session, tenant_id, "slack", set(which))
        log.warning("Slack %s channel %s of %s: %s", "/".join(which), gone, tenant_id, why)
    _wake(channel)


def bot_removed(event: dict[str, Any]) -> bool:
    """Uninstalled, or the bot's token revoked (people's tokens alone change nothing: the
    bot keeps posting with its own)."""
    if event.get("type") == "app_uninstalled":
        return True
    tokens = event.get("tokens")
    return (
        event.get("type") == "tokens_revoked"
        and isinstance(tokens, dict)
        and bool(tokens.get("bot"))
    )


async def forget_installation(channel: SlackChannel, workspace: Workspace) -> None:
    """Several workspaces: the stored installation goes (only the bot's is ever stored)."""
    if channel.installations is not None:
        await channel.installations.async_delete_bot(
            enterprise_id=workspace.enterprise_id, team_id=workspace.team_id
        )


async def workspace_removed(
    channel: SlackChannel, workspace: Workspace, event: dict[str, Any], event_id: str
) -> None:
    """The app uninstalled, or its bot token revoked: audited, and the municipality's policy
    contact is told that Slack posts will be mailed from now on."""
    kind = str(event.get("type", ""))
    tenant_id = await channel.tenant_for(workspace)
    if tenant_id is None:
        return
    runtime = channel.runtime
    team = workspace.team_id or workspace.enterprise_id or ""
    async with transaction(runtime.sessions) as session:
        entry = await runtime.tenants.get(session, tenant_id)
        if entry is None:
            return
        # Audited once: Slack retries an event it thinks unanswered, with the same id.
        if not event_id or await claim_event(session, tenant_id, "slack", f"removed:{event_id}"):
            await audit(
                session,
                tenant_id,
                channel="slack",
                actor=str(event.get("user_id") or event.get("user") or "slack"),
                action="slack.app_removed",
                target=f"workspace:{team}",
                after={"removed": kind},
            )
        msg = runtime.notice_context(entry.facts, None)
        await _mail(
            session,
            tenant_id,
            entry.facts.policy_division.email,
            f"slack-removed:{team}:{event_id or kind}",
            msg.t("slack.removed.subject", team=team),
            msg.t("slack.removed.text", team=team),
        )
        await due_now(session, tenant_id, "slack")  # nothing there can arrive any more
    log.warning("Slack app removed from %s (%s): %s", team, tenant_id, kind)
    _wake(channel)


async def _mail(
    session: Any,
    tenant_id: str,
    to: str,
    key: str,
    subject: str,
    text: str,
) -> None:
    if not to:
        log.warning("no policy contact e-mail for %s: a Slack change goes unmailed", tenant_id)
        return
    await enqueue(
        session,
        tenant_id,
        key=key[:200],
        channel="email",
        address=MailAddress(to),
        body={"subject": subject, "text": text},
        priority=Priority.URGENT,
    )


def _wake(channel: SlackChannel) -> None:
    if channel.runtime.delivery is not None:
        channel.runtime.delivery.wake()

"""Button presses and slash commands, kept in the inbox like messages and run from there.

Slack never sends an interaction again: one acknowledged and then lost to a crash would be
a press nobody answers. So the listener records it (bot/channels/slack/inbox.py) before the
acknowledgement, and the turn runs from the stored payload — at once, or after a restart by
the inbox's sweep. The runtime's processed-event ledger keeps a press run twice from acting
twice (its id is the press's own, see adapter.action_event_id).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.channels.slack import adapter
from bot.channels.slack.adapter import workspace_of

if TYPE_CHECKING:
    from bot.channels.slack.channel import SlackChannel

ACTION = "action"
COMMAND = "command"


def _stored(kind: str, event_id: str, body: dict[str, Any], **more: Any) -> dict[str, Any]:
    workspace = workspace_of(body)
    return {
        "kind": kind,
        "event_id": event_id,
        "team_id": workspace.team_id,
        "enterprise_id": workspace.enterprise_id,
        "is_enterprise_install": workspace.is_enterprise_install,
        "body": body,
        **more,
    }


def stored_press(body: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    return _stored(ACTION, adapter.action_event_id(body, action), body, action=action)


def stored_command(body: dict[str, Any]) -> dict[str, Any]:
    return _stored(COMMAND, adapter.command_event_id(body), body)


async def run(channel: SlackChannel, stored: dict[str, Any]) -> bool:
    """Run a stored press or command; False when `stored` is neither (a message event)."""
    body = stored.get("body")
    if not isinstance(body, dict):
        return False
    if stored.get("kind") == ACTION and isinstance(stored.get("action"), dict):
        await pressed(channel, body, stored["action"])
        return True
    if stored.get("kind") == COMMAND:
        await command(channel, body)
        return True
    return False


async def command(channel: SlackChannel, body: dict[str, Any]) -> None:
    from bot.channels.slack.channel import Place

    place = Place(
        channel=str(body.get("channel_id", "")),
        user=str(body.get("user_id", "")),
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
    )
    await channel.run_turn(
        workspace_of(body),
        place,
        lambda tenant, profile: adapter.command_turn(tenant, body, profile),
    )


def _label_of(action: dict[str, Any]) -> str:
    if action.get("type") == "static_select":
        return str(((action.get("selected_option") or {}).get("text") or {}).get("text", ""))
    return str((action.get("text") or {}).get("text", ""))


async def pressed(channel: SlackChannel, body: dict[str, Any], action: dict[str, Any]) -> None:
    from bot.channels.slack.channel import Place, is_direct

    user = str((body.get("user") or {}).get("id", ""))
    team = (body.get("user") or {}).get("team_id")
    user_team = team if isinstance(team, str) and team else None
    container = body.get("container") or {}
    where = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    message = body.get("message") or {}
    if body.get("view"):  # App Home: answers go to the person's DM
        place = Place(channel=user, user=user, trigger_id=body.get("trigger_id"))
    elif is_direct(where):
        place = Place(
            channel=where,
            user=user,
            trigger_id=body.get("trigger_id"),
            pressed_ts=None if container.get("is_ephemeral") else message.get("ts"),
            pressed_blocks=tuple(message.get("blocks") or ()),
            pressed_label=_label_of(action),
        )
    else:
        # A shared channel (the policy division's): the buttons stay for the others, and
        # what follows (a form, an answer) is for this person only.
        place = Place(
            channel=where,
            user=user,
            thread_ts=message.get("thread_ts") or message.get("ts"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            dm_for_questions=True,
        )
    await channel.run_turn(
        workspace_of(body),
        replace(place, user_team=user_team),
        lambda tenant, profile: adapter.action_turn(tenant, body, action, profile),
    )

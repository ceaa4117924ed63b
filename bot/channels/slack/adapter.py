"""Slack's events, commands and interactions as neutral Turns.

Slack sends typed text with its markup (`<@U…>`, `<https://…|label>`, `&lt;`); the dialogs
get plain text. Every turn carries a stable event id built from what Slack repeats on a
retry, so the runtime's dedupe (one row per event id, in the database) handles it once.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.slack.renderer import form_values
from bot.channels.slack.webapi import Profile
from dialogs.forms import PUT_ASIDE
from dialogs.turn import Turn

CHANNEL = "slack"
CONVERSATION = "main"
# Slack caps a message at 40,000 characters; the router answers politely above its own limit.
_MAX_TEXT = 40_000

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")


def plain_text(text: str, *, drop_user: str | None = None) -> str:
    """Slack's markup → what the person typed. A mention of `drop_user` (the bot, in an
    @-mention) is removed; other mentions become the user id (admin commands name people
    by id)."""
    if drop_user:
        text = re.sub(rf"<@{re.escape(drop_user)}(?:\|[^>]*)?>", "", text)
    text = _USER.sub(lambda m: m[1], text)
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    text = _SPECIAL.sub(lambda m: m[2] or f"@{m[1]}", text)
    text = _CHANNEL_REF.sub(lambda m: f"#{m[2] or m[1]}", text)
    return html.unescape(text).strip()[:_MAX_TEXT]


@dataclass(frozen=True)
class Workspace:
    """Who the event came from: the workspace and, on Enterprise Grid, its org."""

    team_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False


def workspace_of(body: Mapping[str, Any]) -> Workspace:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    if not team:
        user = body.get("user") or {}
        team = user.get("team_id", "") if isinstance(user, dict) else ""
    enterprise = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
    enterprise_install = bool(body.get("is_enterprise_install"))
    if not team and body.get("authorizations"):
        team = body["authorizations"][0].get("team_id") or ""
    return Workspace(str(team), enterprise or None, enterprise_install)


def _identity(profile: Profile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {
        "user_name": profile.name or None,
        "user_email": profile.email or None,
        "user_division": profile.division or None,
        "locale": profile.locale,
    }


def message_turn(
    tenant_id: str,
    event: Mapping[str, Any],
    event_id: str,
    profile: Profile | None,
    *,
    bot_user: str | None = None,
) -> Turn:
    return Turn(
        tenant_id=tenant_id,
        channel=CHANNEL,
        user_id=str(event.get("user", "")),
        conversation_id=CONVERSATION,
        text=plain_text(str(event.get("text") or _blocks_text(event)), drop_user=bot_user),
        event_id=f"ev:{event_id}",
        attachments=_attachments(event),
        **_identity(profile),
    )


def _attachments(event: Mapping[str, Any]) -> int:
    """How many files came with the message; only counted, never fetched."""
    files = event.get("files")
    return len(files) if isinstance(files, list) else 0


def _blocks_text(event: Mapping[str, Any]) -> str:
    """A message whose `text` is empty but whose rich_text blocks hold what was typed (some
    clients and workflow posts send only the blocks), as Slack markup: read like `text`."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "text" and isinstance(node.get("text"), str):
            parts.append(html.escape(node["text"], quote=False))
        elif kind == "link" and isinstance(node.get("url"), str):
            parts.append(html.escape(str(node.get("text") or node["url"]), quote=False))
        elif kind == "user" and isinstance(node.get("user_id"), str):
            parts.append(f"<@{node['user_id']}>")
        elif kind == "emoji" and isinstance(node.get("name"), str):
            parts.append(f":{node['name']}:")
        elif kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            walk(node.get("elements"))
            parts.append("\n")
        else:
            walk(node.get("elements"))

    blocks = event.get("blocks")
    if isinstance(blocks, list):
        walk([b for b in blocks if isinstance(b, dict) and b.get("type") == "rich_text"])
    return "".join(parts)


def action_event_id(body: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    """A press's id: its action_ts (a repeated payload carries the same one)."""
    user = (body.get("user") or {}).get("id", "")
    return f"act:{user}:{action.get('action_ts') or body.get('trigger_id', '')}"


def command_event_id(body: Mapping[str, Any]) -> str:
    """A slash command's id: its trigger_id, one per invocation."""
    return f"cmd:{body.get('user_id', '')}:{body.get('trigger_id', '')}"


def action_turn(
    tenant_id: str, body: Mapping[str, Any], action: Mapping[str, Any], profile: Profile | None
) -> Turn:
    """A pressed button or a chosen option; input blocks in the same message are its values.
    The event id is the press's action_ts: a repeated payload carries the same one."""
    value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    state = (body.get("state") or {}).get("values") or {}
    user = (body.get("user") or {}).get("id", "")
    return Turn(
        tenant_id=tenant_id,
        channel=CHANNEL,
        user_id=str(user),
        conversation_id=CONVERSATION,
        action=str(value)[:300],
        values=form_values(state),
        event_id=action_event_id(body, action),
        **_identity(profile),
    )


def view_turn(
    tenant_id: str,
    body: Mapping[str, Any],
    submit_action: str,
    profile: Profile | None,
    *,
    closed: bool = False,
) -> Turn:
    """A modal's submission: the values of its inputs. The view's id and hash change with
    every update, so a repeated submission has the same event id. A modal `closed` without
    being sent: its values are put aside as the form's progress (nothing is checked)."""
    view = body.get("view") or {}
    user = (body.get("user") or {}).get("id", "")
    values = form_values((view.get("state") or {}).get("values") or {})
    if closed:
        values[PUT_ASIDE] = "1"
    kind = "view-closed" if closed else "view"
    return Turn(
        tenant_id=tenant_id,
        channel=CHANNEL,
        user_id=str(user),
        conversation_id=CONVERSATION,
        action=submit_action,
        values=values,
        event_id=f"{kind}:{view.get('id', '')}:{view.get('hash', '')}",
        **_identity(profile),
    )


# /aiguide's subcommands → what the dialogs understand.
_SUBCOMMANDS = {
    "help": "menu:help",
    "report": "menu:risk_report",
    "status": "menu:my_status",
    "check": "menu:entry_check",
    "start": "menu:pre_use",
}
# Passed on as typed: the policy division's commands (dialogs/admin.py parses them).
_ADMIN = ("system", "admin", "contacts")


def command_turn(tenant_id: str, body: Mapping[str, Any], profile: Profile | None) -> Turn:
    """`/aiguide SUBCOMMAND …`; an unknown subcommand (or none) asks for help."""
    text = plain_text(str(body.get("text", "")))
    # Any whitespace separates the subcommand (a Japanese IME types U+3000), and its
    # full-width letters are the ASCII ones: `ｃｈｅｃｋ　…` is `check …`.
    head, *tail = text.split(maxsplit=1) or [""]
    rest = tail[0] if tail else ""
    head = unicodedata.normalize("NFKC", head).lower()
    action: str | None = None
    typed: str | None = None
    if head == "check" and rest.strip():
        typed = rest.strip()  # "check ChatGPT で議事録": straight to the entry check
    elif head in _SUBCOMMANDS:
        action = _SUBCOMMANDS[head]
    elif head in _ADMIN:
        typed = f"{head} {rest}".strip()
    else:
        action = _SUBCOMMANDS["help"]
    user = str(body.get("user_id", ""))
    return Turn(
        tenant_id=tenant_id,
        channel=CHANNEL,
        user_id=user,
        conversation_id=CONVERSATION,
        text=typed,
        action=action,
        event_id=command_event_id(body),
        **_identity(profile),
    )


# Subtypes that are still a person's new message: a file shared with (or without) a
# comment, a thread reply also sent to the channel, `/me …`. Every other subtype is an edit,
# a deletion, a bot's post or a notice (channel_join, ekm_access_denied, …): not a turn.
_PERSONS_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})


def pressed_nothing(body: Mapping[str, Any]) -> bool:
    """A press that names no element: bolt reads the first action to match a listener, so it
    is answered (acknowledged, nothing done) before bolt sees it."""
    kind = body.get("type")
    return kind in ("block_actions", "interactive_message") and body.get("actions") in ([], None)


def is_from_a_bot(event: Mapping[str, Any]) -> bool:
    """Bots' messages (ours included), edits, deletions and notices are not turns."""
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or (event.get("subtype") and event.get("subtype") not in _PERSONS_SUBTYPES)
        or not event.get("user")
    )

"""A Teams activity as a neutral Turn (dialogs/turn.py), and what else an activity says.

Pure translation: no I/O. Typed text (the bot's @mention removed), a pressed card button
(`Action.Execute` arrives as an `adaptiveCard/action` invoke, `Action.Submit` as a message
with `value`) or a submitted card form (its inputs in the same data) all become one Turn.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from microsoft_agents.activity import Activity
from pydantic import ValidationError

from dialogs.turn import Turn

CHANNEL = "teams"
CARD_ACTION = "adaptiveCard/action"
_OWN_KEYS = ("action", "label", "q")  # what our buttons carry besides the inputs
_MAX_TEXT = 100_000
_MAX_VALUE = 10_000
# Teams sends formatted messages (and pasted images) as HTML in `text`: <p>, <div>, <br>,
# <img>, <at>, &nbsp;. Only tag-shaped runs are markup; a literal "<" arrives as "&lt;".
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6])>", re.IGNORECASE)
# Metadata whose odd value (an empty `locale`, a `timestamp` in another format) costs the
# activity nothing: dropped. Anything else malformed (what was said or pressed, who, where)
# makes the activity a bad request.
_TOLERATED = frozenset(
    {
        "locale",
        "timestamp",
        "localTimestamp",
        "localTimezone",
        "textFormat",
        "attachmentLayout",
        "entities",
        "membersAdded",
        "membersRemoved",
        "reactionsAdded",
        "reactionsRemoved",
        "action",
        "topicName",
        "historyDisclosed",
        "importance",
        "deliveryMode",
        "expiration",
        "inputHint",
        "callerId",
    }
)


@dataclass(frozen=True)
class Pressed:
    """A card button pressed: which, its label, and the question it answered."""

    action: str
    label: str
    question: str
    card_activity_id: str | None  # the card's message (Action.Submit gives it)


def read_activity(body: Any) -> Activity | None:
    """The activity of a request body; None when it is not one.

    A `null` field counts as absent (the schema's fields are optional) and metadata the
    SDK's model refuses (an empty `locale`, an odd `timestamp`, a `membersAdded` that is no
    list) is dropped: the rest of the activity still deserves its answer.
    """
    if not isinstance(body, Mapping):
        return None
    fields = {str(k): v for k, v in body.items() if v is not None}
    for _ in range(2):
        try:
            return Activity.model_validate(fields)
        except ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
            if not bad or not bad <= _TOLERATED:
                return None
            fields = {k: v for k, v in fields.items() if k not in bad}
    return None


def teams_tenant(activity: Activity) -> str | None:
    """The Microsoft 365 tenant (GUID) the activity comes from."""
    data = _channel_data(activity)
    tenant = data.get("tenant")
    if isinstance(tenant, Mapping) and tenant.get("id"):
        return str(tenant["id"])[:128]
    conversation = activity.conversation
    found = getattr(conversation, "tenant_id", None) if conversation else None
    return str(found)[:128] if found else None


def is_own(activity: Activity) -> bool:
    """The bot's own activity echoed back (or another bot's): never a person's turn."""
    sender, recipient = activity.from_property, activity.recipient
    if sender is None:
        return True
    if recipient is not None and sender.id == recipient.id:
        return True
    return str(getattr(sender, "role", "") or "").lower() == "bot"


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return str(getattr(conversation, "conversation_type", "") or "personal")


def user_id(activity: Activity) -> str:
    sender = activity.from_property
    assert sender is not None
    return str(sender.aad_object_id or sender.id)[:128]


def locale(activity: Activity) -> str | None:
    value = (activity.locale or "").lower()
    if value.startswith("ja"):
        return "ja"
    if value.startswith("en"):
        return "en"
    return None


def event_id(activity: Activity) -> str | None:
    """Activity ids are unique within a conversation only (in channels they are times)."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    return "teams:" + hashlib.sha256(f"{conversation}\n{activity.id}".encode()).hexdigest()[:48]


def greeting_id(activity: Activity, day: date) -> str:
    """The event id of greeting this conversation on that day."""
    conversation = activity.conversation.id if activity.conversation else ""
    key = f"{conversation}\ngreeting\n{day.isoformat()}"
    return "teams:" + hashlib.sha256(key.encode()).hexdigest()[:48]


def team_of(activity: Activity) -> tuple[str, str]:
    """(team id, team name) of a channel activity."""
    team = _channel_data(activity).get("team")
    if isinstance(team, Mapping):
        return str(team.get("id") or "")[:200], str(team.get("name") or "")[:200]
    return "", ""


def channel_of(activity: Activity) -> tuple[str, str]:
    """(channel id, channel name) of a channel activity."""
    channel = _channel_data(activity).get("channel")
    if isinstance(channel, Mapping):
        return str(channel.get("id") or "")[:200], str(channel.get("name") or "")[:200]
    return "", ""


def thread_root(conversation_id: str) -> str | None:
    """A channel thread's conversation id carries the root message: `19:…;messageid=…`."""
    return conversation_id if ";messageid=" in conversation_id else None


def pressed(activity: Activity) -> Pressed | None:
    data = card_data(activity)
    if data is None or not isinstance(data.get("action"), str):
        return None
    action = data["action"]
    label = _plain(data.get("label"))
    if action == "choice":  # the choice set's send button: the chosen answer is the action
        action = _plain(data.get("choice"))
        label = ""
    reply_to = activity.reply_to_id if activity.type == "message" else None
    return Pressed(action[:300], label[:200], _plain(data.get("q"))[:300], reply_to)


def _plain(value: Any) -> str:
    """A string our own buttons put there; anything else (a forged or foreign card) is ""."""
    return value if isinstance(value, str) else ""


def card_data(activity: Activity) -> dict[str, Any] | None:
    """The data of a pressed card button, with the card's inputs merged in."""
    value = activity.value
    if activity.type == "invoke":
        if activity.name != CARD_ACTION or not isinstance(value, Mapping):
            return None
        action = value.get("action")  # `Action.Execute` nests its data; others may not
        value = action.get("data") if isinstance(action, Mapping) else None
    return dict(value) if isinstance(value, Mapping) else None


def to_turn(
    activity: Activity,
    tenant_id: str,
    *,
    user_name: str | None = None,
    user_email: str | None = None,
) -> Turn | None:
    """The Turn of a message or card action; None for anything else."""
    values: dict[str, str] = {}
    action: str | None = None
    text: str | None = None
    button = pressed(activity)
    if button is not None:
        action = button.action
        data = card_data(activity) or {}
        values = {
            str(k)[:100]: _value(v)
            for k, v in data.items()
            if k not in _OWN_KEYS and k != "choice" and isinstance(k, str)
        }
    elif activity.type == "message":
        text = without_bot_mention(activity)[:_MAX_TEXT]
    else:
        return None
    conversation = activity.conversation
    assert conversation is not None
    return Turn(
        tenant_id=tenant_id,
        channel=CHANNEL,
        user_id=user_id(activity),
        conversation_id=str(conversation.id)[:200],
        text=text,
        action=action,
        values=values,
        locale=locale(activity),
        event_id=event_id(activity),
        user_name=user_name or (activity.from_property.name if activity.from_property else None),
        user_email=user_email,
        attachments=attached_files(activity) if button is None else 0,
    )


def without_bot_mention(activity: Activity) -> str:
    """The text without the bot's @mention, as plain text. Removed literally: the SDK's
    `remove_recipient_mention` uses the mention's name as a regular expression."""
    text = activity.text or ""
    recipient = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or ():
        data = entity.model_dump(by_alias=True) if hasattr(entity, "model_dump") else entity
        if not isinstance(data, Mapping) or data.get("type") != "mention":
            continue
        mentioned = data.get("mentioned")
        if not isinstance(mentioned, Mapping):
            continue
        if recipient and mentioned.get("id") == recipient and data.get("text"):
            text = text.replace(str(data["text"]), " ")
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", text))).replace("\xa0", " ")
    return " ".join(text.split()) if "\n" not in text.strip() else text.strip()


def attached_files(activity: Activity) -> int:
    """How many files or images came with a message; only counted, never fetched (what is in
    them is not this bot's to read). Teams mirrors formatted text as a text/html attachment;
    that one counts only when it holds a pasted image."""
    if activity.type != "message" or activity.value is not None:
        return 0
    files, pasted = 0, "<img" in (activity.text or "").lower()
    for attachment in activity.attachments or ():
        kind = str(attachment.content_type or "").lower()
        content = attachment.content if isinstance(attachment.content, str) else ""
        if kind != "text/html":
            files += 1
        elif "<img" in content.lower():
            pasted = True
    return files + int(pasted)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value[:_MAX_VALUE]
    return "" if value is None else str(value)[:_MAX_VALUE]


def channel_data(activity: Activity) -> dict[str, Any]:
    """The activity's Teams channel data as a plain dict."""
    return dict(_channel_data(activity))


def _channel_data(activity: Activity) -> Mapping[str, Any]:
    data = activity.channel_data
    if isinstance(data, Mapping):
        return data
    if data is not None and hasattr(data, "model_dump"):
        return data.model_dump(by_alias=True, exclude_none=True)
    return {}

"""A neutral Turn: one thing a person did in a conversation, on any channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def valid_id(value: object, max_length: int = 200) -> bool:
    """An id a channel may pass on (event, user, conversation): a short string of printable
    characters that encodes as UTF-8. A NUL, a newline or a lone surrogate is refused at the
    channel, so it can neither fail a turn nor forge a log line."""
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        return False
    if not value.isprintable():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Turn:
    """What a person sent: typed text, a pressed button, or submitted form values.

    Channels (local, console, Slack, Teams) translate their own events into this shape;
    nothing below the channel knows where a turn came from beyond the `channel` name.
    """

    tenant_id: str
    channel: str
    user_id: str
    conversation_id: str
    text: str | None = None
    action: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    locale: str | None = None
    event_id: str | None = None
    # What the platform's directory says of the person, used to prefill their profile.
    user_name: str | None = None
    user_division: str | None = None
    user_email: str | None = None
    # The platform's reference of the message whose button was pressed (a Slack message ts,
    # a Teams activity id, the web chat's reply id), so a step can replace that message.
    message_ref: str | None = None
    # The user ids the message mentions, as the platform marks them (Slack <@U…>, Teams
    # mention entities); empty where a channel has none (then text is read as typed).
    mentions: tuple[str, ...] = ()
    # Files or images sent with the message. The bot never opens them (what they hold may be
    # personal information); it only says so, and asks for the relevant part as text.
    attachments: int = 0

    @property
    def conversation_key(self) -> tuple[str, str, str, str]:
        return (self.tenant_id, self.channel, self.user_id, self.conversation_id)

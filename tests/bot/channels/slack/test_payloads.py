"""Payloads as Slack really delivers them, beyond the ones the dialogs are built around:
message subtypes, other bots, events with fields missing, events and interactions the bot
does not use, stale buttons, tampered modals, odd slash-command text, Enterprise Grid.

Each is acknowledged (2xx) at once, answered sensibly or ignored cleanly (never an answer to
a bot), and leaves no traceback and nothing typed in the logs.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.bot.channels.slack.conftest import (
    POLICY_CHANNEL,
    STAFF,
    SlackBot,
)
from tests.bot.channels.slack.person import SlackPerson

# In every typed text: it must never reach a log record.
SECRET_WORDS = "機密ZQX"
ANSWERS = ("chat.postMessage", "chat.postEphemeral", "response_url", "views.open", "views.publish")
DM = f"D{STAFF}"


def _ts() -> str:
    return f"{time.time():.6f}"


def dm_event(**fields: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": STAFF,
        "text": f"ヘルプ {SECRET_WORDS}",
        "ts": _ts(),
        "event_ts": _ts(),
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def _answers(bot: SlackBot, since: int) -> list[Any]:
    return [c for c in bot.slack.calls[since:] if c.method in ANSWERS]


def _check_logs(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None, f"a traceback: {record.getMessage()}"
        assert record.levelno < logging.ERROR, record.getMessage()
        assert SECRET_WORDS not in record.getMessage(), "typed text in the logs"


async def _quiet(bot: SlackBot) -> None:
    await SlackPerson(bot, STAFF).quiet()


# --- events that are not a turn: acknowledged, nothing answered --------------------------

_POSTED = {"type": "message", "user": STAFF, "text": f"ヘルプ {SECRET_WORDS}", "ts": "1.000001"}
IGNORED_EVENTS: dict[str, dict[str, Any]] = {
    "message_changed": dm_event(
        subtype="message_changed",
        hidden=True,
        user=None,
        text=None,
        message={**_POSTED, "edited": {"user": STAFF, "ts": "2.0"}},
        previous_message=_POSTED,
    ),
    "message_deleted": dm_event(
        subtype="message_deleted",
        hidden=True,
        user=None,
        text=None,
        deleted_ts="1.000001",
        previous_message=_POSTED,
    ),
    "bot_message": dm_event(subtype="bot_message", user=None, bot_id="BOTHER", username="x"),
    "bot_message_with_user": dm_event(subtype="bot_message", bot_id="BOTHER"),
    "bot_id_without_subtype": dm_event(bot_id="BOTHER", app_id="A2"),
    "bot_profile_only": dm_event(bot_profile={"id": "BOTHER", "name": "other"}),
    "from_the_bot_itself": dm_event(user="UBOT"),
    "from_the_bot_with_its_bot_id": dm_event(user="UBOT", bot_id="BBOT"),
    "channel_join": dm_event(
        subtype="channel_join",
        channel=POLICY_CHANNEL,
        channel_type="channel",
        text=f"<@{STAFF}> has joined the channel",
    ),
    "ekm_access_denied": dm_event(
        subtype="ekm_access_denied",
        user="UREVOKED",
        text="Your admin has suspended everyone's access to this content.",
    ),
    "no_user": dm_event(user=None),
    "no_channel": dm_event(channel=None),
    "empty_user": dm_event(user=""),
    "user_not_a_string": dm_event(user={"id": STAFF}),
    "text_not_a_string": dm_event(text=["ヘルプ"]),
    "channel_message_no_thread": dm_event(channel="CGENERAL", channel_type="channel"),
    "policy_thread_reply_not_a_report": dm_event(
        channel=POLICY_CHANNEL, channel_type="channel", thread_ts="1.000001"
    ),
    "group_thread_reply": dm_event(channel="GPRIV", channel_type="group", thread_ts="1.000001"),
    "mention_from_a_bot": dm_event(type="app_mention", channel="CGENERAL", bot_id="BOTHER"),
    "mention_without_user": dm_event(type="app_mention", channel="CGENERAL", user=None),
    "app_home_messages_tab": {
        "type": "app_home_opened",
        "user": STAFF,
        "channel": DM,
        "tab": "messages",
        "event_ts": "1.0",
    },
    "app_home_no_user": {"type": "app_home_opened", "tab": "home", "event_ts": "1.0"},
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    "member_joined_channel": {
        "type": "member_joined_channel",
        "user": STAFF,
        "channel": POLICY_CHANNEL,
        "channel_type": "C",
        "team": "T0001",
    },
    "reaction_added": {
        "type": "reaction_added",
        "user": STAFF,
        "reaction": "eyes",
        "item": {"type": "message", "channel": DM, "ts": "1.0"},
        "event_ts": "1.0",
    },
    "no_type": {"user": STAFF, "channel": DM, "text": "ヘルプ"},
}


@pytest.mark.parametrize("name", sorted(IGNORED_EVENTS))
async def test_an_event_that_is_not_a_turn_is_acknowledged_and_not_answered(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    before = len(bot.slack.calls)
    response = await bot.event(IGNORED_EVENTS[name])
    assert 200 <= response.status < 300, response.status
    await _quiet(bot)
    assert _answers(bot, before) == []
    _check_logs(caplog)


# --- events that are a turn: answered where the person wrote ------------------------------

ANSWERED_EVENTS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    # name: (event, the channel answered in, the thread answered in)
    "plain_dm": (dm_event(), DM, None),
    "dm_thread_reply": (dm_event(thread_ts="1.000001"), DM, "1.000001"),
    "file_share_with_text": (
        dm_event(subtype="file_share", files=[{"id": "F1", "name": "a.pdf"}], upload=False),
        DM,
        None,
    ),
    "thread_broadcast": (
        dm_event(subtype="thread_broadcast", thread_ts="1.000001"),
        DM,
        "1.000001",
    ),
    "me_message": (dm_event(subtype="me_message"), DM, None),
    "mention_in_a_thread": (
        dm_event(
            type="app_mention",
            channel="CGENERAL",
            channel_type=None,
            text=f"<@UBOT> ヘルプ {SECRET_WORDS}",
            ts="5.000001",
            thread_ts="4.000001",
        ),
        "CGENERAL",
        "4.000001",
    ),
    "mention_only": (
        dm_event(
            type="app_mention", channel="CGENERAL", channel_type=None, text="<@UBOT>", ts="6.1"
        ),
        "CGENERAL",
        "6.1",
    ),
    "mention_with_its_name": (
        dm_event(
            type="app_mention",
            channel="CGENERAL",
            channel_type=None,
            text="<@UBOT|aiguide>  ",
            ts="6.2",
        ),
        "CGENERAL",
        "6.2",
    ),
    "no_text": (dm_event(text=None), DM, None),
    "control_characters": (
        dm_event(text=f"\u0000ヘルプ\u202e\x1b[31m\u200b{SECRET_WORDS}\ud800"),
        DM,
        None,
    ),
    "very_long": (dm_event(text=f"{SECRET_WORDS}" + "あ" * 39_990), DM, None),
}


@pytest.mark.parametrize("name", sorted(ANSWERED_EVENTS))
async def test_a_persons_message_is_answered_where_they_wrote(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    event, where, thread = ANSWERED_EVENTS[name]
    before = len(bot.slack.calls)
    response = await bot.event(event)
    assert 200 <= response.status < 300, response.status
    await _quiet(bot)
    answers = _answers(bot, before)
    assert answers, "no answer"
    assert all(a.params.get("channel") == where for a in answers)
    assert all(a.params.get("thread_ts") == thread for a in answers)
    _check_logs(caplog)


async def test_a_file_shared_without_text_is_answered(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event = dm_event(subtype="file_share", text="", files=[{"id": "F1", "name": "a.pdf"}])
    before = len(bot.slack.calls)
    assert (await bot.event(event)).status == 200
    await _quiet(bot)
    [*answers] = _answers(bot, before)
    assert answers and all(a.params["channel"] == DM for a in answers)
    _check_logs(caplog)


async def test_the_home_tab_is_published(bot: SlackBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    event = {"type": "app_home_opened", "user": STAFF, "channel": DM, "tab": "home"}
    assert (await bot.event({**event, "event_ts": "1.0"})).status == 200
    await bot.slack.wait_for("views.publish")
    _check_logs(caplog)


@pytest.mark.parametrize("shape", ["no_text", "file_share"])
async def test_a_policy_reply_in_a_report_thread_without_text_is_no_error(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    from tests.bot.channels.slack.test_reports import file_report
    from tests.farends import ADMIN

    await file_report(SlackPerson(bot, STAFF))
    await bot.runtime.delivery.run_once()
    [summary] = bot.posts_to(POLICY_CHANNEL)
    caplog.set_level(logging.DEBUG)
    event = dm_event(
        user=ADMIN, channel=POLICY_CHANNEL, channel_type="channel", thread_ts=summary["ts"]
    )
    if shape == "no_text":
        event.pop("text")
    else:
        event.update(subtype="file_share", text="", files=[{"id": "F1"}])
    before = len(bot.slack.calls)
    assert (await bot.event(event)).status == 200
    await _quiet(bot)
    assert _answers(bot, before) == []
    _check_logs(caplog)

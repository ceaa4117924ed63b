"""Slack payloads real people produce that the dialogs were not built around: files shared
into the DM (never opened), messages whose text is only in their rich_text blocks, and other
shapes that must be acknowledged and either answered sensibly or left alone."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from dialogs.text import MAX_TEXT_LENGTH
from tests.bot.channels.slack.conftest import STAFF, SlackBot, text_of
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_payloads import ANSWERS, _check_logs

ENGLISH = "UENG"
_FILES_HOST = "https://files.slack.com/files-pri/"
_FILE = {
    "id": "F0PRIVATE",
    "name": "住民名簿.xlsx",
    "mimetype": "application/vnd.ms-excel",
    "url_private": f"{_FILES_HOST}T0001-F0PRIVATE/list.xlsx",
    "url_private_download": f"{_FILES_HOST}T0001-F0PRIVATE/download",
}


def _file_share(user: str, text: str = "", **fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "files": [_FILE],
        "upload": False,
        "display_as_bot": False,
        "ts": f"{time.time():.6f}",
        **fields,
    }


def _files_at(bot: SlackBot, event: dict[str, Any]) -> dict[str, Any]:
    """The event's files with their url_private on the fake Slack, which records a fetch."""
    files = event.get("files")
    if not isinstance(files, list):
        return event
    here = f"{bot.slack.url}/files-pri/"
    moved = [
        {k: v.replace(_FILES_HOST, here) if k.startswith("url_") else v for k, v in f.items()}
        for f in files
    ]
    return {**event, "files": moved}


async def _send(bot: SlackBot, event: dict[str, Any]) -> list[Any]:
    before = len(bot.slack.calls)
    response = await bot.event(_files_at(bot, event))
    assert response.status == 200, response.status
    await SlackPerson(bot, str(event.get("user") or STAFF)).quiet()
    return bot.slack.calls[before:]


def _said(calls: list[Any]) -> str:
    return "\n".join(text_of(c.params) for c in calls if c.method in ANSWERS)


def _never_fetched(bot: SlackBot) -> None:
    """The bot asked Slack nothing about the file (files.info, …) nor fetched its
    url_private."""
    fetched = [c.method for c in bot.slack.calls if c.method.startswith("files.")]
    assert fetched + [c.params["path"] for c in bot.slack.of("url_private")] == []


@pytest.mark.parametrize(
    ("user", "locale"), [(STAFF, "ja"), (ENGLISH, "en")], ids=["japanese", "english"]
)
async def test_a_file_shared_alone_is_not_read_and_the_text_is_asked_for(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, user: str, locale: str
) -> None:
    caplog.set_level(logging.DEBUG)
    calls = await _send(bot, _file_share(user))
    said = _said(calls)
    msg = bot.runtime.catalogs.for_locale(locale)
    assert msg.t("fallback.attachment_only") in said
    # Not the answer to an empty message: the person did send something.
    assert msg.t("fallback.empty") not in said
    assert all(c.params.get("channel") == f"D{user}" for c in calls if c.method in ANSWERS)
    _never_fetched(bot)
    _check_logs(caplog)


async def test_a_file_shared_with_a_comment_answers_the_comment_and_says_the_file_is_unread(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    calls = await _send(bot, _file_share(STAFF, text=msg.t("menu.item.pii_check")))
    said = _said(calls)
    assert msg.t("fallback.attachment_not_read") in said
    # The comment was the turn: the text check asks for the text to check.
    assert msg.t("pii.ask", max=MAX_TEXT_LENGTH) in said
    _never_fetched(bot)
    _check_logs(caplog)


async def test_a_file_shared_while_the_text_check_waits_keeps_it_waiting(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    person = SlackPerson(bot, STAFF)
    await person.say(msg.t("menu.item.pii_check"))
    calls = await _send(bot, _file_share(STAFF))
    assert msg.t("fallback.attachment_only") in _said(calls)
    # The pasted text that follows is still what the check reads.
    await person.say("山田太郎 090-1234-5678")
    assert msg.t("pii.masked") in person.text, person.text
    _never_fetched(bot)
    _check_logs(caplog)


def _rich_text(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "rich_text",
            "block_id": "rt1",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": text},
                        {"type": "user", "user_id": "UBOT"},
                    ],
                }
            ],
        }
    ]


async def test_a_message_whose_text_is_only_in_its_blocks_is_read(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{STAFF}",
        "user": STAFF,
        "text": "",
        "blocks": _rich_text(f"{msg.t('menu.item.pii_check')} "),
        "ts": f"{time.time():.6f}",
    }
    said = _said(await _send(bot, event))
    assert msg.t("fallback.empty") not in said
    assert msg.t("pii.ask", max=MAX_TEXT_LENGTH) in said
    _check_logs(caplog)


# --- shapes beyond the existing tables: each acknowledged, answered only where sensible ----

_DM = f"D{STAFF}"
_REPLY = {"type": "message", "user": STAFF, "text": "ヘルプ", "ts": "3.000001", "thread_ts": "2.0"}
PROBED_EVENTS: dict[str, tuple[dict[str, Any], bool]] = {
    # name: (event, answered)
    "bot_joins_the_policy_channel": (
        {
            "type": "member_joined_channel",
            "user": "UBOT",
            "channel": "CPOLICY",
            "channel_type": "C",
            "team": "T0001",
            "inviter": "UADMIN",
            "event_ts": "1.0",
        },
        False,
    ),
    "edited_reply_in_a_thread": (
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "CPOLICY",
            "channel_type": "channel",
            "hidden": True,
            "message": {**_REPLY, "edited": {"user": STAFF, "ts": "4.0"}},
            "previous_message": _REPLY,
            "ts": "4.000001",
            "event_ts": "4.000001",
        },
        False,
    ),
    "deleted_reply_in_a_thread": (
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "CPOLICY",
            "channel_type": "channel",
            "hidden": True,
            "deleted_ts": "3.000001",
            "previous_message": _REPLY,
            "ts": "5.000001",
            "event_ts": "5.000001",
        },
        False,
    ),
    "bot_message_in_a_dm_with_blocks": (
        {
            "type": "message",
            "subtype": "bot_message",
            "channel": _DM,
            "channel_type": "im",
            "bot_id": "BBOT",
            "text": "",
            "blocks": _rich_text("ヘルプ"),
            "ts": "6.000001",
        },
        False,
    ),
    "own_post_echoed_with_app_id": (
        {
            "type": "message",
            "channel": _DM,
            "channel_type": "im",
            "user": "UBOT",
            "bot_id": "BBOT",
            "app_id": "A1",
            "text": "ヘルプ",
            "blocks": _rich_text("ヘルプ"),
            "metadata": {"event_type": "aiguide_outbox", "event_payload": {"key": "k"}},
            "ts": "7.000001",
        },
        False,
    ),
    "blocks_without_rich_text_and_no_text": (
        {
            "type": "message",
            "channel": _DM,
            "channel_type": "im",
            "user": STAFF,
            "text": "",
            "blocks": [{"type": "divider"}, {"type": "section"}, "not a block"],
            "ts": "8.000001",
        },
        True,
    ),
    "blocks_not_a_list": (
        {
            "type": "message",
            "channel": _DM,
            "channel_type": "im",
            "user": STAFF,
            "blocks": {"type": "rich_text"},
            "ts": "8.000002",
        },
        True,
    ),
    "files_not_a_list": (
        {**_file_share(STAFF), "files": {"id": "F1"}},
        True,
    ),
    "file_only_mention_in_a_channel": (
        {
            "type": "app_mention",
            "channel": "CGENERAL",
            "user": STAFF,
            "text": "<@UBOT>",
            "files": [_FILE],
            "ts": "9.000001",
        },
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(PROBED_EVENTS))
async def test_a_probed_event_is_acknowledged_and_answered_only_when_sensible(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    event, answered = PROBED_EVENTS[name]
    calls = await _send(bot, event)
    answers = [c for c in calls if c.method in ANSWERS]
    assert bool(answers) == answered, [c.method for c in calls]
    _never_fetched(bot)
    _check_logs(caplog)


async def test_a_file_only_mention_is_answered_in_its_thread_without_reading_it(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event, _ = PROBED_EVENTS["file_only_mention_in_a_channel"]
    calls = [c for c in await _send(bot, event) if c.method in ANSWERS]
    assert bot.runtime.catalogs.for_locale("ja").t("fallback.attachment_only") in _said(calls)
    assert all(c.params.get("thread_ts") == event["ts"] for c in calls)
    _never_fetched(bot)
    _check_logs(caplog)


_PRESS = {
    "type": "block_actions",
    "team": {"id": "T0001"},
    "user": {"id": STAFF, "team_id": "T0001"},
    "api_app_id": "A1",
    "trigger_id": "trigger-gap",
    "container": {"type": "message", "message_ts": "9.000001", "channel_id": _DM},
    "channel": {"id": _DM},
    "message": {"ts": "9.000001", "type": "message", "user": "UBOT", "blocks": []},
    "state": {"values": {}},
}
PROBED_INTERACTIONS: dict[str, dict[str, Any]] = {
    "block_actions_with_no_action": {**_PRESS, "actions": []},
    "block_actions_without_actions": dict(_PRESS),
    "legacy_interactive_message": {
        "type": "interactive_message",
        "callback_id": "old_buttons",
        "actions": [{"name": "x", "type": "button", "value": "menu:help"}],
        "team": {"id": "T0001"},
        "user": {"id": STAFF},
        "channel": {"id": _DM},
        "action_ts": "1.0",
        "message_ts": "1.0",
    },
    "legacy_dialog_submission": {
        "type": "dialog_submission",
        "callback_id": "old_dialog",
        "submission": {"a": "b"},
        "team": {"id": "T0001"},
        "user": {"id": STAFF},
        "channel": {"id": _DM},
    },
    "view_submission_of_the_form_by_no_person": {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "BBOT"},
        "view": {
            "id": "VX",
            "hash": "h",
            "type": "modal",
            "callback_id": "aiguide_form",
            "state": {"values": {}},
        },
    },
}


@pytest.mark.parametrize("name", sorted(PROBED_INTERACTIONS))
async def test_a_probed_interaction_is_acknowledged_and_nothing_is_done(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    before = len(bot.slack.calls)
    response = await bot.interaction(PROBED_INTERACTIONS[name])
    assert response.status == 200, response.status
    await SlackPerson(bot, STAFF).quiet()
    assert [c for c in bot.slack.calls[before:] if c.method in ANSWERS] == []
    _check_logs(caplog)


@pytest.mark.parametrize("name", sorted(PROBED_INTERACTIONS))
async def test_a_probed_interaction_over_socket_mode_is_acknowledged(
    database: Any, fake_slack: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    import aiohttp

    from tests.bot.channels.slack.conftest import start_bot

    caplog.set_level(logging.DEBUG)
    runtime, server = await start_bot(
        database, fake_slack, tmp_path, slack_app_token="xapp-1-test", slack_signing_secret=None
    )
    try:
        async with aiohttp.ClientSession() as http:
            bot = SlackBot(runtime, server, fake_slack, http)
            await fake_slack.wait_for("socket.connected")
            envelope = {
                "envelope_id": f"i-{name}",
                "type": "interactive",
                "accepts_response_payload": True,
                "payload": PROBED_INTERACTIONS[name],
            }
            await fake_slack.sockets[-1].send_json(envelope)
            [ack] = await fake_slack.wait_for("socket.ack")
            assert ack.params["envelope_id"] == f"i-{name}"
            await SlackPerson(bot, STAFF).quiet()
            assert [c for c in fake_slack.calls if c.method in ANSWERS] == []
    finally:
        await server.close()
    _check_logs(caplog)


# --- people from other organisations (Slack Connect) and other workspaces of a Grid org ----


def _from(team: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "DOUTSIDER",
        "user": "UOUTSIDER",
        "user_team": team,
        "source_team": team,
        "text": "ヘルプ",
        "ts": f"{time.time():.6f}",
        **fields,
    }


async def _grid_envelope(bot: SlackBot, event: dict[str, Any]) -> None:
    import json

    body = {
        "team_id": "T0001",
        "enterprise_id": "E0001",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"enterprise_id": "E0001", "team_id": "T0001", "user_id": "UBOT", "is_bot": True}
        ],
        "event": event,
    }
    assert (await bot.post("/slack/events", json.dumps(body), "application/json")).status == 200
    await SlackPerson(bot, STAFF).quiet()


async def _link(bot: SlackBot, platform: str, external_id: str, tenant: str) -> None:
    from storage.db import transaction
    from storage.tenants import link

    async with transaction(bot.runtime.sessions) as session:
        await link(session, tenant, platform, external_id)


@pytest.mark.parametrize(
    "event",
    [
        _from("TVENDOR"),
        _from(
            "TVENDOR",
            type="app_mention",
            channel="CSHARED",
            channel_type=None,
            text="<@UBOT> ヘルプ",
        ),
    ],
    ids=["dm", "mention_in_a_shared_channel"],
)
async def test_a_person_from_another_organisation_is_told_and_not_served(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG)
    calls = await _send(bot, {k: v for k, v in event.items() if v is not None})
    answers = [c for c in calls if c.method in ANSWERS]
    assert [text_of(c.params) for c in answers] == [
        bot.runtime.catalogs.for_locale("ja").t("tenant.outsider")
    ]
    assert "users.info" not in [c.method for c in calls]  # nothing asked about them
    _check_logs(caplog)


async def test_a_press_by_a_person_from_another_organisation_is_refused_privately(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = {
        **_PRESS,
        "user": {"id": "UOUTSIDER", "team_id": "TVENDOR"},
        "channel": {"id": "CPOLICY"},
        "container": {**_PRESS["container"], "channel_id": "CPOLICY"},
        "response_url": bot.slack.response_url("outsider"),
        "actions": [
            {
                "type": "button",
                "action_id": "btn:0",
                "block_id": "b1",
                "value": "menu:help",
                "action_ts": "9.9",
            }
        ],
    }
    before = len(bot.slack.calls)
    assert (await bot.interaction(payload)).status == 200
    await SlackPerson(bot, STAFF).quiet()
    answers = [c for c in bot.slack.calls[before:] if c.method in ANSWERS]
    assert [c.method for c in answers] == ["response_url"]
    assert bot.runtime.catalogs.for_locale("ja").t("tenant.outsider") in text_of(answers[0].params)
    _check_logs(caplog)


async def test_another_workspace_of_the_same_linked_org_is_served(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _link(bot, "slack_enterprise", "E0001", "sakura-city")
    before = len(bot.slack.calls)
    await _grid_envelope(bot, _from("T0002", user=STAFF, channel=f"D{STAFF}"))
    said = _said(bot.slack.calls[before:])
    assert "アシスタントです" in said
    assert bot.runtime.catalogs.for_locale("ja").t("tenant.outsider") not in said
    _check_logs(caplog)

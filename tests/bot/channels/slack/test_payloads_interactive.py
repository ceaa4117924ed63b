"""Interactions and slash commands as Slack delivers them, beyond the dialogs' own: element
kinds and action ids the bot did not render, values it never offered, modals tampered with
or unknown, shortcuts, odd command text, Enterprise Grid, a workspace nobody claimed."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest

from tests.bot.channels.slack.conftest import POLICY_CHANNEL, STAFF, SlackBot, sign
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_payloads import (
    ANSWERS,
    DM,
    SECRET_WORDS,
    _check_logs,
)

_BASE = {
    "type": "block_actions",
    "team": {"id": "T0001", "domain": "sakura"},
    "user": {"id": STAFF, "team_id": "T0001", "username": "yamada"},
    "api_app_id": "A1",
    "trigger_id": "trigger-probe",
    "container": {"type": "message", "message_ts": "9.000001", "channel_id": DM},
    "channel": {"id": DM, "name": "directmessage"},
    "message": {"ts": "9.000001", "type": "message", "user": "UBOT", "blocks": []},
    "response_url": "",
    "state": {"values": {}},
}
_OPTION = {"text": {"type": "plain_text", "text": "ヘルプ"}, "value": "menu:help"}


def _action(**fields: Any) -> dict[str, Any]:
    return {"block_id": "b1", "action_ts": "9.1", **fields}


ACTIONS: dict[str, dict[str, Any]] = {
    "button": _action(type="button", action_id="btn:0", value="menu:help", text=_OPTION["text"]),
    "button_stale_action_id": _action(type="button", action_id="btn:97", value="menu:help"),
    "button_value_never_offered": _action(
        type="button", action_id="btn:0", value=f"menu:nothing {SECRET_WORDS}"
    ),
    "button_without_value": _action(type="button", action_id="btn:0"),
    "button_foreign_action_id": _action(type="button", action_id="approve", value="x"),
    "static_select": _action(type="static_select", action_id="sel:0", selected_option=_OPTION),
    "static_select_nothing_chosen": _action(
        type="static_select", action_id="sel:0", selected_option=None
    ),
    "multi_static_select": _action(
        type="multi_static_select", action_id="sel:0", selected_options=[_OPTION]
    ),
    "checkboxes": _action(type="checkboxes", action_id="btn:1", selected_options=[_OPTION]),
    "overflow": _action(type="overflow", action_id="btn:2", selected_option=_OPTION),
    "datepicker": _action(type="datepicker", action_id="sel:9", selected_date="2026-10-01"),
}


async def _interact(bot: SlackBot, payload: dict[str, Any]) -> tuple[int, str]:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with bot.http.post(bot.url("/slack/interactions"), data=body, headers=headers) as r:
        return r.status, await r.text()


async def _quiet(bot: SlackBot) -> None:
    await SlackPerson(bot, STAFF).quiet()


@pytest.mark.parametrize("name", sorted(ACTIONS))
@pytest.mark.parametrize("where", ["dm", "home", "ephemeral", "policy"])
async def test_any_element_pressed_anywhere_is_acknowledged(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str, where: str
) -> None:
    caplog.set_level(logging.DEBUG)
    payload: dict[str, Any] = {**_BASE, "response_url": bot.slack.response_url("p")}
    payload["actions"] = [ACTIONS[name]]
    if where == "home":
        payload.pop("channel")
        payload.pop("message")
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    elif where == "ephemeral":
        payload.pop("message")
        payload["container"] = {**payload["container"], "is_ephemeral": True}
    elif where == "policy":
        payload["channel"] = {"id": POLICY_CHANNEL}
        payload["container"] = {**payload["container"], "channel_id": POLICY_CHANNEL}
    status, _ = await _interact(bot, payload)
    assert 200 <= status < 300, status
    await _quiet(bot)
    for call in bot.slack.calls:
        assert call.method != "chat.postMessage" or call.params["channel"] != POLICY_CHANNEL
    _check_logs(caplog)


async def test_a_press_without_a_user_is_ignored(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = {**_BASE, "actions": [ACTIONS["button"]], "user": None}
    status, _ = await _interact(bot, payload)
    assert 200 <= status < 300
    await _quiet(bot)
    assert [c for c in bot.slack.calls if c.method in ANSWERS] == []
    _check_logs(caplog)


OTHER_INTERACTIONS: dict[str, dict[str, Any]] = {
    "shortcut": {
        "type": "shortcut",
        "callback_id": "aiguide_shortcut",
        "trigger_id": "t1",
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
    },
    "message_action": {
        "type": "message_action",
        "callback_id": "report_this",
        "trigger_id": "t2",
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
        "channel": {"id": "CGENERAL"},
        "message": {"type": "message", "user": STAFF, "text": SECRET_WORDS, "ts": "1.0"},
        "response_url": "http://127.0.0.1:9/none",
    },
    "view_submission_unknown_callback": {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
        "view": {
            "id": "VX",
            "type": "modal",
            "hash": "h",
            "callback_id": "legacy_form",
            "private_metadata": "",
            "state": {"values": {}},
        },
    },
    "view_closed_unknown_callback": {
        "type": "view_closed",
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
        "view": {"id": "VX", "type": "modal", "callback_id": "legacy_form"},
        "is_cleared": False,
    },
    "block_suggestion": {
        "type": "block_suggestion",
        "action_id": "sel:0",
        "block_id": "b1",
        "value": SECRET_WORDS,
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
    },
}


@pytest.mark.parametrize("name", sorted(OTHER_INTERACTIONS))
async def test_an_interaction_the_bot_does_not_offer_is_acknowledged(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = await _interact(bot, OTHER_INTERACTIONS[name])
    assert 200 <= status < 300, status
    await _quiet(bot)
    assert [c for c in bot.slack.calls if c.method in ANSWERS] == []
    _check_logs(caplog)


async def test_a_press_with_no_action_in_it_is_acknowledged_not_an_error(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing was pressed: acknowledged (a 4xx shows the person an error), nothing done,
    never a 500 or a traceback (test_payload_gaps.py checks nothing is answered)."""
    caplog.set_level(logging.DEBUG)
    status, _ = await _interact(bot, {**_BASE, "actions": []})
    assert status == 200
    _check_logs(caplog)

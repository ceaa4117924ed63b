"""Modals tampered with or sent by someone else, slash commands with odd text, Enterprise
Grid envelopes, and a workspace no municipality claimed — as Slack delivers them."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from typing import Any

import pytest
import sqlalchemy as sa

from storage.db import transaction
from storage.people import get_person
from tests.bot.channels.slack.conftest import POLICY_CHANNEL, STAFF, SlackBot, sign, text_of
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_modal import submission, submit
from tests.bot.channels.slack.test_payloads import SECRET_WORDS, _check_logs, dm_event

GOOD = {"name": "山田 花子", "division": "税務課", "contact": "yamada@example.jp"}


async def _opened_modal(bot: SlackBot) -> tuple[SlackPerson, dict[str, Any], str]:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("プロフィール")
    await yamada.press("フォームでまとめて入力")
    [opened] = bot.slack.of("views.open")
    return yamada, opened.params["view"], opened.answer["view"]["id"]


@pytest.mark.parametrize(
    "metadata",
    [
        json.dumps({"submit": "x", "cancel": "y", "channel": POLICY_CHANNEL}),
        json.dumps({"channel": "CGENERAL"}),
        "not json {",
        "[1, 2]",
        "",
    ],
)
async def test_a_tampered_modal_never_answers_in_a_shared_channel(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    yamada, view, view_id = await _opened_modal(bot)
    caplog.set_level(logging.DEBUG)
    payload = submission(view, view_id, {**GOOD, "contact": f"{SECRET_WORDS}@x.jp"}, "h1")
    payload["view"]["private_metadata"] = metadata
    before = len(bot.slack.calls)
    await submit(bot, payload)
    await yamada.quiet()
    posted = [c for c in bot.slack.calls[before:] if c.method == "chat.postMessage"]
    assert posted, "the person is told what happened"
    assert all(c.params["channel"] in (yamada.dm, STAFF) for c in posted)
    _check_logs(caplog)


async def test_a_modal_without_state_values_is_answered_with_errors(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    yamada, view, view_id = await _opened_modal(bot)
    caplog.set_level(logging.DEBUG)
    payload = submission(view, view_id, {}, "h1")
    payload["view"]["state"] = {}
    answer = await submit(bot, payload)
    assert answer.get("response_action") in ("errors", None)
    await yamada.quiet()
    _check_logs(caplog)


async def test_another_persons_submission_changes_nothing_of_the_owners(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    yamada, view, view_id = await _opened_modal(bot)
    caplog.set_level(logging.DEBUG)
    payload = submission(view, view_id, {**GOOD, "name": "なりすまし"}, "h1")
    payload["user"] = {"id": "UENG", "team_id": "T0001"}
    await submit(bot, payload)
    await yamada.quiet()
    async with transaction(bot.runtime.sessions) as session:
        person = await get_person(session, "sakura-city", "slack", STAFF)
    assert person is not None and person.display_name == "山田 花子"
    for call in bot.slack.of("chat.postMessage"):
        assert "なりすまし" not in text_of(call.params)
    _check_logs(caplog)


async def test_a_tampered_modal_closed_never_answers_in_a_shared_channel(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    yamada, view, view_id = await _opened_modal(bot)
    caplog.set_level(logging.DEBUG)
    payload = submission(view, view_id, GOOD, "h1")
    payload["type"] = "view_closed"
    payload["view"]["private_metadata"] = json.dumps({"channel": POLICY_CHANNEL})
    before = len(bot.slack.calls)
    await submit(bot, payload)
    await yamada.quiet()
    posted = [c for c in bot.slack.calls[before:] if c.method == "chat.postMessage"]
    assert all(c.params["channel"] in (yamada.dm, STAFF) for c in posted)
    _check_logs(caplog)


# --- slash commands -------------------------------------------------------------------------


async def _command(bot: SlackBot, text: str, **fields: str) -> tuple[int, str]:
    yamada = SlackPerson(bot, STAFF)
    values = {
        "command": "/aiguide",
        "text": text,
        "team_id": bot.team,
        "team_domain": "sakura",
        "channel_id": f"D{STAFF}",
        "channel_name": "directmessage",
        "user_id": STAFF,
        "user_name": "yamada",
        "api_app_id": "A1",
        "trigger_id": f"trigger-{time.time()}",
        "response_url": bot.slack.response_url("cmd"),
        **fields,
    }
    body = urllib.parse.urlencode({k: v for k, v in values.items() if v is not None})
    before = len(bot.slack.calls)
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with bot.http.post(bot.url("/slack/commands"), data=body, headers=headers) as r:
        status = r.status
    await yamada.quiet()
    answers = [c for c in bot.slack.calls[before:] if c.method == "response_url"]
    assert answers, "no answer"
    return status, "\n".join(text_of(c.params) for c in answers)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\u3000",
        "   \t ",
        "frobnicate",
        f"unknown {SECRET_WORDS}",
        "help" + "　" * 3,
        "ｈｅｌｐ",
        "HELP",
        f"check {SECRET_WORDS}" + "あ" * 3990,
        f"\u0000\u202e\x1b[31m{SECRET_WORDS}\u200b",
        f"report\u0000{SECRET_WORDS}",
        f"admin\u3000{SECRET_WORDS}",
    ],
)
async def test_any_command_text_is_acknowledged_and_answered(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = await _command(bot, text)
    assert status == 200
    _check_logs(caplog)


async def test_a_subcommand_after_a_full_width_space_is_the_same_subcommand(
    bot: SlackBot,
) -> None:
    _, ascii_ = await _command(bot, "check ChatGPT に議事録を入れていい？")
    _, wide = await _command(bot, "check\u3000ChatGPT に議事録を入れていい？")
    _, full = await _command(bot, "ｃｈｅｃｋ\u3000ChatGPT に議事録を入れていい？")
    assert wide == ascii_ and full == ascii_


# --- Enterprise Grid and an unknown workspace -----------------------------------------------


def _grid(event: dict[str, Any], team: str | None, enterprise: str, org: bool) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": team,
            "enterprise_id": enterprise,
            "context_team_id": team,
            "context_enterprise_id": enterprise,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"EvG{time.time_ns()}",
            "event_time": int(time.time()),
            "is_ext_shared_channel": False,
            "authorizations": [
                {
                    "enterprise_id": enterprise,
                    "team_id": None if org else team,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": org,
                }
            ],
            "event": event,
        }
    )


@pytest.mark.parametrize("org", [False, True])
async def test_an_enterprise_grid_workspace_is_answered(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, org: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    event = {**dm_event(), "team": "T0001", "user_team": "T0001", "source_team": "T0001"}
    response = await bot.post(
        "/slack/events", _grid(event, "T0001", "E0001", org), "application/json"
    )
    assert response.status == 200
    await SlackPerson(bot, STAFF).quiet()
    answers = bot.slack.of("chat.postMessage")
    assert answers and "アシスタントです" in text_of(answers[0].params)
    _check_logs(caplog)


async def _row_counts(bot: SlackBot) -> dict[str, int]:
    async with bot.runtime.engine.connect() as connection:
        names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
        counts = {}
        for name in names:
            if name.startswith("alembic"):
                continue
            result = await connection.execute(sa.text(f'SELECT count(*) FROM "{name}"'))
            counts[name] = result.scalar_one()
    return counts


async def test_a_workspace_no_municipality_claimed_stores_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    await SlackPerson(bot, STAFF).quiet()
    before = await _row_counts(bot)
    caplog.set_level(logging.DEBUG)
    stranger = "USTRANGER"
    for org in (False, True):
        event = {**dm_event(user=stranger, channel="DX"), "team": "T9999"}
        await bot.post("/slack/events", _grid(event, "T9999", "E9999", org), "application/json")
    mention = dm_event(type="app_mention", user=stranger, channel="CX", text="<@UBOT> ヘルプ")
    await bot.event(mention, team="T9999")
    await bot.event(dm_event(user=stranger, channel="CX", thread_ts="1.1"), team="T9999")
    await bot.event({"type": "app_home_opened", "user": stranger, "tab": "home"}, team="T9999")
    _, refusal = await _command(bot, "report", team_id="T9999", user_id=stranger)
    assert "設定されていません" in refusal
    await SlackPerson(bot, STAFF).quiet()
    assert await _row_counts(bot) == before
    _check_logs(caplog)


async def test_control_characters_typed_in_a_modal_are_stored_without_them(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    yamada, view, view_id = await _opened_modal(bot)
    caplog.set_level(logging.DEBUG)
    typed = {**GOOD, "name": "山田\u0000 花子\u202e", "division": "税務\x1b課"}
    answer = await submit(bot, submission(view, view_id, typed, "h1"))
    assert answer.get("response_action") is None, answer
    await yamada.quiet()
    async with transaction(bot.runtime.sessions) as session:
        person = await get_person(session, "sakura-city", "slack", STAFF)
    assert person is not None
    assert (person.display_name, person.division) == ("山田 花子", "税務課")
    _check_logs(caplog)

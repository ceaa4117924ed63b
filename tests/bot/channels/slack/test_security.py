"""Only Slack's signed requests are processed; a retried event is handled once."""

from __future__ import annotations

import json
import time

from tests.bot.channels.slack.conftest import STAFF, SlackBot, sign


async def test_url_verification_is_answered(bot: SlackBot) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = await bot.post("/slack/events", body, "application/json")
    assert response.status == 200
    assert bot.slack.of("chat.postMessage") == []


async def test_a_forged_signature_is_refused_and_nothing_is_processed(bot: SlackBot) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": bot.team,
            "event_id": "EvF",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D1",
                "user": STAFF,
                "text": "ヘルプ",
                "ts": "1.1",
            },
        }
    )
    forged = {**sign(body, secret="not-the-secret"), "Content-Type": "application/json"}
    async with bot.http.post(bot.url("/slack/events"), data=body, headers=forged) as response:
        assert response.status == 401
    await bot.slack.settle()
    assert bot.slack.of("chat.postMessage") == []


async def test_a_stale_signature_is_refused(bot: SlackBot) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": bot.team,
            "event_id": "EvS",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D1",
                "user": STAFF,
                "text": "ヘルプ",
                "ts": "1.1",
            },
        }
    )
    # Correctly signed, but ten minutes old: a replayed request.
    stale = {**sign(body, int(time.time()) - 600), "Content-Type": "application/json"}
    async with bot.http.post(bot.url("/slack/events"), data=body, headers=stale) as response:
        assert response.status == 401
    await bot.slack.settle()
    assert bot.slack.of("chat.postMessage") == []


async def test_a_retried_event_is_answered_once(bot: SlackBot) -> None:
    first = await bot.dm(STAFF, "ヘルプ", event_id="EvRetry1")
    assert first.status == 200
    await bot.slack.wait_for("chat.postMessage")
    await bot.slack.settle(0.5)
    answered = len(bot.slack.of("chat.postMessage"))
    retry = await bot.dm(
        STAFF,
        "ヘルプ",
        event_id="EvRetry1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status == 200
    await bot.slack.settle(0.5)
    assert len(bot.slack.of("chat.postMessage")) == answered


async def test_the_bots_own_and_other_bots_messages_are_ignored(bot: SlackBot) -> None:
    for event in (
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D1",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "ヘルプ",
            "ts": "1.1",
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "channel_type": "im",
            "channel": "D1",
            "bot_id": "BOTHER",
            "text": "ヘルプ",
            "ts": "1.2",
        },
    ):
        assert (await bot.event(event)).status == 200
    await bot.slack.settle()
    assert bot.slack.of("chat.postMessage") == []


async def test_a_repeated_button_payload_is_answered_once(bot: SlackBot) -> None:
    from tests.bot.channels.slack.conftest import find_action
    from tests.bot.channels.slack.person import SlackPerson

    yamada = SlackPerson(bot, STAFF)
    await yamada.say("ヘルプ")
    menu = yamada.message_with("入力してよいか確認")
    action = find_action(menu, "入力してよいか確認")
    payload = {
        "type": "block_actions",
        "team": {"id": bot.team},
        "user": {"id": STAFF, "team_id": bot.team},
        "api_app_id": "A1",
        "trigger_id": "trigger-repeated",
        "container": {"type": "message", "message_ts": menu["ts"], "channel_id": yamada.dm},
        "channel": {"id": yamada.dm},
        "message": {"ts": menu["ts"], "blocks": menu["blocks"]},
        "response_url": bot.slack.response_url("repeated"),
        "actions": [{**action, "action_ts": "1700000000.000001"}],
    }
    counts = []
    for _ in range(2):  # Slack sent the same press twice
        assert (await bot.interaction(payload)).status == 200
        await yamada.quiet()
        counts.append((len(bot.slack.of("chat.postMessage")), len(bot.slack.of("chat.update"))))
    assert counts[0] == counts[1]  # the second one added nothing
    assert counts[0][1] == 1  # the pressed question was replaced once

"""Socket Mode: the bot dials out to a loopback WebSocket playing Slack's side, with no
inbound Slack routes; envelopes are acknowledged and answered, and a `disconnect` envelope
makes it reconnect on a fresh URL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot.channels.slack.conftest import STAFF, SlackBot, start_bot, text_of
from tests.bot.channels.slack.fake_slack import TEAM, FakeSlack
from tests.conftest import Database


@pytest.fixture
async def socket_bot(
    database: Database, fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[SlackBot]:
    runtime, server = await start_bot(
        database, fake_slack, tmp_path, slack_app_token="xapp-1-test", slack_signing_secret=None
    )
    async with aiohttp.ClientSession() as http:
        yield SlackBot(runtime, server, fake_slack, http)
    await server.close()


def envelope(envelope_id: str, text: str) -> dict[str, object]:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "payload": {
            "team_id": TEAM,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{envelope_id}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{STAFF}",
                "user": STAFF,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        },
    }


async def test_events_over_socket_mode_are_acknowledged_and_answered(socket_bot: SlackBot) -> None:
    slack = socket_bot.slack
    await slack.wait_for("socket.connected")
    assert slack.of("apps.connections.open")[0].token == "xapp-1-test"
    async with socket_bot.http.post(socket_bot.url("/slack/events"), data="{}") as response:
        assert response.status in (404, 405)  # no inbound Slack route in Socket Mode

    await slack.sockets[-1].send_json(envelope("e1", "ヘルプ"))
    [ack] = await slack.wait_for("socket.ack")
    assert ack.params["envelope_id"] == "e1"
    [reply, *_] = await slack.wait_for("chat.postMessage")
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in text_of(reply.params)

    # Slack asks the app to move to a new connection.
    await slack.sockets[-1].send_json({"type": "disconnect", "reason": "refresh_requested"})
    await slack.wait_for("socket.connected", 2)
    assert len(slack.of("apps.connections.open")) == 2
    posted = len(slack.of("chat.postMessage"))
    await slack.sockets[-1].send_json(envelope("e2", "ヘルプ"))
    await slack.wait_for("chat.postMessage", posted + 1)

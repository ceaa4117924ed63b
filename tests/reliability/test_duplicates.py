"""The same Slack event, and the same Teams button press, delivered 1,000 times at once (a
platform retrying, a proxy repeating): one effect — one answer, one stored turn, one report.
The real server over HTTP, bolt / the Agents SDK, the router and the database."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
from microsoft_agents.activity import Activity
from sqlmodel import col, func, select

from bot.channels.slack import SLACK, adapter
from bot.channels.slack.channel import SlackChannel
from bot.channels.teams import adapter as teams_adapter
from bot.runtime import Runtime
from storage.conversations import ConversationKey, load_conversation
from storage.db import transaction
from storage.models import OutboxMessage, ProcessedEvent, RiskReport
from tests.bot.channels.slack.conftest import ADMIN, STAFF, SlackBot, sign, start_bot
from tests.bot.channels.slack.fake_slack import FakeSlack, slack_user
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.teams.conftest import YAMADA, TeamsPerson, serve, teams_runtime
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.conftest import SAMPLE_TENANT, Database

TIMES = 1000


async def flood(url: str, body: bytes, headers: dict[str, str]) -> list[int]:
    """POST the same request TIMES times, all at once; the statuses."""
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def once() -> int:
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        return await asyncio.gather(*(once() for _ in range(TIMES)))


async def settled(channel: SlackChannel) -> None:
    """Until the work after the acknowledgements is done."""
    calm = 0
    for _ in range(3000):
        await asyncio.sleep(0.05)
        calm = calm + 1 if not channel.tasks else 0
        if calm >= 5:
            return
    raise AssertionError("the bot kept working")


async def count(runtime: Runtime, *where: object, model: type = ProcessedEvent) -> int:
    async with transaction(runtime.sessions) as session:
        return int(
            (await session.exec(select(func.count()).select_from(model).where(*where))).one()
        )


async def test_one_slack_event_delivered_a_thousand_times_is_answered_and_stored_once(
    database: Database, tmp_path: Path
) -> None:
    slack = FakeSlack()
    for user, name in ((STAFF, "山田 花子"), (ADMIN, "佐藤 次郎")):
        slack.users[user] = slack_user(user, name, division="税務課")
    await slack.start()
    runtime, server = await start_bot(database, slack, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            bot = SlackBot(runtime, server, slack, http)
            # What one delivery of the answer does, for someone else at the same question.
            sato = SlackPerson(bot, ADMIN)
            await sato.say("報告したい")
            once = await sato.say("内線2110")
            yamada = SlackPerson(bot, STAFF)
            await yamada.say("報告したい")
            key = ConversationKey(SAMPLE_TENANT, "slack", STAFF, adapter.CONVERSATION)
            async with transaction(runtime.sessions) as session:
                version = (await load_conversation(session, key)).version

            envelope = {
                "token": "unused",
                "team_id": bot.team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": "EvSameEverywhere",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": bot.team, "user_id": "UBOT", "is_bot": True}],
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": f"D{STAFF}",
                    "user": STAFF,
                    "text": "内線3456",
                    "ts": f"{time.time():.6f}",
                },
            }
            body = json.dumps(envelope)
            headers = {**sign(body), "Content-Type": "application/json"}
            before = len(slack.calls)
            started = time.monotonic()
            statuses = await flood(bot.url("/slack/events"), body.encode(), headers)
            acked = time.monotonic() - started
            await settled(server.app[SLACK])
            done = time.monotonic() - started
            answers = [
                c
                for c in slack.calls[before:]
                if c.method == "chat.postMessage" and c.params["channel"] == f"D{STAFF}"
            ]
            async with transaction(runtime.sessions) as session:
                after = await load_conversation(session, key)
            stored = await count(runtime, col(ProcessedEvent.event_id) == "ev:EvSameEverywhere")
    finally:
        await server.close()
        await slack.stop()

    assert statuses == [200] * TIMES  # each delivery acknowledged
    assert len(answers) == len(once)  # answered as one delivery is
    assert [c.params["text"] for c in answers] == [m["text"] for m in once]
    assert stored == 1
    assert after.version == version + 1  # the form moved on by one question
    print(
        f"\nSlack: {TIMES} deliveries of one event → {len(answers)} answer(s), 1 stored turn "
        f"(all acknowledged in {acked:.1f} s, handled in {done:.1f} s)"
    )


async def test_one_teams_button_press_delivered_a_thousand_times_files_one_report(
    database: Database, tmp_path: Path
) -> None:
    farend = FarEnd(SigningKey())
    await farend.start()
    runtime = await teams_runtime(database, farend, tmp_path)
    server = await serve(runtime)
    try:
        yamada = TeamsPerson(server, farend, YAMADA, "山田 花子")
        await yamada.say("報告したい")
        await yamada.choose("税務課")
        await yamada.say("内線3456")
        for answer in ("Microsoft 365 Copilot Chat", "スキップ", "今日"):
            await yamada.choose(answer)
        await yamada.choose("攻撃的・危険な内容")
        await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
        for answer in ("スキップ", "入力していない", "庁内だけ", "重大ではないと思う", "スキップ"):
            await yamada.choose(answer)
        assert "の内容を確認してください" in yamada.text, yamada.text

        posted, action = yamada.action("送信")
        value = {
            "action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}
        }
        invoke = yamada.activity(
            type="invoke", name="adaptiveCard/action", value=value, replyToId=posted.activity_id
        )
        headers = {
            "Authorization": f"Bearer {farend.token(runtime.settings.teams_app_id or '')}",
            "Content-Type": "application/json",
        }
        pressed_id = teams_adapter.event_id(Activity.model_validate(invoke))
        before = len(farend.posted)
        started = time.monotonic()
        statuses = await flood(server.url, json.dumps(invoke).encode(), headers)
        answered = time.monotonic() - started
        reports = await count(runtime, model=RiskReport)
        filed = await count(
            runtime, col(OutboxMessage.key) == "report:1:filed", model=OutboxMessage
        )
        stored = await count(
            runtime,
            col(ProcessedEvent.channel) == "teams",
            col(ProcessedEvent.event_id) == pressed_id,
        )
        later = farend.posted[before:]
    finally:
        await server.runner.cleanup()
        await farend.stop()

    assert set(statuses) == {200}
    assert reports == 1 and filed == 1
    assert stored == 1
    # At most the one answer (the card replaced by the receipt); the repeats add nothing.
    assert len(later) <= 2, [p.method for p in later]
    print(
        f"\nTeams: {TIMES} deliveries of one press → {reports} report, {len(later)} post(s) "
        f"(answered in {answered:.1f} s)"
    )

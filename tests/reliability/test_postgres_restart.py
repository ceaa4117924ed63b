"""PostgreSQL going away and coming back while the bot runs (a cluster of the test's own,
restarted under it): /readyz says not ready meanwhile, people are told to try again instead
of getting silence, the bot recovers by itself, and no turn is half-written — each turn's
state and its event id are committed together or not at all.

Runs with the PostgreSQL variants (AIGUIDE_TEST_POSTGRES_URL set, as in CI) where the server
binaries (initdb, pg_ctl) are installed, as on the CI image."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, func, select

from bot.channels.slack import adapter
from storage.conversations import ConversationKey, load_conversation
from storage.db import transaction
from storage.migrate import upgrade
from storage.models import ProcessedEvent
from tests.bot.channels.slack.conftest import STAFF, SlackBot, start_bot
from tests.bot.channels.slack.fake_slack import FakeSlack, slack_user
from tests.bot.channels.slack.person import SlackPerson
from tests.conftest import BACKENDS, SAMPLE_TENANT, Database
from tests.reliability.throwaway_postgres import Cluster, new_cluster, remove, server_binaries

BINARIES = server_binaries()
pytestmark = [
    pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL variants are off"),
    pytest.mark.skipif(BINARIES is None, reason="no PostgreSQL server binaries (initdb)"),
]
ERROR = "処理中に問題が発生しました"
PEOPLE = 30


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    assert BINARIES is not None
    made = new_cluster(BINARIES)
    try:
        await asyncio.to_thread(made.init)
        await asyncio.to_thread(made.start)
        yield made
    finally:
        await asyncio.to_thread(remove, made)


async def ready(bot: SlackBot) -> int:
    async with bot.http.get(bot.url("/readyz")) as response:
        return response.status


async def until_ready(bot: SlackBot, seconds: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await ready(bot) == 200:
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError("/readyz did not come back")


async def test_postgres_restarted_under_the_bot(cluster: Cluster, tmp_path: Path) -> None:
    database = Database(cluster.url)
    await asyncio.to_thread(upgrade, database.url)
    slack = FakeSlack()
    people = [f"UP{n:03d}" for n in range(PEOPLE)]
    for user in [STAFF, *people]:
        slack.users[user] = slack_user(user, f"職員 {user}", division="税務課")
    await slack.start()
    runtime, server = await start_bot(database, slack, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            bot = SlackBot(runtime, server, slack, http)
            yamada = SlackPerson(bot, STAFF)
            assert await ready(bot) == 200
            await yamada.say("報告したい")
            await yamada.say("内線3456")
            assert "Microsoft 365 Copilot Chat" in yamada.labels
            asked = yamada.last

            # Down: not ready, and a person is told to try again; nothing of it is kept.
            await asyncio.to_thread(cluster.stop, "fast")
            assert await ready(bot) == 503
            await yamada.press("Microsoft 365 Copilot Chat")
            assert ERROR in yamada.text, yamada.text
            await asyncio.to_thread(cluster.start)
            back_after = await until_ready(bot)
            yamada.last = asked
            await yamada.press("Microsoft 365 Copilot Chat")  # the same button, again
            assert "発生日" in yamada.text or "いつ" in yamada.text, yamada.text

            # Killed in the middle of many turns (immediate: no transaction gets to finish).
            before = len(slack.calls)
            sends = [bot.dm(user, "プロフィール", event_id=f"EvPg-{user}") for user in people]
            statuses = [r.status for r in await asyncio.gather(*sends)]
            await asyncio.sleep(0.3)
            await asyncio.to_thread(cluster.stop, "immediate")
            await asyncio.to_thread(cluster.start)
            restarted_after = await until_ready(bot)
            await SlackPerson(bot, people[0]).quiet()
            answered = {
                c.params["channel"].removeprefix("D"): c.params["text"]
                for c in slack.calls[before:]
                if c.method == "chat.postMessage"
            }
            # Each person's turn: its state and its event id, both or neither.
            whole, refused = 0, 0
            async with transaction(runtime.sessions) as session:
                for user in people:
                    key = ConversationKey(SAMPLE_TENANT, "slack", user, adapter.CONVERSATION)
                    stored = await load_conversation(session, key)
                    claimed = (
                        await session.exec(
                            select(func.count()).where(
                                col(ProcessedEvent.event_id) == f"ev:EvPg-{user}"
                            )
                        )
                    ).one()
                    assert stored.version == claimed, (user, stored.version, claimed)
                    whole += claimed
                    refused += not claimed
    finally:
        await server.close()
        await slack.stop()

    assert back_after < 30 and restarted_after < 30
    assert statuses == [200] * PEOPLE
    silent = [user for user in people if user not in answered]
    failed = [user for user, text in answered.items() if ERROR in text]
    print(
        f"\nPostgreSQL stopped and restarted twice under the bot: ready again after "
        f"{back_after:.1f} s / {restarted_after:.1f} s without a restart of the bot; of "
        f"{PEOPLE} turns cut by an immediate shutdown {whole} committed whole, {refused} not "
        f"at all ({len(failed)} told to retry, {len(silent)} unanswered), none half-written"
    )
    assert not silent, silent  # everyone hears something

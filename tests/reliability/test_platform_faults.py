"""Slack, the Bot Connector and the mail server answering 500, 429 with Retry-After, or not at
all for a while: once they recover everything is delivered, once, and in order within each
report thread. The real server, bolt, router and database; only the far ends misbehave."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot.channels.slack.conftest import (
    ADMIN,
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    STAFF,
    SlackBot,
    start_bot,
)
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.teams.conftest import POLICY_CHANNEL as TEAMS_POLICY_CHANNEL
from tests.bot.channels.teams.conftest import (
    SATO,
    YAMADA,
    TeamsPerson,
    serve,
    teams_runtime,
)
from tests.bot.channels.teams.farend import SigningKey, shown
from tests.bot.channels.teams.test_channels import channel_person, file_report, install_in_team
from tests.conftest import Database
from tests.farends import town_slack
from tests.reliability.farends import FaultyFarEnd, FaultySlack, faults
from tests.reliability.scenes import CAIO_MAIL, deliver_until_done, file_serious_report, outbox
from tests.smtp import HOST, FakeSmtp

# Short enough for a test: a call unanswered for LEASE/2 seconds is given up (a failed
# attempt), and the lease of a process that died is over after LEASE seconds.
LEASE = 2.0


@pytest.fixture
async def slack() -> AsyncIterator[FaultySlack]:
    async with town_slack(FaultySlack()) as fake:
        yield fake


@pytest.fixture
async def bot(
    database: Database, slack: FaultySlack, smtp: FakeSmtp, tmp_path: Path
) -> AsyncIterator[SlackBot]:
    runtime, server = await start_bot(
        database,
        slack,
        tmp_path,
        smtp_host=HOST,
        smtp_port=smtp.port,
        smtp_timeout=LEASE / 4,
        outbox_lease_seconds=LEASE,
        outbox_max_attempts=50,
    )
    async with aiohttp.ClientSession() as http:
        yield SlackBot(runtime, server, slack, http)
    await server.close()


def in_order(accepted: list[str], queued: list[str]) -> bool:
    """`queued` (a thread's messages in the order they were written) is what was accepted, in
    that order."""
    return [key for key in accepted if key in queued] == queued


async def test_slack_and_mail_down_for_a_while_lose_nothing_and_keep_each_thread_in_order(
    bot: SlackBot, slack: FaultySlack, smtp: FakeSmtp
) -> None:
    yamada, sato = SlackPerson(bot, STAFF), SlackPerson(bot, ADMIN)
    number = await file_serious_report(yamada)
    # Slack and the mail server fail from the first delivery on: errors, throttling beyond
    # what the client retries itself, calls that never come back.
    slack.faults["chat.postMessage"] = [
        *faults("500", 2),
        *faults("429", 3, seconds=1),
        *faults("hang", 2, seconds=LEASE),
        *faults("500", 1),
    ]
    smtp.faults = ["554", "hang", "554", "hang"]
    smtp.hang_seconds = LEASE
    passes = await deliver_until_done(bot.runtime)

    [summary] = [p for p in bot.posts_to(POLICY_CHANNEL) if p.get("thread_ts") is None]
    assert number in str(summary["blocks"])
    # The policy division works the report while Slack fails again: two more steps, each a
    # reply in the thread and a message to the reporter.
    before = len(slack.calls)
    for step in ("受付", "完了"):
        assert (await bot.press(ADMIN, summary, step, channel=POLICY_CHANNEL)).status == 200
        await sato.quiet()
    assert not [c for c in slack.calls[before:] if c.method == "chat.postMessage"]  # queued
    # The first reply fails once; the ones after it must wait for it, not overtake it.
    slack.faults["chat.postMessage"] = faults("500", 1)
    passes += await deliver_until_done(bot.runtime)

    every = await outbox(bot.runtime)
    assert all(row.sent_at is not None and row.dead_at is None for row in every)
    # App Home redraws (kind "home", the key's first part) go out by views.publish, not as
    # messages: the order checks are the messages'; the Home was still drawn after the failures.
    homes = [row for row in every if row.key.startswith("home:")]
    assert homes and slack.of("views.publish")
    rows = [row for row in every if row not in homes]
    accepted = slack.outbox_keys()
    counts = Counter(accepted)
    slack_keys = [row.key for row in rows if row.channel == "slack"]
    assert sorted(counts) == sorted(slack_keys)
    assert set(counts.values()) == {1}, counts  # nothing twice: the failures accepted nothing
    for thread in {row.thread_key for row in rows if row.thread_key}:
        written = [row.key for row in rows if row.thread_key == thread]
        assert in_order(accepted, written), (thread, written, accepted)
    to_yamada = [row.key for row in rows if row.target == f"user:{STAFF}"]
    assert in_order(accepted, to_yamada), (to_yamada, accepted)
    policy = [p for p in bot.posts_to(POLICY_CHANNEL) if p.get("thread_ts")]
    assert len(policy) == 3 and all(p["thread_ts"] == summary["ts"] for p in policy)
    assert len(bot.posts_to(CAIO_CHANNEL)) == 1
    [mail] = smtp.to(CAIO_MAIL)
    assert number in mail.subject
    refused = len(slack.refused_calls) + smtp.attempts - len(smtp.mails)
    print(
        f"\nfaults survived: Slack {len(slack.refused_calls)} refused/hung calls "
        f"{Counter(kind for _, kind in slack.refused_calls)}, mail {smtp.attempts - 1} failed "
        f"attempts; {len(rows)} messages delivered once each in {passes} passes"
    )
    assert refused >= 13


@pytest.fixture
async def farend() -> AsyncIterator[FaultyFarEnd]:
    far = FaultyFarEnd(SigningKey())
    await far.start()
    yield far
    await far.stop()


async def test_the_bot_connector_down_for_a_while_loses_nothing_and_keeps_the_thread_in_order(
    database: Database, farend: FaultyFarEnd, tmp_path: Path
) -> None:
    runtime = await teams_runtime(database, farend, tmp_path, outbox_lease_seconds=LEASE)
    server = await serve(runtime)
    try:
        await install_in_team(server, farend)
        yamada = TeamsPerson(server, farend, YAMADA, "山田 花子")
        number = await file_report(yamada)
        farend.faults = [
            *faults("500", 2),
            *faults("hang", 2, seconds=LEASE),
            *faults("429", 5, seconds=0.5),  # four are waited out in place, then the outbox waits
            *faults("500", 1),
        ]
        passes = await deliver_until_done(runtime)
        [opened] = [p for p in farend.posted if p.method == "create"]
        assert number in shown(opened.activity)

        sato = channel_person(
            server, farend, SATO, "佐藤 健", opened.conversation_id, TEAMS_POLICY_CHANNEL
        )
        for step in ("受付", "完了"):
            await sato.press(step)
            assert number in sato.text, sato.text
        farend.faults = faults("500", 1)  # the first reply fails once: the next must wait
        passes += await deliver_until_done(runtime)

        rows = await outbox(runtime)
        assert all(row.sent_at is not None and row.dead_at is None for row in rows)
        accepted = farend.outbox_keys()
        counts = Counter(key for _, key in accepted)
        assert sorted(counts) == sorted(row.key for row in rows if row.channel == "teams")
        assert set(counts.values()) == {1}, counts
        thread = [row.key for row in rows if row.thread_key]
        assert len(thread) == 3
        assert in_order([key for _, key in accepted], thread), (thread, accepted)
        in_thread = {conversation for conversation, key in accepted if key in thread}
        assert in_thread == {opened.conversation_id}
        print(
            f"\nfaults survived: Bot Connector {len(farend.refused_calls)} refused/hung calls "
            f"{Counter(farend.refused_calls)}; {len(rows)} messages delivered once each in "
            f"{passes} passes"
        )
        assert len(farend.refused_calls) == 11
    finally:
        await server.runner.cleanup()

"""SIGKILL of a real `aiguide serve` in the middle of a form and in the middle of delivering a
serious report's notifications: after a restart no answer and no notification is lost, and
what reaches a platform twice is only what was in flight at the kill (at-least-once), each
repeat carrying the same outbox key (Slack metadata, the mail's Message-ID)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.runtime import Runtime
from storage.db import transaction
from storage.models import RiskReport
from tests.bot.channels.slack.conftest import ADMIN, CAIO_CHANNEL, POLICY_CHANNEL, STAFF
from tests.bot.channels.slack.fake_slack import slack_user
from tests.bot.test_serve import Server, kill
from tests.conftest import Database, settings_for
from tests.reliability.farends import FaultySlack, faults
from tests.reliability.remote import RemotePerson, serve_environment, slack_bot, start
from tests.reliability.scenes import CAIO_MAIL, COPILOT, outbox, pending
from tests.smtp import FakeSmtp

# A call the delivery still waits for after LEASE/2 s is given up; a dead process's lease on
# a message is over after LEASE s. The slow far end answers after SLOW s (< LEASE/2).
LEASE = 8
SLOW = 3.0
WHAT = "住民向け案内文の下書きに攻撃的な表現が出力された"


@pytest.fixture
async def slack() -> AsyncIterator[FaultySlack]:
    fake = FaultySlack()
    fake.users[STAFF] = slack_user(
        STAFF, "山田 花子", email="yamada@example.lg.jp", division="税務課"
    )
    fake.users[ADMIN] = slack_user(ADMIN, "佐藤 次郎", email="sato@example.lg.jp")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def servers() -> AsyncIterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        await asyncio.to_thread(kill, server)


async def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition() if asyncio.iscoroutinefunction(condition) else condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def sigkill(server: Server) -> None:
    server.process.kill()  # SIGKILL: no shutdown, no cleanup, transactions cut off
    server.process.wait(timeout=30)


async def test_sigkill_mid_form_and_mid_delivery_loses_nothing(
    database: Database,
    slack: FaultySlack,
    smtp: FakeSmtp,
    servers: list[Server],
    tmp_path: Path,
) -> None:
    env = serve_environment(
        database, slack, smtp, tmp_path, AIGUIDE_OUTBOX_LEASE_SECONDS=str(LEASE)
    )
    reader = Runtime.create(settings_for(database))
    async with aiohttp.ClientSession() as http:
        try:
            servers.append(first := await start(env))
            yamada = RemotePerson(slack_bot(first, slack, http), STAFF)
            await yamada.say("報告したい")
            await yamada.say("内線3456")
            await yamada.press(COPILOT)
            await yamada.press("スキップ")
            await yamada.press("今日")
            await yamada.press("攻撃的・危険な内容")
            # The answer is saved; the reply showing the next question is on its way when
            # the process is killed.
            slack.faults["chat.postMessage"] = faults("slow", 1, SLOW)
            before = len(slack.calls)
            event = "EvKilledMidForm"
            assert (await yamada.bot.dm(STAFF, WHAT, event_id=event)).status == 200
            await wait_until(
                lambda: ("chat.postMessage", "") in slack.arrived[before:], 30, "the reply"
            )
            sigkill(first)

            servers.append(second := await start(env))
            yamada.bot = slack_bot(second, slack, http)
            # Slack retries the event it got no answer to in time: handled already, so no
            # second answer and the answer is not stored twice.
            retried = len(slack.calls)
            headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            response = await yamada.bot.dm(STAFF, WHAT, event_id=event, headers=headers)
            assert response.status == 200
            await asyncio.sleep(1.5)
            assert yamada.posted_since(retried) == []
            yamada.last = yamada.posted_since(before)  # the question that got through
            await yamada.press("スキップ")
            await yamada.press("入力していない")
            await yamada.press("庁内だけ")
            await yamada.press("重大だと思う")
            await yamada.press("スキップ")
            review = yamada.text
            assert "内線3456" in review and WHAT in review and COPILOT in review, review

            # Submitting a serious case: the CAIO's post and mail go first (urgent), slowly.
            slack.faults["outbox"] = faults("slow", 1, SLOW)
            smtp.faults, smtp.hang_seconds = ["slow"], SLOW
            mark = len(slack.arrived)
            await yamada.press("送信")
            assert "として情報政策課に報告しました" in yamada.text, yamada.text

            def in_flight() -> bool:
                keys = [key for method, key in slack.arrived[mark:] if key]
                return bool(keys) and smtp.attempts >= 1

            await wait_until(in_flight, 30, "a post and a mail in flight")
            sigkill(second)
            flying = {key for _, key in slack.arrived[mark:] if key}
            flying |= {str(m.message["X-Aiguide-Outbox-Key"]) for m in smtp.mails}
            unrecorded = {m.key for m in await outbox(reader) if m.sent_at is None}
            in_flight_at_kill = flying & unrecorded

            servers.append(await start(env))

            async def all_sent() -> bool:
                return not await pending(reader)

            await wait_until(all_sent, LEASE * 4, "every notification delivered")
            rows = await outbox(reader)
            async with transaction(reader.sessions) as session:
                reports = (await session.exec(RiskReport.__table__.select())).all()  # type: ignore[attr-defined]
        finally:
            await reader.close()

    assert len(reports) == 1  # one report, whatever was retried
    slack_counts = Counter(slack.outbox_keys())
    mail_counts = Counter(str(m.message["X-Aiguide-Outbox-Key"]) for m in smtp.mails)
    message_ids = Counter(str(m.message["Message-ID"]) for m in smtp.mails)
    delivered = slack_counts + mail_counts
    # Nothing lost: every notification reached its platform.
    # (App Home redraws, kind "home", go out by views.publish and carry no message key.)
    messages = {row.key for row in rows if not row.key.startswith("home:")}
    assert {row.key for row in rows if row.channel in ("slack", "email")} & messages <= set(
        delivered
    )
    assert all(row.sent_at is not None for row in rows)
    assert any(key.startswith("report:") for key in slack_counts)
    assert yamada.bot.posts_to(CAIO_CHANNEL)  # the CAIO's channel has the case
    assert any(p.get("thread_ts") is None for p in yamada.bot.posts_to(POLICY_CHANNEL))
    assert mail_counts and all(CAIO_MAIL in m.recipients for m in smtp.mails)
    # Twice only what was in flight when the process died; a repeated mail has the same
    # Message-ID, a repeated post the same key, so the far end can tell.
    duplicated = {key for key, n in delivered.items() if n > 1}
    assert duplicated <= in_flight_at_kill, (duplicated, in_flight_at_kill)
    assert all(n <= 2 for n in delivered.values()), delivered
    assert len(message_ids) == len(mail_counts)
    print(
        f"\nSIGKILL ×2 survived: form answers kept, retried event answered once; "
        f"{len(rows)} notifications, {len(in_flight_at_kill)} in flight at the kill, "
        f"{sum(n - 1 for n in delivered.values())} delivered twice ({sorted(duplicated)})"
    )

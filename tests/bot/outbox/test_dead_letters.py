"""A message that keeps failing is dead after the set number of attempts: it stops retrying,
a WARNING names it (ids, never its text), `aiguide outbox list --dead` shows it and
`aiguide outbox retry ID` revives it; a dead post for the CAIO's or the policy division's
channel is mailed to the policy contact instead."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.outbox.deliverers import LocalDeliverer, Outgoing
from bot.outbox.delivery import Delivery
from bot.runtime import Runtime
from storage.addresses import CAIO
from storage.db import transaction
from storage.migrate import upgrade
from storage.models import utcnow
from storage.outbox import list_messages, revive
from tests.bot.outbox.helpers import as_utc, outbox_row, queue, registry, threads
from tests.cli import aiguide, sqlite_at
from tests.conftest import Database, start_runtime

POLICY_MAIL = "johoseisaku@city.sakura.example.lg.jp"
CASE = "RC-2026-0001 重大なリスクケース"


class Down:
    """A platform that refuses every post until it is back."""

    def __init__(self, runtime: Runtime) -> None:
        self.local = LocalDeliverer(runtime.sessions)
        self.up = False
        self.attempts = 0

    async def deliver(self, message: Outgoing) -> str:
        self.attempts += 1
        if not self.up:
            raise ConnectionError("channel_not_found")
        return await self.local.deliver(message)


async def fail_until_dead(runtime: Runtime, delivery: Delivery, key: str, attempts: int) -> None:
    now = utcnow() + timedelta(seconds=1)
    for _ in range(attempts):
        await delivery.run_once(now)
        row = await outbox_row(runtime, key)
        now = as_utc(row.next_attempt_at)


async def test_a_caio_post_that_keeps_failing_is_dead_and_mailed_to_the_policy_contact(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Down(runtime)
    delivery = Delivery(
        runtime.sessions,
        registry(local=platform, email=LocalDeliverer(runtime.sessions)),
        max_attempts=3,
        on_dead=runtime._dead_letter,
    )
    await queue(runtime, "report:1:caio:filed", "", CASE, utcnow(), address=CAIO)
    with caplog.at_level(logging.INFO):
        await fail_until_dead(runtime, delivery, "report:1:caio:filed", 3)

    row = await outbox_row(runtime, "report:1:caio:filed")
    assert row.attempts == 3 and row.dead_at is not None and row.sent_at is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"outbox {row.id}" in w and "dead after 3 attempts" in w for w in warnings)
    assert all(CASE not in r.getMessage() for r in caplog.records)  # never what it says

    # No more attempts, however many passes.
    for hours in (1, 5, 24):
        await delivery.run_once(utcnow() + timedelta(hours=hours))
    assert platform.attempts == 3

    # The policy contact got it by mail (here the local mailbox: no SMTP server is set).
    [thread] = await threads(runtime, f"mail:{POLICY_MAIL}")
    mail = thread.post.body
    assert (
        mail["subject"] == "[aiguide] CAIO のチャンネルへの投稿を配信できませんでした（3 回失敗）"
    )
    assert CASE in mail["text"]
    assert f"aiguide outbox retry {row.id}" in mail["text"]

    # Revived, it is tried again from the first attempt, and now it goes through.
    platform.up = True
    async with transaction(runtime.sessions) as session:
        assert [m.key for m in await list_messages(session, dead=True)] == [row.key]
    async with transaction(runtime.sessions) as session:
        assert await revive(session, row.id or 0, utcnow())
    assert await delivery.run_once(utcnow() + timedelta(seconds=1)) == 1
    [posted] = await threads(runtime, "caio")
    assert posted.post.body["text"] == CASE


async def test_a_dead_message_to_a_person_is_not_mailed_to_anyone(runtime: Runtime) -> None:
    delivery = Delivery(
        runtime.sessions,
        registry(local=Down(runtime), email=LocalDeliverer(runtime.sessions)),
        max_attempts=2,
        on_dead=runtime._dead_letter,
    )
    await queue(runtime, "notice", "yamada", "お知らせ", utcnow())
    await fail_until_dead(runtime, delivery, "notice", 2)
    assert (await outbox_row(runtime, "notice")).dead_at is not None
    assert await threads(runtime, f"mail:{POLICY_MAIL}") == []


def test_outbox_list_dead_and_retry_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    upgrade(f"sqlite+aiosqlite:///{path}")

    async def a_dead_message() -> int:
        runtime = await start_runtime(Database(f"sqlite+aiosqlite:///{path}"))
        try:
            delivery = Delivery(runtime.sessions, registry(local=Down(runtime)), max_attempts=1)
            await queue(runtime, "notice", "yamada", "お知らせ", utcnow())
            await fail_until_dead(runtime, delivery, "notice", 1)
            return (await outbox_row(runtime, "notice")).id or 0
        finally:
            await runtime.close()

    dead_id = asyncio.run(a_dead_message())
    env = sqlite_at(path)

    listed = aiguide("outbox", "list", "--dead", env=env)
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert line.startswith(f"{dead_id}\t") and "user:yamada" in line and "試行=1回" in line
    assert "配信停止" in line and "ConnectionError" in line
    assert "お知らせ" not in line  # why, never what
    waiting = aiguide("outbox", "list", env=env)
    assert waiting.stdout.strip() == "配信を待っているメッセージはありません"
    english = aiguide("outbox", "list", "--dead", "--lang", "en", env=env)
    assert "attempts=1" in english.stdout and "dead since" in english.stdout

    retried = aiguide("outbox", "retry", str(dead_id), env=env)
    assert retried.returncode == 0, retried.stderr
    assert f"{dead_id} をもう一度配信します" in retried.stdout
    dead = aiguide("outbox", "list", "--dead", env=env)
    assert dead.stdout.strip() == "配信を止めたメッセージはありません"
    assert aiguide("outbox", "list", env=env).stdout.startswith(f"{dead_id}\t")

    unknown = aiguide("outbox", "retry", "99999", env=env)
    assert unknown.returncode == 2
    assert "未配信の outbox メッセージ 99999 はありません" in unknown.stderr
    assert (
        "no unsent outbox message 99999"
        in aiguide("outbox", "retry", "99999", "--lang", "en", env=env).stderr
    )

    assert aiguide("tick", env=env).returncode == 0  # the real local channel delivers it
    delivered = aiguide("outbox", "list", env=env)
    assert delivered.stdout.strip() == "配信を待っているメッセージはありません"

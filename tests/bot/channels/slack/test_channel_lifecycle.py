"""The policy-division or CAIO channel deleted, archived or left, and the app uninstalled: the
policy contact is told by mail (once per event, however often Slack retries it), and what
was meant for a channel Slack refuses is mailed instead of being retried for hours."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, select

from storage.admin import audit_entries
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from tests.bot.channels.slack.conftest import (
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    STAFF,
    SlackBot,
    start_bot,
)
from tests.bot.channels.slack.fake_slack import FakeSlack
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_payloads import _check_logs
from tests.conftest import SAMPLE_TENANT, Database
from tests.farends import town_slack

POLICY_MAIL = "johoseisaku@city.sakura.example.lg.jp"


@dataclass
class ChannelsGoneSlack(FakeSlack):
    """Slack, where posting to some channels is refused with the error Slack gives."""

    refusing: dict[str, str] = field(default_factory=dict)

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        error = self.refusing.get(str(params.get("channel")))
        if method == "chat.postMessage" and error:
            return {"ok": False, "error": error}
        return super()._answer(method, params, token)


@pytest.fixture
async def gone_bot(database: Database, tmp_path: Path) -> AsyncIterator[SlackBot]:
    async with town_slack(ChannelsGoneSlack(), english=True) as slack:
        runtime, server = await start_bot(database, slack, tmp_path)
        async with aiohttp.ClientSession() as http:
            yield SlackBot(runtime, server, slack, http)
        await server.close()


async def _mails(bot: SlackBot) -> list[OutboxMessage]:
    async with transaction(bot.runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.channel) == "email")
        return list((await session.exec(statement.order_by(col(OutboxMessage.id)))).all())


async def _lost(bot: SlackBot) -> list[tuple[str, str, str, str, dict[str, Any], dict[str, Any]]]:
    async with transaction(bot.runtime.sessions) as session:
        entries = await audit_entries(session, SAMPLE_TENANT)
    return [
        (e.channel, e.actor, e.action, e.target, e.before, e.after)
        for e in entries
        if e.action.endswith("channel_lost")
    ]


async def _quiet(bot: SlackBot) -> None:
    await SlackPerson(bot, STAFF).quiet()


CHANNEL_EVENTS = {
    "channel_deleted": ("deleted", {"type": "channel_deleted"}),
    "channel_archive": ("archived", {"type": "channel_archive", "user": "UADMIN"}),
    "channel_left": ("left", {"type": "channel_left", "actor_id": "UADMIN"}),
    "group_deleted": ("deleted", {"type": "group_deleted"}),
    "group_archive": ("archived", {"type": "group_archive"}),
    "group_left": ("left", {"type": "group_left"}),
}


@pytest.mark.parametrize("which", ["policy", "caio"])
@pytest.mark.parametrize("name", sorted(CHANNEL_EVENTS))
async def test_the_policy_contact_is_mailed_once_when_a_shared_channel_goes(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str, which: str
) -> None:
    caplog.set_level(logging.DEBUG)
    why, event = CHANNEL_EVENTS[name]
    gone = POLICY_CHANNEL if which == "policy" else CAIO_CHANNEL
    for _ in range(2):  # Slack's retry of the same event
        response = await bot.event(
            {**event, "channel": gone},
            event_id="EvGONE1",
            headers={"X-Slack-Retry-Num": "1"} if _ else None,
        )
        assert response.status == 200
        await _quiet(bot)
    [mail] = await _mails(bot)
    msg = bot.runtime.catalogs.for_locale("ja")
    assert mail.target == f"mail:{POLICY_MAIL}"
    label = msg.t(f"outbox.dead_mail.{which}")
    assert mail.body["subject"] == msg.t("slack.gone.subject", channel=label)
    assert gone in mail.body["text"] and msg.t(f"slack.gone.why.{why}") in mail.body["text"]
    assert f"[channels] {which}" in mail.body["text"]  # how to choose another one
    assert (msg.t("slack.gone.back") in mail.body["text"]) == (why == "archived")
    # In the audit log once, by whoever Slack says did it.
    actor = event.get("user") or event.get("actor_id") or "slack"
    after = {"removed": event["type"]}
    target = f"channel:{which}"
    assert await _lost(bot) == [
        ("slack", actor, "slack.channel_lost", target, {"channel": gone}, after)
    ]
    # Nobody in Slack is answered: these are notices, not turns.
    assert [c for c in bot.slack.calls if c.method == "chat.postMessage"] == []
    _check_logs(caplog)


@pytest.mark.parametrize("name", sorted(CHANNEL_EVENTS))
async def test_another_channel_going_is_no_concern(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG)
    _, event = CHANNEL_EVENTS[name]
    assert (await bot.event({**event, "channel": "CRANDOM"})).status == 200
    await _quiet(bot)
    assert await _mails(bot) == [] and await _lost(bot) == []
    _check_logs(caplog)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_the_policy_contact_is_mailed_when_the_app_leaves_the_workspace(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG)
    for retry in range(2):  # Slack's retry of the same event
        headers = {"X-Slack-Retry-Num": "1"} if retry else None
        assert (await bot.event(event, event_id="EvBYE", headers=headers)).status == 200
        await _quiet(bot)
    [mail] = await _mails(bot)
    msg = bot.runtime.catalogs.for_locale("ja")
    assert mail.target == f"mail:{POLICY_MAIL}"
    assert mail.body["subject"] == msg.t("slack.removed.subject", team=bot.team)
    assert bot.team in mail.body["text"]
    # In the audit log once: the workspace the municipality's posts can no longer reach.
    async with transaction(bot.runtime.sessions) as session:
        entries = await audit_entries(session, SAMPLE_TENANT)
    removed = [(e.action, e.target, e.after) for e in entries if e.action == "slack.app_removed"]
    assert removed == [("slack.app_removed", f"workspace:{bot.team}", {"removed": event["type"]})]
    _check_logs(caplog)


async def test_only_peoples_tokens_revoked_changes_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [STAFF], "bot": []}}
    assert (await bot.event(event)).status == 200
    await _quiet(bot)
    assert await _mails(bot) == []
    _check_logs(caplog)


@pytest.mark.parametrize(
    "error",
    ["is_archived", "channel_not_found", "not_in_channel", "account_inactive", "token_revoked"],
)
async def test_a_report_for_a_channel_slack_refuses_is_mailed_at_once_not_retried(
    gone_bot: SlackBot, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    from tests.bot.channels.slack.test_reports import file_report

    bot = gone_bot
    assert isinstance(bot.slack, ChannelsGoneSlack)
    bot.slack.refusing[POLICY_CHANNEL] = error
    number = await file_report(SlackPerson(bot, STAFF))
    caplog.set_level(logging.INFO)
    await bot.runtime.delivery.run_once()
    attempts = [c for c in bot.slack.calls if c.params.get("channel") == POLICY_CHANNEL]
    assert len(attempts) == 1
    # Later passes try it no more; the policy contact has it by mail.
    for hours in (1, 5):
        await bot.runtime.delivery.run_once(utcnow() + timedelta(hours=hours))
    assert [c for c in bot.slack.calls if c.params.get("channel") == POLICY_CHANNEL] == attempts
    mails = [m for m in await _mails(bot) if m.target == f"mail:{POLICY_MAIL}"]
    assert any(number in m.body.get("text", "") for m in mails), [m.body for m in mails]
    _check_logs(caplog)


async def test_a_report_backing_off_when_its_channel_is_deleted_is_mailed_at_once(
    gone_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.bot.channels.slack.test_reports import file_report

    bot = gone_bot
    assert isinstance(bot.slack, ChannelsGoneSlack)
    bot.slack.refusing[POLICY_CHANNEL] = "internal_error"  # Slack having a bad moment
    number = await file_report(SlackPerson(bot, STAFF))
    await bot.runtime.delivery.run_once()
    async with transaction(bot.runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.target) == "policy")
        waiting = (await session.exec(statement)).all()
    assert waiting and all(m.sent_at is None and m.dead_at is None for m in waiting)
    assert all(m.next_attempt_at > utcnow() for m in waiting)  # backing off

    bot.slack.refusing[POLICY_CHANNEL] = "channel_not_found"
    response = await bot.event({"type": "channel_deleted", "channel": POLICY_CHANNEL})
    assert response.status == 200
    await _quiet(bot)
    await bot.runtime.delivery.run_once()  # now, not after the backoff

    mails = [m for m in await _mails(bot) if m.target == f"mail:{POLICY_MAIL}"]
    assert any(number in m.body.get("text", "") for m in mails), [m.body for m in mails]
    _check_logs(caplog)

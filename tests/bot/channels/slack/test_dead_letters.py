"""Posts for the policy division's or the CAIO's Slack channel when none is set: not a passing
failure, so they are dead at once and mailed to the policy contact straight away, and the mail
says why and what to do — commands that exist, which, run as written, send the post again."""

from __future__ import annotations

import re
import shlex
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, select

from bot.cli.messages import help_text
from bot.cli.parser import build_parser
from bot.cli.tenants import tenants_command
from bot.outbox.cli import outbox_command
from dialogs.ui import Text
from storage.addresses import CAIO, address_of
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import enqueue
from tests.bot.channels.slack.conftest import (
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    STAFF,
    SlackBot,
    start_bot,
)
from tests.bot.channels.slack.fake_slack import TEAM, FakeSlack
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_channel_lifecycle import POLICY_MAIL, _mails
from tests.bot.channels.slack.test_reports import file_report
from tests.bot.channels.slack.test_workspaces import install, link
from tests.conftest import SAMPLE_TENANT, Database
from tests.towns import clear_channel

CAIO_NOTE = "重大なリスクケースのお知らせ（テスト）"


async def post_for(bot: SlackBot, which: str) -> str:
    """Something for that channel: a report's summary, or a note for the CAIO."""
    if which == "policy":
        return await file_report(SlackPerson(bot, STAFF))
    async with transaction(bot.runtime.sessions) as session:
        await enqueue(
            session,
            SAMPLE_TENANT,
            key="test:caio-note",
            channel="slack",
            address=CAIO,
            body=Text(CAIO_NOTE).to_dict(),
        )
    return CAIO_NOTE


async def rows(bot: SlackBot, target: str) -> list[OutboxMessage]:
    async with transaction(bot.runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.target) == target)
        return list((await session.exec(statement)).all())


async def run_as_written(bot: SlackBot, command: str) -> None:
    """A command from the mail, parsed by the real command line and run on the bot's database."""
    words = shlex.split(command)
    assert words[0] == "aiguide", command
    args = build_parser(help_text).parse_args(words[1:])  # exits on a command that is not
    run = tenants_command if args.command == "tenants" else outbox_command
    assert await run(bot.runtime, args) == 0, command


@pytest.mark.parametrize("which", ["policy", "caio"])
async def test_a_post_for_a_channel_not_set_is_mailed_at_once_saying_how_to_set_it(
    bot: SlackBot, which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clear_channel(bot.runtime.sessions, SAMPLE_TENANT, which)
    what = await post_for(bot, which)
    await bot.runtime.delivery.run_once()
    [dead] = await rows(bot, which)
    assert dead.dead_at is not None and dead.attempts == 1  # not retried ten times
    [mail] = [m for m in await _mails(bot) if m.target == f"mail:{POLICY_MAIL}"]
    subject, text = mail.body["subject"], mail.body["text"]
    assert what in text
    label = "情報政策課" if which == "policy" else "CAIO"
    assert label in subject and "チャンネルが選ばれていません" in subject
    assert "回失敗" not in subject and "回試しても" not in text
    assert f"[channels] {which}" in text  # the setting…
    commands = re.findall(r"`(aiguide [^`]+)`", text)  # …and the commands, in order
    assert [c.split()[1:3] for c in commands] == [
        ["tenants", "export"],
        ["tenants", "update"],
        ["outbox", "retry"],
    ]
    assert commands[-1] == f"aiguide outbox retry {dead.id}"

    # Doing what the mail says: the settings written out, the channel set, read in again, the
    # post sent again; it arrives in that channel.
    (tmp_path / "admin").mkdir()
    monkeypatch.chdir(tmp_path / "admin")
    await run_as_written(bot, commands[0])
    [written] = list((tmp_path / "admin").glob("*.toml"))
    channel = POLICY_CHANNEL if which == "policy" else CAIO_CHANNEL
    toml = written.read_text(encoding="utf-8")
    assert f'{which} = ""' in toml
    written.write_text(toml.replace(f'{which} = ""', f'{which} = "{channel}"'), encoding="utf-8")
    await run_as_written(bot, commands[1])
    await run_as_written(bot, commands[2])
    await bot.runtime.delivery.run_once()
    assert any(what in str(post) for post in bot.posts_to(channel)), bot.posts_to(channel)


@pytest.fixture
async def uninstalled(
    database: Database, fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[SlackBot]:
    """Several workspaces (OAuth), and the municipality's not installed yet."""
    runtime, server = await start_bot(
        database,
        fake_slack,
        tmp_path,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    )
    async with aiohttp.ClientSession() as http:
        yield SlackBot(runtime, server, fake_slack, http)
    await server.close()


async def test_before_the_app_is_installed_a_post_waits_but_one_with_no_channel_is_mailed(
    uninstalled: SlackBot,
) -> None:
    bot = uninstalled
    await clear_channel(bot.runtime.sessions, SAMPLE_TENANT, "policy")
    await post_for(bot, "caio")  # its channel is set: installing is all it waits for
    async with transaction(bot.runtime.sessions) as session:
        await enqueue(
            session,
            SAMPLE_TENANT,
            key="test:policy-note",
            channel="slack",
            address=address_of("policy"),
            body=Text("情報政策課へのお知らせ（テスト）").to_dict(),
        )
    await bot.runtime.delivery.run_once()
    [waiting] = await rows(bot, "caio")
    assert waiting.dead_at is None and waiting.sent_at is None
    [dead] = await rows(bot, "policy")  # no installation brings a channel: mailed now
    assert dead.dead_at is not None and dead.attempts == 1
    [mail] = [m for m in await _mails(bot) if m.target == f"mail:{POLICY_MAIL}"]
    assert "チャンネルが選ばれていません" in mail.body["subject"]

    await install(bot, TEAM, "xoxb-sakura")
    await link(bot, SAMPLE_TENANT, TEAM)
    await bot.runtime.delivery.run_once(utcnow() + timedelta(hours=1))
    assert [CAIO_NOTE in str(p) for p in bot.posts_to(CAIO_CHANNEL)] == [True]

"""Where the bot can no longer post: a channel deleted, a team archived or deleted, the app
removed. Posts there are not tried again and again: a shared channel's are mailed to the
policy contact (who is told at once that the channel is lost), a person's are dead at once;
adding the app again, or the channel or team coming back, makes them reach it again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select, update

from storage.admin import audit_entries
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import revive
from storage.teams import TeamsReference
from tests.bot.channels.teams.conftest import (
    APP_ID,
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    SATO,
    TEAM_ID,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import FarEnd, card_of
from tests.bot.channels.teams.test_channels import (
    channel_person,
    file_report,
    install_in_team,
    kept_channels,
    send_reminders,
)
from tests.conftest import SAMPLE_TENANT

POLICY_MAIL = "johoseisaku@city.sakura.example.lg.jp"
BOT = {"id": f"28:{APP_ID}", "name": "aiguide"}


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


def team_event(server: Server, farend: FarEnd, event: str, **channel: str) -> TeamsPerson:
    sato = channel_person(server, farend, SATO, "佐藤 健", TEAM_ID, TEAM_ID)
    sato.channel_data = {**sato.channel_data, "eventType": event}
    if channel:
        sato.channel_data["channel"] = channel
    else:
        sato.channel_data.pop("channel")
    return sato


async def mails(server: Server) -> list[dict[str, Any]]:
    async with transaction(server.runtime.sessions) as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.channel) == "email")
            .order_by(col(OutboxMessage.id))
        )
        found = rows.all()
    assert all(r.target == f"mail:{POLICY_MAIL}" for r in found)
    return [r.body for r in found]


async def teams_rows(server: Server) -> list[OutboxMessage]:
    async with transaction(server.runtime.sessions) as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.channel) == "teams")
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.all())


REMOVED = {
    "uninstalled": {"type": "installationUpdate", "action": "remove"},
    "uninstalled (upgrade)": {"type": "installationUpdate", "action": "remove-upgrade"},
    "bot removed": {"type": "conversationUpdate", "membersRemoved": [BOT]},
}


def creates(farend: FarEnd) -> list[str]:
    return [p.conversation_id for p in farend.posted if p.method == "create"]


async def test_a_deleted_policy_channel_is_mailed_about_and_its_posts_are_mailed_not_retried(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    first = await file_report(yamada)
    await server.runtime.deliver()
    assert creates(farend)[0].startswith(POLICY_CHANNEL + ";")
    gone = team_event(server, farend, "channelDeleted", id=POLICY_CHANNEL, name="報告")
    for _ in range(2):  # the Bot Connector retries: the policy contact is told once
        assert (await gone.post(gone.activity(type="conversationUpdate"))).status == 200
        assert gone.replies == []
    [told] = await mails(server)
    assert "投稿できなくなりました" in told["subject"]
    assert "「報告」" in told["text"] and "チャネルが削除されました" in told["text"]
    assert "チャネル設定" in told["text"]  # how to choose another one

    # The next report's summary is not tried at the gone channel: it is mailed at once.
    second = await file_report(yamada)
    await server.runtime.deliver()
    assert len(creates(farend)) == 1  # the gone channel was not even tried
    [dead] = [r for r in await teams_rows(server) if r.target == "policy" and r.dead_at]
    assert dead.attempts == 1 and "channel_deleted" in dead.last_error
    summary = (await mails(server))[-1]
    assert second in summary["text"] and first not in summary["text"]
    # An admin looking at the channels is told, and the lost one is not preselected.
    sato = TeamsPerson(server, farend, SATO, "佐藤 健")
    await sato.say("チャネル設定")
    assert "「情報政策課」のチャネルにしていた「報告」には投稿できなくなっています" in sato.text
    [form] = [card_of(p.activity) for p in sato.replies if card_of(p.activity)]
    lists = {e["id"]: e for e in form["body"] if e["type"] == "Input.ChoiceSet"}
    assert lists["policy"].get("value", "") == "" and lists["caio"]["value"] == CAIO_CHANNEL
    assert POLICY_CHANNEL not in [c["value"] for c in lists["policy"]["choices"]]

    # The channel restored: reports go there again, nothing to redo.
    back = team_event(server, farend, "channelRestored", id=POLICY_CHANNEL, name="報告")
    await back.post(back.activity(type="conversationUpdate"))
    await file_report(yamada)
    await server.runtime.deliver()
    assert [c.split(";")[0] for c in creates(farend)] == [POLICY_CHANNEL, POLICY_CHANNEL]


async def test_a_reply_in_the_thread_of_a_deleted_channel_is_mailed_not_retried(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    await file_report(yamada)
    await server.runtime.deliver()
    [opened] = creates(farend)
    # The policy division acknowledges it in the thread; another channel is then chosen,
    # and the old one (with the report's thread) deleted before the reply went out.
    sato = channel_person(server, farend, SATO, "佐藤 健", opened, POLICY_CHANNEL)
    await sato.press("受付")
    chosen = "19:new-policy@thread.tacv2"
    sato_there = channel_person(server, farend, SATO, "佐藤 健", chosen, chosen)
    await sato_there.say("チャネル 政策")
    gone = team_event(server, farend, "channelDeleted", id=POLICY_CHANNEL, name="報告")
    await gone.post(gone.activity(type="conversationUpdate"))
    assert await mails(server) == []  # not the policy channel any more: no alarm
    await server.runtime.deliver()
    assert not [p for p in farend.posted if p.conversation_id == opened and p.method == "send"]
    in_thread = [r for r in await teams_rows(server) if r.thread_key and not r.opens_thread]
    assert in_thread and all(r.dead_at and r.attempts == 1 for r in in_thread)
    [mailed] = await mails(server)
    assert "佐藤 健 が受付しました" in mailed["text"]


async def test_a_post_backing_off_for_the_gone_channel_is_mailed_at_once(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    number = await file_report(yamada)
    async with transaction(server.runtime.sessions) as session:  # failed before: waits 1 h
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.target) == "policy")
            .values(attempts=5, next_attempt_at=utcnow() + timedelta(hours=1))
        )
    await server.runtime.deliver()
    assert creates(farend) == []
    gone = team_event(server, farend, "channelDeleted", id=POLICY_CHANNEL, name="報告")
    await gone.post(gone.activity(type="conversationUpdate"))
    await server.runtime.deliver()
    assert creates(farend) == []
    [told, summary] = await mails(server)
    assert "投稿できなくなりました" in told["subject"]
    assert number in summary["text"]


@pytest.mark.parametrize(
    ("event", "why", "back"),
    [
        ("teamArchived", "チームがアーカイブされました", "teamUnarchived"),
        ("teamDeleted", "チームが削除されました", "teamRestored"),
    ],
)
async def test_an_archived_or_deleted_team_loses_both_channels_until_it_comes_back(
    event: str, why: str, back: str, server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    gone = team_event(server, farend, event)
    assert (await gone.post(gone.activity(type="conversationUpdate"))).status == 200
    told = await mails(server)
    assert len(told) == 2  # the policy division's channel and the CAIO's
    assert {("情報政策課" in m["subject"]) for m in told} == {True, False}
    assert all(why in m["text"] for m in told)
    kept = await kept_channels(server)
    assert all(r.removed_at is not None for r in kept.values())
    sato = TeamsPerson(server, farend, SATO, "佐藤 健")
    assert "まだチームのチャネルを知りません" in await sato.say("チャネル設定")
    assert why in sato.text and "「CAIO」のチャネルにしていた「CAIO室」" in sato.text

    restored = team_event(server, farend, back)
    await restored.post(restored.activity(type="conversationUpdate"))
    await file_report(yamada)
    await server.runtime.deliver()
    assert [c.split(";")[0] for c in creates(farend)] == [POLICY_CHANNEL]


@pytest.mark.parametrize("how", ["bot removed", "uninstalled", "uninstalled (upgrade)"])
async def test_the_app_removed_from_the_team_and_added_again(
    how: str, server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    general = channel_person(server, farend, SATO, "佐藤 健", TEAM_ID, TEAM_ID)
    general.channel_data.pop("channel")
    await general.post(general.activity(**REMOVED[how]))
    assert {"情報政策課" in m["subject"] for m in await mails(server)} == {True, False}
    await file_report(yamada)
    await server.runtime.deliver()
    assert creates(farend) == []
    assert "チームから aiguide が削除されました" in (await mails(server))[0]["text"]

    farend.team_channels.pop(TEAM_ID)  # the channel list cannot be had this time
    await general.post(general.activity(type="installationUpdate", action="add"))
    await file_report(yamada)
    await server.runtime.deliver()
    assert [c.split(";")[0] for c in creates(farend)] == [POLICY_CHANNEL]
    assert (await kept_channels(server))[CAIO_CHANNEL].removed_at is None


async def remind(server: Server, farend: FarEnd) -> list[str]:
    """Plan and send the pre-use reminder; the conversations it reached."""
    return [p.conversation_id for p in await send_reminders(server, farend)]


@pytest.mark.parametrize("how", REMOVED)
async def test_a_person_who_removed_the_app_gets_no_proactive_post_until_adding_it_again(
    how: str, server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await yamada.say("ヘルプ")
    assert (await yamada.post(yamada.activity(**REMOVED[how]))).status == 200
    attempts = farend.attempts
    assert await remind(server, farend) == []
    assert farend.attempts == attempts  # not even tried
    [dead] = [r for r in await teams_rows(server) if r.target == f"user:{YAMADA}"]
    assert dead.dead_at is not None and dead.attempts == 1
    assert "app_removed" in dead.last_error
    assert await mails(server) == []  # a person's reminder is nobody else's to read

    # Added again, the reminder sent again (`aiguide outbox retry`) reaches her.
    await yamada.post(yamada.activity(type="installationUpdate", action="add"))
    async with transaction(server.runtime.sessions) as session:
        assert await revive(session, dead.id or 0, utcnow())
    before = len(farend.posted)
    await server.runtime.deliver()
    assert [p.conversation_id for p in farend.posted[before:]] == [f"a:personal-{YAMADA}"]


async def test_adding_the_app_again_restores_a_chat_another_replica_marked_removed(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await yamada.say("ヘルプ")  # this process now thinks her reference is saved
    async with transaction(server.runtime.sessions) as session:
        await session.exec(
            update(TeamsReference).values(removed_at=utcnow(), removed_why="app_removed")
        )
    await yamada.post(yamada.activity(type="conversationUpdate", membersAdded=[BOT]))
    assert await remind(server, farend) == [f"a:personal-{YAMADA}"]


@pytest.mark.parametrize("where", ["personal chat", "policy channel"])
async def test_a_post_the_bot_connector_refuses_for_good_is_dead_at_once_not_retried(
    where: str, server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    """Removed without Teams telling us (the activity lost): the Bot Connector's 403."""
    await install_in_team(server, farend)
    await yamada.say("ヘルプ")
    if where == "personal chat":
        farend.gone.add(f"a:personal-{YAMADA}")
        assert await remind(server, farend) == []
        [dead] = [r for r in await teams_rows(server) if r.target == f"user:{YAMADA}"]
        assert await mails(server) == []
    else:
        farend.gone.add(POLICY_CHANNEL)
        number = await file_report(yamada)
        await server.runtime.deliver()
        [dead] = [r for r in await teams_rows(server) if r.target == "policy"]
        [mailed] = await mails(server)
        assert number in mailed["text"]
    assert dead.dead_at is not None and dead.attempts == 1
    assert "403" in dead.last_error


async def test_losing_a_shared_channel_is_in_the_audit_log_once(
    server: Server, farend: FarEnd
) -> None:
    await install_in_team(server, farend)
    gone = team_event(server, farend, "channelDeleted", id=POLICY_CHANNEL, name="報告")
    for _ in range(2):  # retried by the Bot Connector: one entry
        await gone.post(gone.activity(type="conversationUpdate"))
    team_gone = team_event(server, farend, "teamDeleted")
    await team_gone.post(team_gone.activity(type="conversationUpdate"))
    async with transaction(server.runtime.sessions) as session:
        entries = await audit_entries(session, SAMPLE_TENANT)
    lost = [(e.target, e.actor, e.before, e.after) for e in entries if e.channel == "teams"]
    assert lost == [
        ("channel:policy", SATO, {"channel": POLICY_CHANNEL}, {"removed": "channel_deleted"}),
        ("channel:caio", SATO, {"channel": CAIO_CHANNEL}, {"removed": "team_deleted"}),
    ]

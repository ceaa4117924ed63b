"""The policy-division channel in Teams: a report's summary opens a thread, every later event
is a reply in it, and what the policy division writes there is recorded on the report."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import col, select, update

from bot.runtime import Runtime
from dialogs.context import JST
from storage.admin import audit_entries
from storage.db import transaction
from storage.models import GuidelineVersion, Person, ReportEvent, RiskReport
from storage.teams import TeamsReference
from tests.bot.channels.teams.conftest import (
    APP_ID,
    CAIO_CHANNEL,
    M365_TENANT,
    POLICY_CHANNEL,
    SATO,
    TEAM_ID,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import FarEnd, card_of, shown
from tests.conftest import SAMPLE_TENANT

COPILOT = "Microsoft 365 Copilot Chat"


def in_channel(conversation_id: str) -> dict[str, Any]:
    return {"id": conversation_id, "conversationType": "channel", "tenantId": M365_TENANT}


def channel_person(
    server: Server, farend: FarEnd, aad: str, name: str, conversation_id: str, channel: str
) -> TeamsPerson:
    person = TeamsPerson(server, farend, aad, name, conversation=in_channel(conversation_id))
    person.channel_data = {
        "tenant": {"id": M365_TENANT},
        "team": {"id": TEAM_ID, "name": "情報政策課"},
        "channel": {"id": channel, "name": "報告"},
    }
    return person


TEAM_CHANNELS = [
    {"id": TEAM_ID, "type": "standard"},  # General: Teams gives it no name
    {"id": POLICY_CHANNEL, "name": "報告", "type": "standard"},
    {"id": CAIO_CHANNEL, "name": "CAIO室", "type": "standard"},
    {"id": "19:new-policy@thread.tacv2", "name": "AI相談", "type": "standard"},
]


async def install_in_team(server: Server, farend: FarEnd) -> None:
    farend.team_channels.setdefault(TEAM_ID, TEAM_CHANNELS)
    installer = channel_person(server, farend, SATO, "佐藤 健", TEAM_ID, TEAM_ID)
    installer.channel_data.pop("channel")
    added = installer.activity(type="conversationUpdate", membersAdded=[{"id": f"28:{APP_ID}"}])
    response = await installer.post(added)
    assert response.status == 200


async def file_report(yamada: TeamsPerson) -> str:
    await yamada.say("報告したい")
    await yamada.choose("税務課")  # Teams' directory gives no division: she is asked
    await yamada.say("内線3456")
    await yamada.choose(COPILOT)
    await yamada.choose("スキップ")  # 発生日
    await yamada.choose("今日")  # 検知日
    await yamada.choose("攻撃的・危険な内容")
    await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    await yamada.choose("スキップ")  # 抜粋
    await yamada.choose("入力していない")
    await yamada.choose("庁内だけ")
    await yamada.choose("重大ではないと思う")
    await yamada.choose("スキップ")  # これまでの対応
    assert "の内容を確認してください" in yamada.text, yamada.text
    await yamada.press("送信")
    assert "として情報政策課に報告しました" in yamada.text, yamada.text
    found = re.search(r"RC-\d{4}-\d{4}", yamada.text)
    assert found
    return found.group(0)


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


async def kept_channels(server: Server) -> dict[str, TeamsReference]:
    async with transaction(server.runtime.sessions) as session:
        found = await session.exec(
            select(TeamsReference).where(col(TeamsReference.kind) == "channel")
        )
        return {r.key: r for r in found.all()}


async def test_installing_in_a_team_keeps_every_channel_of_the_team(
    server: Server, farend: FarEnd
) -> None:
    await install_in_team(server, farend)
    [asked] = farend.channel_lists
    assert asked.conversation_id == TEAM_ID
    assert asked.authorization == f"Bearer {farend.access_token}"  # the bot's own token
    kept = await kept_channels(server)
    assert {key: r.name for key, r in kept.items()} == {
        TEAM_ID: "",
        POLICY_CHANNEL: "報告",
        CAIO_CHANNEL: "CAIO室",
        "19:new-policy@thread.tacv2": "AI相談",
    }
    assert all(r.service_url == farend.service_url for r in kept.values())
    assert all(r.teams_tenant == M365_TENANT and r.team_id == TEAM_ID for r in kept.values())


async def test_without_the_channel_list_the_general_channel_is_still_kept(
    server: Server, farend: FarEnd
) -> None:
    farend.team_channels[TEAM_ID] = []
    del farend.team_channels[TEAM_ID]  # the connector answers 404
    installer = channel_person(server, farend, SATO, "佐藤 健", TEAM_ID, TEAM_ID)
    installer.channel_data.pop("channel")
    added = installer.activity(type="conversationUpdate", membersAdded=[{"id": f"28:{APP_ID}"}])
    assert (await installer.post(added)).status == 200
    assert list(await kept_channels(server)) == [TEAM_ID]


async def test_a_channel_created_renamed_or_deleted_later_changes_the_list(
    server: Server, farend: FarEnd
) -> None:
    await install_in_team(server, farend)
    sato = channel_person(server, farend, SATO, "佐藤 健", TEAM_ID, TEAM_ID)
    for event, channel in (
        ("channelCreated", {"id": "19:later@thread.tacv2", "name": "後から"}),
        ("channelRenamed", {"id": CAIO_CHANNEL, "name": "CAIO連絡"}),
        ("channelDeleted", {"id": "19:new-policy@thread.tacv2", "name": "AI相談"}),
    ):
        sato.channel_data = {**sato.channel_data, "eventType": event, "channel": channel}
        assert (await sato.post(sato.activity(type="conversationUpdate"))).status == 200
    kept = await kept_channels(server)
    assert kept["19:later@thread.tacv2"].name == "後から"
    assert kept[CAIO_CHANNEL].name == "CAIO連絡"
    assert kept["19:new-policy@thread.tacv2"].removed_why == "channel_deleted"


async def test_a_report_opens_a_thread_and_every_later_event_is_a_reply_in_it(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    number = await file_report(yamada)
    await server.runtime.deliver()

    [opened] = [p for p in farend.posted if p.method == "create"]
    assert opened.conversation_id.startswith(POLICY_CHANNEL + ";messageid=")
    assert farend.created[-1]["channelData"]["channel"]["id"] == POLICY_CHANNEL
    summary = card_of(opened.activity)
    assert summary is not None
    assert any(block["type"] == "FactSet" for block in summary["body"])
    assert number in shown(opened.activity)

    # The policy division acknowledges it from the summary card in the thread.
    sato = channel_person(server, farend, SATO, "佐藤 健", opened.conversation_id, POLICY_CHANNEL)
    await sato.press("受付")
    assert f"{number} を受付しました" in sato.text, sato.text
    before = len(farend.posted)
    await server.runtime.deliver()
    later = farend.posted[before:]
    in_thread = [p for p in later if p.conversation_id == opened.conversation_id]
    assert in_thread and all(p.method == "send" for p in in_thread)
    assert "受付しました" in shown(in_thread[0].activity)
    # …and the reporter hears of it in her personal chat (a proactive message).
    told = [p for p in later if p.conversation_id == f"a:personal-{YAMADA}"]
    assert [shown(p.activity) for p in told] == [f"{number} を 佐藤 健 が受付しました。"]
    assert not [p for p in later if p.method == "create"], "a later event opened a new thread"

    # What the policy division writes in the thread, mentioning the bot, is recorded.
    mention = {
        "type": "mention",
        "text": "<at>aiguide</at>",
        "mentioned": {"id": f"28:{APP_ID}", "name": "aiguide"},
    }
    await sato.post(sato.activity(text="<at>aiguide</at> 担当課に確認中です", entities=[mention]))
    assert f"{number} にこの返信を記録しました" in sato.text
    async with transaction(server.runtime.sessions) as session:
        report = (
            await session.exec(select(RiskReport).where(col(RiskReport.number) == number))
        ).one()
        events = (
            await session.exec(select(ReportEvent).where(col(ReportEvent.report_id) == report.id))
        ).all()
    [recorded] = [e for e in events if e.kind == "thread_reply"]
    assert recorded.detail == {"text": "担当課に確認中です"}


async def test_a_thread_reply_from_someone_outside_the_policy_division_is_not_recorded(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    await file_report(yamada)
    await server.runtime.deliver()
    [opened] = [p for p in farend.posted if p.method == "create"]
    outsider = channel_person(
        server, farend, "aad-outsider", "外部 太郎", opened.conversation_id, POLICY_CHANNEL
    )
    await outsider.say("関係ない書き込み")
    assert "情報政策担当課の方だけです" in outsider.text
    async with transaction(server.runtime.sessions) as session:
        kinds = [e.kind for e in (await session.exec(select(ReportEvent))).all()]
    assert "thread_reply" not in kinds


async def send_reminders(server: Server, farend: FarEnd) -> list[Any]:
    """Everyone known since 2026-11-19 and not confirmed: plan and send the pre-use
    reminders on 2026-11-30 at 9:00; what reached the Bot Connector."""
    runtime: Runtime = server.runtime
    since = date(2026, 11, 19)
    first_seen = datetime.combine(since, time(12), tzinfo=JST).astimezone(UTC)
    async with transaction(runtime.sessions) as session:
        await session.exec(update(Person).values(created_at=first_seen))
        await session.exec(update(GuidelineVersion).values(effective_on=since - timedelta(days=90)))
    before = len(farend.posted)
    await runtime.tick(datetime(2026, 11, 30, 9, 0, tzinfo=JST))
    await runtime.deliver()
    return list(farend.posted[before:])


async def test_a_reminder_reaches_the_person_in_their_personal_chat(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await yamada.say("ヘルプ")  # known from now, and reachable
    [reminder] = await send_reminders(server, farend)
    assert reminder.method == "send"
    assert reminder.conversation_id == f"a:personal-{YAMADA}"
    assert "利用前の確認がまだです" in shown(reminder.activity)
    assert reminder.authorization == f"Bearer {farend.access_token}"
    # The outbox key travels with it, so a re-send can be recognised.
    assert reminder.activity["entities"][0]["type"] == "aiguide/outbox"


async def test_an_admin_chooses_the_policy_channel_in_teams_and_reports_go_there(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    chosen = "19:new-policy@thread.tacv2"
    yamada_there = channel_person(server, farend, YAMADA, "山田 花子", chosen, chosen)
    await yamada_there.say("channel policy")
    assert "管理者だけ" in yamada_there.text
    sato = channel_person(server, farend, SATO, "佐藤 健", chosen, chosen)
    await sato.say("チャネル 政策")
    assert "このチャネルを「情報政策課」のチャネルにしました。" in sato.text
    await file_report(yamada)
    await server.runtime.deliver()
    [opened] = [p for p in farend.posted if p.method == "create"]
    assert opened.conversation_id.startswith(chosen + ";messageid=")


async def test_pressing_a_button_on_the_summary_leaves_the_summary_in_the_channel(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    number = await file_report(yamada)
    await server.runtime.deliver()
    [opened] = [p for p in farend.posted if p.method == "create"]
    sato = channel_person(server, farend, SATO, "佐藤 健", opened.conversation_id, POLICY_CHANNEL)
    await sato.submit("受付")  # a client without Universal Actions
    assert not [p for p in sato.replies if p.method == "update"]
    assert (
        sato.last_body in (None, {})
        or sato.last_body.get("type") != "application/vnd.microsoft.card.adaptive"
    )
    await sato.press("受付")  # pressed again, from the same summary
    assert f"{number} はすでに受付済みです。" in sato.text, sato.text


async def test_an_admin_chooses_both_channels_from_the_teams_list_on_a_card(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    chosen_policy, chosen_caio = "19:new-policy@thread.tacv2", TEAM_ID
    assert "管理者だけ" in await yamada.say("チャネル設定")
    sato = TeamsPerson(server, farend, SATO, "佐藤 健")
    await sato.say("チャネル設定")
    [form] = [card_of(p.activity) for p in sato.replies]
    assert form is not None
    lists = {e["id"]: e for e in form["body"] if e["type"] == "Input.ChoiceSet"}
    assert [c["title"] for c in lists["policy"]["choices"]] == ["一般", "AI相談", "CAIO室", "報告"]
    assert lists["policy"]["value"] == POLICY_CHANNEL  # today's choice, preselected
    assert lists["caio"]["value"] == CAIO_CHANNEL

    # A channel id that is not the team's (a tampered submission) is answered on the card.
    await sato.press("保存", {"policy": "19:elsewhere@thread.tacv2", "caio": chosen_caio})
    [again] = [card_of(p.activity) for p in sato.replies if p.method != "update"]
    assert again is not None
    texts = shown(sato.replies[-1].activity)
    assert "情報政策課のチャネル: チームのチャネルから選んでください。" in texts
    assert "CAIO のチャネル:" not in texts

    await sato.press("保存", {"policy": chosen_policy, "caio": chosen_caio})
    assert "保存しました。情報政策課: AI相談、CAIO: 一般" in sato.text
    await file_report(yamada)
    await server.runtime.deliver()
    [opened] = [p for p in farend.posted if p.method == "create"]
    assert opened.conversation_id.startswith(chosen_policy + ";messageid=")


async def test_every_channel_an_admin_chooses_is_in_the_audit_log_and_every_refusal(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    chosen = "19:new-policy@thread.tacv2"
    yamada_there = channel_person(server, farend, YAMADA, "山田 花子", chosen, chosen)
    await yamada_there.say("channel policy")  # not an admin: refused, nothing changed
    await yamada.say("チャネル設定")
    sato_there = channel_person(server, farend, SATO, "佐藤 健", chosen, chosen)
    await sato_there.say("チャネル 政策")
    sato = TeamsPerson(server, farend, SATO, "佐藤 健")
    await sato.say("チャネル設定")
    _, save = sato.action("保存")  # the admin's card's button, pressed by someone else
    data = {**save["data"], "policy": chosen, "caio": chosen}
    value = {"action": {"type": "Action.Execute", "verb": save["verb"], "data": data}}
    await yamada.post(yamada.activity(type="invoke", name="adaptiveCard/action", value=value))
    await sato.press("保存", {"policy": POLICY_CHANNEL, "caio": TEAM_ID})
    await sato.say("チャネル設定")
    await sato.press("保存", {"policy": POLICY_CHANNEL, "caio": TEAM_ID})  # the same again
    assert "保存しました。情報政策課: 報告、CAIO: 一般" in sato.text
    async with transaction(server.runtime.sessions) as session:
        entries = await audit_entries(session, SAMPLE_TENANT)
    log = [
        (e.actor, e.action, e.target, e.outcome, e.before, e.after)
        for e in entries
        if e.target.startswith("channel")
    ]
    choosing, refused = "teams.channel_chosen", "refused"
    assert [e.channel for e in entries if e.target.startswith("channel")] == ["teams"] * 6
    assert log == [
        (YAMADA, choosing, "channel:policy", refused, {}, {}),
        (YAMADA, choosing, "channels", refused, {}, {}),
        (
            SATO,
            choosing,
            "channel:policy",
            "done",
            {"channel": POLICY_CHANNEL},
            {"channel": chosen},
        ),
        (YAMADA, choosing, "channels", refused, {}, {}),
        (
            SATO,
            choosing,
            "channel:policy",
            "done",
            {"channel": chosen},
            {"channel": POLICY_CHANNEL},
        ),
        (SATO, choosing, "channel:caio", "done", {"channel": CAIO_CHANNEL}, {"channel": TEAM_ID}),
    ]

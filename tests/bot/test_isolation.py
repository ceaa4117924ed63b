"""Two municipalities in one database: nothing of one can be read or changed from the other.

さくら市 (the sample) and もみじ町 (tests/data/momiji) share one deployment. The same chat user
ids exist in both (yamada, tanaka); もみじ町's admin is tanaka, さくら市's is sato. Every
attempt on the other town's objects gets the same answer as a missing object (no oracle) and
is audited in the asker's own town.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.services.tenants import add_from_file, update_from_file
from bot.town import Town
from dialogs.effects import PublishGuideline
from storage.db import transaction
from storage.models import AISystem, AuditEntry, ConversationState, Person, ProcessedEvent
from storage.outbox import enqueue
from storage.reminders import plan
from tests.chat import Chat
from tests.conftest import SAMPLE_MUNICIPALITY, SAMPLE_TENANT, Database, start_runtime
from tests.dialogs.test_designation import _apply as apply_for_designation
from tests.dialogs.test_risk_report import Case, file_report

MOMIJI_DIR = Path(__file__).resolve().parents[1] / "data" / "momiji"
MOMIJI = "momiji-town"
SAMPLE_TEXT = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
REPORT_MISSING = "その報告は見つからないか、見る権限がありません。"


async def add_momiji(runtime: Runtime) -> Town:
    async with transaction(runtime.sessions) as session:
        _, added = await add_from_file(session, MOMIJI_DIR / "municipality.toml")
    assert added
    town = await runtime.town(MOMIJI)
    assert await town.import_systems(MOMIJI_DIR / "systems.yaml") == (2, 0)
    return town


@pytest.fixture
async def towns(database: Database) -> AsyncIterator[tuple[Runtime, Town, Town]]:
    runtime = await start_runtime(database)
    momiji = await add_momiji(runtime)
    yield runtime, await runtime.town(SAMPLE_TENANT), momiji
    await runtime.close()


def sakura(runtime: Runtime, user: str, name: str, division: str = "") -> Chat:
    return Chat(runtime, user, name, division=division)


def momiji(runtime: Runtime, user: str, name: str, division: str = "") -> Chat:
    return Chat(runtime, user, name, tenant=MOMIJI, division=division)


async def refusals(town: Town) -> list[AuditEntry]:
    return [e for e in await town.audit_log() if e.outcome == "refused"]


async def test_each_town_has_its_own_registry_and_admins(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    assert len(await sakura_town.systems()) == 5
    assert [s.id for s in await momiji_town.systems()] == ["copilot", "momiji-chat"]

    tanaka_admin = momiji(runtime, "tanaka", "田中 次郎", "企画課")
    await tanaka_admin.say("system list")
    assert "もみじチャット" in tanaka_admin.text
    assert "庁内AIアシスタント" not in tanaka_admin.text

    # tanaka is an admin in もみじ町 only; sato is an admin in さくら市 only
    tanaka_staff = sakura(runtime, "tanaka", "田中 一郎", "福祉課")
    await tanaka_staff.say("system list")
    assert "情報政策課（管理者）だけが行えます" in tanaka_staff.text
    sato_visitor = momiji(runtime, "sato", "佐藤 健")
    await sato_visitor.say("system list")
    assert "だけが行えます" in sato_visitor.text


async def test_a_report_of_one_town_cannot_be_seen_or_acted_on_from_the_other(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    number = await file_report(sakura(runtime, "yamada", "山田 花子", "税務課"))
    [(report, _)] = await sakura_town.reports_with_events(None, None)

    admin = momiji(runtime, "tanaka", "田中 次郎", "企画課")
    missing = 999_999
    attempts = [
        ("say", f"報告 {number}"),
        ("say", f"報告 {number} を更新"),
        *(("press", f"report:{report.id}:{verb}") for verb in ("ack", "show", "close")),
        *(("press", f"report:{report.id}:{verb}") for verb in ("handling", "escalate")),
    ]
    answers = []
    for kind, what in attempts:
        await (admin.say(what) if kind == "say" else admin.send(action=what, event_id=what))
        answers.append(admin.text)
    # the same answer as for a report that exists nowhere
    await admin.send(action=f"report:{missing}:ack", event_id="missing")
    assert REPORT_MISSING in admin.text
    assert set(answers) == {admin.text}

    # nothing changed in さくら市; every attempt is in もみじ町's log, none in さくら市's
    [(after, events)] = await sakura_town.reports_with_events(None, None)
    assert after.status == "open"
    assert [e.kind for e in events] == ["filed"]
    assert len(await refusals(momiji_town)) == len(attempts) + 1
    assert await refusals(sakura_town) == []
    assert await momiji_town.reports_with_events(None, None) == []


async def test_report_numbers_count_per_town(towns: tuple[Runtime, Town, Town]) -> None:
    runtime, _, _ = towns
    first = await file_report(sakura(runtime, "yamada", "山田 花子", "税務課"))
    again = await file_report(
        momiji(runtime, "yamada", "山田 太郎", "住民課"), Case(system="もみじ町 Copilot")
    )
    assert first == again  # RC-<year>-1 in each town: numbers are unique per municipality


async def test_a_designation_request_of_one_town_cannot_be_decided_in_the_other(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, _, momiji_town = towns
    request = await apply_for_designation(sakura(runtime, "yamada", "山田 花子", "税務課"))
    admin = momiji(runtime, "tanaka", "田中 次郎", "企画課")
    said = []
    for verb in ("approve", "reject", "ask"):
        await admin.send(action=f"request:{request}:{verb}", event_id=verb)
        said.append(admin.text)
    await admin.send(action="request:987654:approve", event_id="missing")
    assert set(said) == {admin.text}
    assert "見つからないか" in admin.text
    assert len(await refusals(momiji_town)) == 4
    # still pending in さくら市: its admin can approve it
    sato = sakura(runtime, "sato", "佐藤 健", "情報政策課")
    await sato.send(action=f"request:{request}:reject", event_id="sato-reject")
    assert "見つからないか" not in sato.text


async def test_system_commands_reach_only_the_askers_own_registry(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    admin = momiji(runtime, "tanaka", "田中 次郎", "企画課")
    await admin.say("system show lgwan-assistant")  # さくら市's system
    other_town = admin.text
    await admin.say("system show no-such-system")
    assert other_town.replace("lgwan-assistant", "") == admin.text.replace("no-such-system", "")

    await admin.say("system set copilot owner_contact 内線999")
    await admin.press("確定")
    ours = {s.id: s for s in await momiji_town.systems()}
    theirs = {s.id: s for s in await sakura_town.systems()}
    assert ours["copilot"].owner_contact == "内線999"
    assert theirs["copilot"].owner_contact != "内線999"
    assert not any(e.action.startswith("system.") for e in await sakura_town.audit_log())


async def test_a_guideline_published_in_one_town_notifies_no_one_in_the_other(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    for chat in (
        sakura(runtime, "yamada", "山田 花子"),
        momiji(runtime, "yamada", "山田 太郎"),
        momiji(runtime, "tanaka", "田中 次郎"),
    ):
        await chat.say("メニュー")
    effect = PublishGuideline(
        version="3.2",
        kind="major",
        approver="副町長",
        effective_on=date(2026, 4, 1),
        summary="もみじ町の改定",
    )
    published, _ = await momiji_town.publish_version(effect, "local", "tanaka")
    assert published
    await runtime.deliver()
    momiji_posts, _ = await momiji_town.inbox("yamada", 0)
    sakura_posts, _ = await sakura_town.inbox("yamada", 0)
    assert any("3.2" in str(p.body) for p in momiji_posts)
    assert not any("3.2" in str(p.body) for p in sakura_posts)
    # the same version number is still free in さくら市
    assert (await sakura_town.publish_version(effect, "local", "sato"))[0]


async def test_the_same_user_id_in_two_towns_is_two_people(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    here = sakura(runtime, "yamada", "山田 花子")
    await here.complete_pre_use()
    there = momiji(runtime, "yamada", "山田 太郎")
    await there.say("私の状況")
    assert "利用前の確認: 未完了" in there.text
    assert (await sakura_town.pre_use_state("local", "yamada")).confirmed_seq is not None
    assert (await momiji_town.pre_use_state("local", "yamada")).confirmed_seq is None
    assert (await sakura_town.person("yamada")).display_name == "山田 花子"  # type: ignore[union-attr]
    assert (await momiji_town.person("yamada")).display_name == "山田 太郎"  # type: ignore[union-attr]


async def test_exports_hold_only_the_towns_own_rows(towns: tuple[Runtime, Town, Town]) -> None:
    runtime, _, momiji_town = towns
    await file_report(sakura(runtime, "yamada", "山田 花子", "税務課"))
    await sakura(runtime, "sato", "佐藤 健").say("admin add tanaka")
    assert await momiji_town.reports_with_events(None, None) == []
    assert all(e.tenant_id == MOMIJI for e in await momiji_town.audit_log())
    assert {s.user_id for s in await momiji_town.standings()} <= {"yamada", "tanaka", "kimura"}


async def test_outbox_keys_are_unique_per_town(towns: tuple[Runtime, Town, Town]) -> None:
    runtime, _, _ = towns
    async with transaction(runtime.sessions) as session:
        for tenant in (SAMPLE_TENANT, MOMIJI):
            assert await enqueue(
                session,
                tenant,
                key="guideline:2:local:yamada",
                channel="local",
                target="user:yamada",
                body={"type": "text", "text": "お知らせ"},
            )


async def test_a_turn_for_an_unknown_municipality_is_refused_and_stores_nothing(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, _, _ = towns

    async def counts() -> list[int]:
        async with transaction(runtime.sessions) as session:
            tables = (Person, ConversationState, ProcessedEvent, AuditEntry)
            return [
                (await session.exec(select(func.count()).select_from(t))).one()  # type: ignore[call-overload]
                for t in tables
            ]

    before = await counts()
    stranger = Chat(runtime, "U999", "誰か", tenant="no-such-town")
    await stranger.say("報告したい")
    assert "not set up" in stranger.text and "設定されていません" in stranger.text
    assert await counts() == before


async def test_a_settings_change_reaches_another_replica_on_its_next_turn(
    database: Database, tmp_path: Path
) -> None:
    first = await start_runtime(database)
    second = await start_runtime(database)
    try:
        asker = Chat(second, "yamada", "山田 花子")
        await asker.say("問い合わせ先")
        assert "内線2110" in asker.text
        changed = tmp_path / "sakura.toml"
        changed.write_text(SAMPLE_TEXT.replace("内線2110", "内線7777"), encoding="utf-8")

        async with transaction(first.sessions) as session:
            result = await update_from_file(session, changed, "cli:test")
        assert result == (SAMPLE_TENANT, [("contacts.inquiry.phone", "内線2110", "内線7777")])
        await asker.say("問い合わせ先")
        assert "内線7777" in asker.text
    finally:
        await first.close()
        await second.close()


async def test_stored_rows_carry_their_own_town(towns: tuple[Runtime, Town, Town]) -> None:
    runtime, _, _ = towns
    async with transaction(runtime.sessions) as session:
        rows = (await session.exec(select(AISystem.tenant_id, AISystem.id))).all()
    assert sorted(r for r in rows if r[0] == MOMIJI) == [
        (MOMIJI, "copilot"),
        (MOMIJI, "momiji-chat"),
    ]


async def test_each_towns_reminders_reach_its_own_people_once(
    towns: tuple[Runtime, Town, Town],
) -> None:
    runtime, sakura_town, momiji_town = towns
    for chat in (sakura(runtime, "yamada", "山田 花子"), momiji(runtime, "yamada", "山田 太郎")):
        await chat.say("メニュー")
    # a Tuesday at 10:00 JST: business hours in both towns
    tuesday = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    async with transaction(runtime.sessions) as session:
        for tenant in (SAMPLE_TENANT, MOMIJI):
            assert await plan(
                session,
                tenant,
                key="pre_use:probe",  # the same key in both towns: unique per town
                channel="local",
                user_id="yamada",
                kind="pre_use",
                due_at=tuesday - timedelta(hours=1),
            )
    await runtime.tick(tuesday)
    await runtime.deliver()
    mine, _ = await momiji_town.inbox("yamada", 0)
    theirs, _ = await sakura_town.inbox("yamada", 0)
    # one each: a town's reminder is claimed and sent by that town's pass only
    assert len(mine) == len(theirs) == 1

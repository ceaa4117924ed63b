"""A person and the bot in Teams' personal chat, as real signed activities and real replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.channels.teams.renderer import CARD_TYPE
from storage.db import transaction
from storage.models import Person, ProcessedEvent
from storage.teams import TeamsReference
from tests.bot.channels.teams.conftest import (
    APP_ID,
    M365_TENANT,
    OTHER_TENANT,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import FarEnd, card_of, shown


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    farend.members[f"29:{YAMADA}"] = {
        "id": f"29:{YAMADA}",
        "aadObjectId": YAMADA,
        "name": "山田 花子",
        "email": "hanako.yamada@city.sakura.example.lg.jp",
        "userPrincipalName": "hanako.yamada@city.sakura.example.lg.jp",
    }
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


async def test_the_pre_use_confirmation_by_pressing_card_buttons(yamada: TeamsPerson) -> None:
    await yamada.complete_pre_use()
    assert "利用前の確認を記録しました" in yamada.text


async def test_a_pressed_question_card_is_replaced_by_its_answer(yamada: TeamsPerson) -> None:
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    question = yamada.text
    await yamada.press("確認しました")
    # Universal Actions: the invoke response is the card that replaces the pressed one.
    assert yamada.last_body["type"] == CARD_TYPE
    replaced = yamada.last_body["value"]
    assert "actions" not in replaced
    assert "→ 確認しました" in shown(
        {"attachments": [{"contentType": CARD_TYPE, "content": replaced}]}
    )
    assert question.splitlines()[0][:20] in str(replaced)


async def test_without_universal_actions_the_pressed_card_is_updated_in_place(
    yamada: TeamsPerson,
) -> None:
    await yamada.say("利用開始")
    await yamada.say("2026-10-01")
    card_message, _ = yamada.action("確認しました")
    await yamada.submit("確認しました")
    [update] = [p for p in yamada.replies if p.method == "update"]
    assert update.activity_id == card_message.activity_id
    assert "→ 確認しました" in shown(update.activity)
    assert "actions" not in (card_of(update.activity) or {})


async def test_the_person_is_known_by_their_entra_id_with_the_directory_name_and_mail(
    yamada: TeamsPerson, server: Server
) -> None:
    await yamada.say("ヘルプ")
    async with transaction(server.runtime.sessions) as session:
        person = await session.get(Person, ("sakura-city", "teams", YAMADA))
        reference = await session.get(TeamsReference, ("sakura-city", "user", YAMADA))
    assert person is not None
    assert person.display_name == "山田 花子"
    assert person.email == "hanako.yamada@city.sakura.example.lg.jp"
    assert reference is not None and reference.conversation_id == f"a:personal-{YAMADA}"


async def test_english_is_answered_in_english_when_teams_says_so(
    server: Server, farend: FarEnd
) -> None:
    person = TeamsPerson(server, farend, YAMADA, "Hanako", locale="en-US")
    await person.say("help")
    assert "What would you like to do?" in person.text, person.text


async def test_the_entry_check_asks_what_is_missing_and_gives_the_verdict_as_facts(
    yamada: TeamsPerson,
) -> None:
    await yamada.complete_pre_use()
    await yamada.say("公開済みの議事録をQommonsに入れていい？")
    assert "個人情報（氏名・住所・電話番号など）は含まれますか？" in yamada.text
    await yamada.press("含まない")
    assert "何に使いますか？" in yamada.text
    await yamada.choose("議事録作成")
    assert "庁内AIアシスタント への入力 — 入力できます" in yamada.text
    assert "（§3(2)1）" in yamada.text


async def test_a_duplicate_activity_is_answered_once(yamada: TeamsPerson, server: Server) -> None:
    activity = yamada.activity(text="ヘルプ")
    await yamada.post(activity)
    assert yamada.replies
    await yamada.post(activity)  # the Bot Connector retried the same activity
    assert yamada.replies == []


async def test_what_a_person_types_is_shown_back_as_text_never_as_markup_or_a_mention(
    yamada: TeamsPerson,
) -> None:
    await yamada.complete_pre_use()
    await yamada.say("<at>全員</at> **太字** [link](https://evil.example)")
    for posted in yamada.replies:
        assert "mention" not in str(posted.activity.get("entities") or "")
        card = card_of(posted.activity)
        if card is None:
            assert posted.activity.get("textFormat") == "plain"
            continue
        for block in card["body"]:
            assert block["type"] != "TextBlock" or "**" not in block["text"]


async def test_a_person_of_an_unknown_tenant_gets_one_refusal_and_nothing_is_stored(
    server: Server, farend: FarEnd
) -> None:
    stranger = TeamsPerson(server, farend, "aad-stranger", "Stranger", tenant=OTHER_TENANT)
    await stranger.say("ヘルプ")
    [refusal] = stranger.replies
    assert "aiguide はまだ設定されていません" in shown(refusal.activity)
    assert "not set up for aiguide" in shown(refusal.activity)
    async with transaction(server.runtime.sessions) as session:
        assert (await session.exec(select(Person))).all() == []
        assert (await session.exec(select(ProcessedEvent))).all() == []
        assert (await session.exec(select(TeamsReference))).all() == []


async def test_a_throttled_reply_is_sent_again_after_retry_after(
    yamada: TeamsPerson, farend: FarEnd
) -> None:
    farend.throttle = [0.2]
    attempts = farend.attempts
    await yamada.say("ヘルプ")
    assert yamada.replies, "the reply was lost"
    assert farend.attempts - attempts == len(yamada.replies) + 1  # one refused, then sent


async def test_installing_the_app_greets_with_the_home_view(
    yamada: TeamsPerson, server: Server
) -> None:
    install = yamada.activity(type="installationUpdate", action="add")
    await yamada.post(install)
    greeting, home = (shown(p.activity) for p in yamada.replies)
    assert "アシスタントです" in greeting
    assert home.startswith("山田 花子 さんのホーム")  # her home view: standing, reports, actions
    assert "利用前の確認" in home
    assert "対応中の報告はありません。" in home
    assert "[入力してよいか確認]" in home and "[リスクケースの報告]" in home
    async with transaction(server.runtime.sessions) as session:
        assert await session.get(TeamsReference, ("sakura-city", "user", YAMADA)) is not None
    await yamada.post(install)  # the Bot Connector sends it again: no second greeting
    assert yamada.last_response.status == 200
    assert yamada.replies == []


async def test_the_bots_own_activity_is_ignored(yamada: TeamsPerson, server: Server) -> None:
    echo = yamada.activity(text="ヘルプ")
    echo["from"] = dict(echo["recipient"])
    await yamada.post(echo)
    assert yamada.last_response.status == 200
    assert yamada.replies == []
    async with transaction(server.runtime.sessions) as session:
        assert (await session.exec(select(Person))).all() == []


async def test_a_mention_in_a_group_chat_is_answered_there_without_the_mention(
    server: Server, farend: FarEnd
) -> None:
    group = {
        "id": "19:group-chat@thread.v2",
        "conversationType": "groupChat",
        "tenantId": M365_TENANT,
    }
    person = TeamsPerson(server, farend, YAMADA, "山田 花子", conversation=group)
    mention = {
        "type": "mention",
        "text": "<at>aiguide</at>",
        "mentioned": {"id": f"28:{APP_ID}", "name": "aiguide"},
    }
    await person.say("<at>aiguide</at> ヘルプ", entities=[mention])
    assert "アシスタントです" in person.text  # 「ヘルプ」 understood once the mention is gone
    assert {p.conversation_id for p in person.replies} == {"19:group-chat@thread.v2"}


async def test_replies_throttled_for_long_wait_in_the_outbox_and_are_sent_later(
    yamada: TeamsPerson, farend: FarEnd, server: Server
) -> None:
    await yamada.say("ヘルプ")  # reachable from now on
    farend.throttle = [120]  # Teams says: not for two minutes
    await yamada.say("問い合わせ先")
    assert yamada.last_response.status == 200
    assert yamada.replies == []  # nothing got through now…
    later = datetime.now(UTC) + timedelta(minutes=3)
    assert await server.runtime.delivery.run_once(later) >= 1
    delivered = [p for p in farend.posted if p.conversation_id == f"a:personal-{YAMADA}"]
    assert shown(delivered[-1].activity).startswith("問い合わせ先（ガイドライン §6）")
    assert "ai-guide@city.sakura.example.lg.jp" in shown(delivered[-1].activity)

"""The many activities Teams sends besides a typed message: each one gets the status Teams
expects, a sensible answer or none, and leaves no error (nor what was typed) in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from storage.db import transaction
from storage.models import Person, ProcessedEvent
from storage.teams import TeamsReference
from tests.bot.channels.teams.conftest import (
    APP_ID,
    OTHER_TENANT,
    TEAM_ID,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import FarEnd, shown

TYPED = "ヒミツの本文ZQX"  # what a person wrote: never in a log
BOT = {"id": f"28:{APP_ID}", "name": "aiguide"}
Build = Callable[[TeamsPerson], dict[str, Any]]


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


def troubles(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors or tracebacks logged, and any log line holding what was typed."""
    found = []
    for record in caplog.records:
        if record.levelno >= logging.ERROR or record.exc_info:
            found.append(f"{record.name}: {record.getMessage()[:200]}")
        elif TYPED in record.getMessage():
            found.append(f"typed text logged by {record.name}")
    return found


def team_event(event: str, **channel: str) -> Build:
    def build(person: TeamsPerson) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tenant": {"id": person.tenant},
            "eventType": event,
            "team": {"id": TEAM_ID, "name": "情報政策課"},
        }
        if channel:
            data["channel"] = channel
        return person.activity(type="conversationUpdate", channelData=data)

    return build


QUIET: dict[str, Build] = {
    "user added": lambda p: p.activity(
        type="conversationUpdate", membersAdded=[{"id": "29:other", "aadObjectId": "other"}]
    ),
    "bot removed": lambda p: p.activity(type="conversationUpdate", membersRemoved=[BOT]),
    "user removed": lambda p: p.activity(
        type="conversationUpdate", membersRemoved=[{"id": "29:o"}]
    ),
    "channel created": team_event("channelCreated", id="19:new@thread.tacv2", name="新規"),
    "channel renamed": team_event("channelRenamed", id="19:new@thread.tacv2", name="改名"),
    "channel deleted": team_event("channelDeleted", id="19:new@thread.tacv2", name="新規"),
    "channel restored": team_event("channelRestored", id="19:new@thread.tacv2", name="新規"),
    "team renamed": team_event("teamRenamed"),
    "team archived": team_event("teamArchived"),
    "team deleted": team_event("teamDeleted"),
    "uninstalled": lambda p: p.activity(type="installationUpdate", action="remove"),
    "uninstalled (upgrade)": lambda p: p.activity(
        type="installationUpdate", action="remove-upgrade"
    ),
    "installation without action": lambda p: p.activity(type="installationUpdate", action=None),
    "reaction": lambda p: p.activity(
        type="messageReaction", reactionsAdded=[{"type": "like"}], replyToId="act-1"
    ),
    "edited": lambda p: p.activity(
        type="messageUpdate",
        text=TYPED,
        channelData={"tenant": {"id": p.tenant}, "eventType": "editMessage"},
    ),
    "deleted": lambda p: p.activity(
        type="messageDelete",
        channelData={"tenant": {"id": p.tenant}, "eventType": "softDeleteMessage"},
    ),
    "typing": lambda p: p.activity(type="typing"),
    "event": lambda p: p.activity(
        type="event", name="application/vnd.microsoft.meetingStart", value={"Title": TYPED}
    ),
    "end of conversation": lambda p: p.activity(type="endOfConversation", code="userCancelled"),
    "a type Teams may add later": lambda p: p.activity(type="somethingNew", text=TYPED),
}


@pytest.mark.parametrize("tenant", ["linked", "unknown"])
@pytest.mark.parametrize("kind", QUIET)
async def test_activities_that_are_not_a_turn_are_accepted_and_quietly_ignored(
    kind: str, tenant: str, server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = TeamsPerson(server, farend, YAMADA, "山田 花子")
    if tenant == "unknown":
        person = TeamsPerson(server, farend, "aad-stranger", "Stranger", tenant=OTHER_TENANT)
    response = await person.post(QUIET[kind](person))
    assert response.status == 200, kind
    assert person.replies == []
    assert troubles(caplog) == []
    if tenant == "unknown":
        async with transaction(server.runtime.sessions) as session:
            assert (await session.exec(select(Person))).all() == []
            assert (await session.exec(select(ProcessedEvent))).all() == []
            assert (await session.exec(select(TeamsReference))).all() == []


@pytest.mark.parametrize(
    "odd",
    [{"locale": ""}, {"locale": None}, {"timestamp": "yesterday"}, {"entities": "none"}],
    ids=["empty locale", "null locale", "odd timestamp", "entities not a list"],
)
async def test_a_message_with_an_odd_optional_field_is_still_answered(
    odd: dict[str, Any], yamada: TeamsPerson, caplog: pytest.LogCaptureFixture
) -> None:
    response = await yamada.post(yamada.activity(text="問い合わせ先", **odd))
    assert response.status == 200
    assert "問い合わせ先" in yamada.text
    assert troubles(caplog) == []


async def test_an_activity_missing_what_it_needs_is_still_a_bad_request(
    yamada: TeamsPerson,
) -> None:
    for broken in ({"conversation": "x"}, {"from": None}, {"type": 5}, {"text": False}):
        response = await yamada.post(yamada.activity(**{"text": "ヘルプ", **broken}))
        assert response.status == 400, broken
        assert yamada.replies == []


@pytest.mark.parametrize(
    "value",
    [{"action": "Action.Execute"}, {"action": ["x"]}, {"action": None}, [1, 2], "text"],
    ids=["action a string", "action a list", "action null", "value a list", "value a string"],
)
async def test_a_card_action_of_a_foreign_shape_gets_an_invoke_response_not_an_error(
    value: Any, yamada: TeamsPerson, caplog: pytest.LogCaptureFixture
) -> None:
    invoke = yamada.activity(type="invoke", name="adaptiveCard/action", value=value)
    response = await yamada.post(invoke)
    assert response.status == 200
    assert yamada.last_body["statusCode"] == 200
    assert troubles(caplog) == []


async def test_a_card_action_with_labels_that_are_not_text_shows_no_raw_data(
    yamada: TeamsPerson, caplog: pytest.LogCaptureFixture
) -> None:
    await yamada.say("メニュー")
    posted, action = yamada.actions()[-1]
    data = {**action["data"], "label": {"raw": "LEAK"}, "q": ["LEAK"]}
    value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": data}}
    invoke = yamada.activity(
        type="invoke", name="adaptiveCard/action", value=value, replyToId=posted.activity_id
    )
    assert (await yamada.post(invoke)).status == 200
    assert "LEAK" not in str(yamada.last_body) + yamada.text
    assert troubles(caplog) == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("task/fetch", "task"),
        ("task/submit", "task"),
        ("composeExtension/query", "composeExtension"),
    ],
)
async def test_a_task_module_or_message_extension_invoke_is_told_it_is_not_offered(
    name: str, key: str, yamada: TeamsPerson, caplog: pytest.LogCaptureFixture
) -> None:
    value = {"commandId": "search", "parameters": [{"name": "q", "value": TYPED}]}
    response = await yamada.post(yamada.activity(type="invoke", name=name, value=value))
    assert response.status == 200
    answer = yamada.last_body[key]
    assert answer["type"] == "message"
    assert "この操作は aiguide にはありません" in (answer.get("value") or answer.get("text"))
    assert yamada.replies == []  # nothing posted to the chat
    assert troubles(caplog) == []


@pytest.mark.parametrize("name", ["signin/verifyState", "tab/fetch", "totally/unknown", None])
async def test_an_invoke_the_bot_does_not_implement_is_told_it_is_not_offered(
    name: str | None, yamada: TeamsPerson, caplog: pytest.LogCaptureFixture
) -> None:
    response = await yamada.post(yamada.activity(type="invoke", name=name, value={"x": TYPED}))
    assert response.status == 200  # a message, not the SDK's 501: never a 5xx
    assert "この操作は aiguide にはありません" in yamada.last_body["value"]
    assert yamada.replies == []
    assert troubles(caplog) == []


async def test_text_that_is_only_the_bots_mention_in_a_channel_gets_the_menu(
    server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    channel = {"id": "19:c@thread.tacv2;messageid=1", "conversationType": "channel"}
    person = TeamsPerson(server, farend, YAMADA, "山田 花子", conversation=channel)
    person.channel_data = {
        "tenant": {"id": person.tenant},
        "team": {"id": TEAM_ID},
        "channel": {"id": "19:c@thread.tacv2"},
    }
    mention = {"type": "mention", "text": "<at>aiguide</at>", "mentioned": BOT}
    await person.say("<at>aiguide</at>&nbsp;", entities=[mention])
    assert person.last_response.status == 200
    assert "メッセージが空でした" in person.text
    assert troubles(caplog) == []


@pytest.mark.parametrize("kind", ["message", "card action"])
async def test_a_turn_that_fails_gets_the_polite_fallback_and_logs_no_typed_text(
    kind: str,
    yamada: TeamsPerson,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await yamada.say("メニュー")
    _, action = yamada.actions()[-1]

    async def broken(turn: Any) -> Any:  # a fault deep in the turn, quoting what was typed
        raise RuntimeError(f"cannot handle {TYPED}")

    monkeypatch.setattr(server.runtime, "handle", broken)
    if kind == "message":
        response = await yamada.post(yamada.activity(text=TYPED))
        assert response.status == 200
        assert "処理中に問題が発生しました" in yamada.text, yamada.text
    else:
        value = {
            "action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}
        }
        invoke = yamada.activity(type="invoke", name="adaptiveCard/action", value=value)
        response = await yamada.post(invoke)
        assert response.status == 200
        assert yamada.last_body["statusCode"] == 200
        assert yamada.last_body["value"] == server.runtime.catalogs.for_locale("ja").t(
            "fallback.error"
        )
    [failure] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "RuntimeError" in failure.getMessage() and failure.exc_info is None
    assert TYPED not in caplog.text


async def test_installing_greets_once_though_teams_sends_two_activities_and_retries(
    server: Server, farend: FarEnd
) -> None:
    newcomer = TeamsPerson(server, farend, "aad-newcomer", "新人 太郎")
    installed = newcomer.activity(type="installationUpdate", action="add")
    bot_added = newcomer.activity(type="conversationUpdate", membersAdded=[BOT])
    greetings = 0
    for activity in (installed, bot_added, installed, bot_added):
        assert (await newcomer.post(activity)).status == 200
        greetings += "アシスタントです" in newcomer.text
    assert greetings == 1


async def test_a_retried_activity_of_an_unknown_tenant_is_refused_once_and_not_stored(
    server: Server, farend: FarEnd
) -> None:
    stranger = TeamsPerson(server, farend, "aad-stranger", "Stranger", tenant=OTHER_TENANT)
    message = stranger.activity(text="ヘルプ")
    refusals = 0
    for _ in range(3):  # the Bot Connector retries what it thinks went unanswered
        assert (await stranger.post(message)).status == 200
        refusals += len(stranger.replies)
    assert refusals == 1
    async with transaction(server.runtime.sessions) as session:
        assert (await session.exec(select(ProcessedEvent))).all() == []
    await stranger.say("ヘルプ")  # a new message is refused again
    assert len(stranger.replies) == 1


GROUP_CHAT = {"id": "19:group-chat@thread.v2", "conversationType": "groupChat"}
TEAM_GENERAL = {"id": TEAM_ID, "conversationType": "channel"}


@pytest.mark.parametrize("where", [GROUP_CHAT, TEAM_GENERAL], ids=["group chat", "team"])
async def test_adding_the_app_to_a_group_chat_or_team_introduces_it_there_once(
    where: dict[str, str], server: Server, farend: FarEnd
) -> None:
    adder = TeamsPerson(server, farend, YAMADA, "山田 花子", conversation=dict(where))
    if where is TEAM_GENERAL:
        adder.channel_data = {**adder.channel_data, "team": {"id": TEAM_ID, "name": "情報政策課"}}
    installed = adder.activity(type="installationUpdate", action="add")
    bot_added = adder.activity(type="conversationUpdate", membersAdded=[BOT])
    said: list[str] = []
    for activity in (bot_added, installed, bot_added, installed):  # both, each retried
        assert (await adder.post(activity)).status == 200
        said += [shown(p.activity) for p in adder.replies]
    [intro] = said
    assert "ガイドラインのアシスタント" in intro and "@aiguide" in intro  # how to ask there
    assert {p.conversation_id for p in farend.posted} == {where["id"]}

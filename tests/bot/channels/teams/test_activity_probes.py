"""Activities probed through the real server, in every kind of conversation: each gets a
sensible reply or the right status with nothing done — never a 5xx, an error or a traceback
in the log. A file or an image is never fetched: the person is asked to paste text."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.bot.channels.teams.conftest import (
    APP_ID,
    M365_TENANT,
    TEAM_ID,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import HOST, FarEnd
from tests.bot.channels.teams.test_activities import TYPED, troubles

BOT = {"id": f"28:{APP_ID}", "name": "aiguide"}
MENTION = {"type": "mention", "text": "<at>aiguide</at>", "mentioned": BOT}
PASTE = "ファイルや画像は開かずに読み取りません"


def personal(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


def group_chat(server: Server, farend: FarEnd) -> TeamsPerson:
    chat = {"id": "19:group-chat@thread.v2", "conversationType": "groupChat"}
    return TeamsPerson(server, farend, YAMADA, "山田 花子", conversation=chat)


def channel_thread(server: Server, farend: FarEnd) -> TeamsPerson:
    thread = {
        "id": "19:general-chat@thread.tacv2;messageid=1700000000000",
        "conversationType": "channel",
        "tenantId": M365_TENANT,
    }
    person = TeamsPerson(server, farend, YAMADA, "山田 花子", conversation=thread)
    person.channel_data = {
        "tenant": {"id": M365_TENANT},
        "team": {"id": TEAM_ID, "name": "情報政策課"},
        "channel": {"id": "19:general-chat@thread.tacv2", "name": "雑談"},
    }
    return person


WHERE: dict[str, Callable[[Server, FarEnd], TeamsPerson]] = {
    "personal chat": personal,
    "group chat": group_chat,
    "channel thread": channel_thread,
}


def addressed(person: TeamsPerson, text: str, **fields: Any) -> dict[str, Any]:
    """A message as Teams sends it there: outside a personal chat, with the bot mentioned."""
    if person.conversation["conversationType"] == "personal":
        return person.activity(text=text, **fields)
    return person.activity(text=f"<at>aiguide</at> {text}", entities=[MENTION], **fields)


class FileHost:
    """Where the attachments are: records every request for one."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.url = ""

    async def start(self) -> web.AppRunner:
        async def record(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.Response(body=b"\x89PNG secret", content_type="image/png")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        self.url = f"http://{HOST}:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return runner


@pytest.fixture
async def files() -> AsyncIterator[FileHost]:
    host = FileHost()
    runner = await host.start()
    yield host
    await runner.cleanup()


def attachments(url: str) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """(text, attachments) of a message that is a file or an image only."""
    return {
        "a file": (
            "",
            [
                {
                    "contentType": "application/vnd.microsoft.teams.file.download.info",
                    "name": "議事録.docx",
                    "contentUrl": f"{url}/sites/minutes.docx",
                    "content": {"downloadUrl": f"{url}/download/1", "fileType": "docx"},
                }
            ],
        ),
        "an image": ("", [{"contentType": "image/png", "contentUrl": f"{url}/img/1"}]),
        "a pasted image": (
            f'<div><div><img src="{url}/hosted/1" itemscope="png"></div></div>',
            [{"contentType": "text/html", "content": f'<div><img src="{url}/hosted/1"></div>'}],
        ),
    }


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("what", ["a file", "an image", "a pasted image"])
async def test_a_file_or_image_alone_is_not_fetched_and_the_person_is_asked_to_paste_text(
    what: str,
    where: str,
    server: Server,
    farend: FarEnd,
    files: FileHost,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = WHERE[where](server, farend)
    text, attached = attachments(files.url)[what]
    response = await person.post(addressed(person, text, attachments=attached))
    assert response.status == 200
    assert PASTE in person.text
    assert "文字でメッセージに貼り付ける" in person.text
    assert files.requests == []
    assert troubles(caplog) == []


async def test_a_retried_file_message_is_answered_once(
    server: Server, farend: FarEnd, files: FileHost
) -> None:
    person = personal(server, farend)
    _, attached = attachments(files.url)["a file"]
    message = person.activity(attachments=attached)
    answers = 0
    for _ in range(3):  # the Bot Connector retries what it thinks went unanswered
        assert (await person.post(message)).status == 200
        answers += PASTE in person.text
    assert answers == 1


async def test_in_english_the_paste_request_is_in_english(
    server: Server, farend: FarEnd, files: FileHost
) -> None:
    person = TeamsPerson(server, farend, YAMADA, "Hanako Yamada", locale="en-US")
    _, attached = attachments(files.url)["an image"]
    await person.post(person.activity(attachments=attached))
    assert "I do not open or read files or images" in person.text


async def test_a_file_with_text_is_answered_for_its_text(
    server: Server, farend: FarEnd, files: FileHost
) -> None:
    person = personal(server, farend)
    _, attached = attachments(files.url)["a file"]
    await person.post(person.activity(text="問い合わせ先", attachments=attached))
    assert "内線2101" in person.text
    assert "添付されたファイルは開いていません" in person.text  # and it says the file was not
    assert files.requests == []


@pytest.mark.parametrize("where", WHERE)
async def test_formatted_text_with_mentions_is_read_as_plain_text(
    where: str, server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = WHERE[where](server, farend)
    tanaka = {
        "type": "mention",
        "text": "<at>田中 一郎</at>",
        "mentioned": {"id": "29:tanaka", "name": "田中 一郎"},
    }
    text = "<p><at>aiguide</at>&nbsp;<b>問い合わせ先</b></p>"
    entities = [MENTION, tanaka] if where != "personal chat" else [tanaka]
    response = await person.post(person.activity(text=text, entities=entities))
    assert response.status == 200
    assert "内線2101" in person.text  # the policy division's extension: the contacts answer
    assert "<b>" not in person.text and "&nbsp;" not in person.text
    assert troubles(caplog) == []


async def test_a_channel_reply_with_a_reply_to_id_is_answered_in_its_thread(
    server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = channel_thread(server, farend)
    await person.post(addressed(person, "問い合わせ先", replyToId="1700000000000"))
    assert "内線2101" in person.text
    assert all(p.conversation_id == person.conversation["id"] for p in person.replies)
    assert troubles(caplog) == []


NOT_A_TURN: dict[str, Callable[[TeamsPerson], dict[str, Any]]] = {
    "reaction": lambda p: p.activity(
        type="messageReaction", reactionsAdded=[{"type": "like"}], replyToId="act-1"
    ),
    "reaction removed": lambda p: p.activity(
        type="messageReaction", reactionsRemoved=[{"type": "heart"}], replyToId="act-1"
    ),
    "edited": lambda p: p.activity(
        type="messageUpdate", text=TYPED, channelData={**p.channel_data, "eventType": "editMessage"}
    ),
    "deleted": lambda p: p.activity(
        type="messageDelete", channelData={**p.channel_data, "eventType": "softDeleteMessage"}
    ),
    "typing": lambda p: p.activity(type="typing"),
    "end of conversation": lambda p: p.activity(type="endOfConversation", code="userCancelled"),
    "unknown event": lambda p: p.activity(type="event", name="com.example/unknown", value=TYPED),
    "event without a name": lambda p: p.activity(type="event", value={"x": TYPED}),
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("kind", NOT_A_TURN)
async def test_what_is_not_a_turn_is_accepted_with_nothing_done(
    kind: str, where: str, server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = WHERE[where](server, farend)
    response = await person.post(NOT_A_TURN[kind](person))
    assert response.status == 200
    assert person.replies == []
    assert troubles(caplog) == []


CARD_ACTIONS: dict[str, dict[str, Any]] = {
    "unknown verb and action": {
        "action": {"type": "Action.Execute", "verb": "zzz", "data": {"action": "no-such-thing"}}
    },
    "verb only": {"action": {"type": "Action.Execute", "verb": "refresh"}},
    "data without an action": {"action": {"type": "Action.Execute", "verb": "x", "data": {"a": 1}}},
    "an action that is a number": {
        "action": {"type": "Action.Execute", "verb": "x", "data": {"action": 7}}
    },
    "a verb that is a list": {"action": {"type": "Action.Execute", "verb": ["x"], "data": {}}},
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("kind", CARD_ACTIONS)
async def test_a_card_action_with_an_unknown_verb_gets_an_invoke_response(
    kind: str, where: str, server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = WHERE[where](server, farend)
    invoke = person.activity(type="invoke", name="adaptiveCard/action", value=CARD_ACTIONS[kind])
    response = await person.post(invoke)
    assert response.status == 200
    assert person.last_body["statusCode"] == 200
    assert "処理中に問題が発生しました" not in person.text + str(person.last_body)
    assert troubles(caplog) == []


async def test_an_unknown_button_is_told_it_cannot_be_used_now(
    server: Server, farend: FarEnd
) -> None:
    person = personal(server, farend)
    await person.post(
        person.activity(
            type="invoke",
            name="adaptiveCard/action",
            value=CARD_ACTIONS["unknown verb and action"],
        )
    )
    assert "このボタンは今は使えません" in person.text + str(person.last_body)


MESSAGE_EXTENSION = {
    "composeExtension/query": "composeExtension",
    "composeExtension/queryLink": "composeExtension",
    "composeExtension/anonymousQueryLink": "composeExtension",
    "composeExtension/selectItem": "composeExtension",
    "composeExtension/submitAction": "composeExtension",
    "composeExtension/querySettingUrl": "composeExtension",
    "composeExtension/setting": "composeExtension",
    "composeExtension/onCardButtonClicked": "composeExtension",
    "composeExtension/fetchTask": "task",
}


@pytest.mark.parametrize("name", MESSAGE_EXTENSION)
async def test_every_message_extension_invoke_is_told_it_is_not_offered(
    name: str, server: Server, farend: FarEnd, caplog: pytest.LogCaptureFixture
) -> None:
    person = group_chat(server, farend)
    value = {"commandId": "search", "parameters": [{"name": "q", "value": TYPED}]}
    response = await person.post(person.activity(type="invoke", name=name, value=value))
    assert response.status == 200
    answer = person.last_body[MESSAGE_EXTENSION[name]]
    assert answer["type"] == "message"
    assert "この操作は aiguide にはありません" in (answer.get("value") or answer.get("text"))
    assert person.replies == []
    assert troubles(caplog) == []

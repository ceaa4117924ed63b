"""The local channel's HTTP API, as the web chat page uses it, and the health endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.local import TOKEN, TOKEN_HEADER
from bot.runtime import Runtime
from storage.db import transaction
from storage.posts import add_post
from tests.conftest import SAMPLE_TENANT, Database, settings_for


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[Any, Any]]:
    """A client calling the API as the page does: with this start's token."""
    app = create_app(runtime)
    async with TestClient(TestServer(app), headers={TOKEN_HEADER: app[TOKEN]}) as client:
        yield client


async def _turn(client: TestClient[Any, Any], **body: Any) -> dict[str, Any]:
    response = await client.post("/api/turn", json={"persona": "yamada", **body})
    assert response.status == 200
    return await response.json()


def _texts(answer: dict[str, Any]) -> str:
    return "\n".join(r.get("text") or r.get("title") or "" for r in answer["replies"])


async def test_the_page_and_its_words_come_from_the_server(client: TestClient[Any, Any]) -> None:
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert '<script type="module" src="/static/js/main.js"></script>' in html
    assert f'<meta name="aiguide-token" content="{client.app[TOKEN]}">' in html
    setup = await (await client.get("/api/setup")).json()
    assert setup["municipality"] == "さくら市"
    assert [p["id"] for p in setup["personas"]] == ["yamada", "tanaka", "sato", "suzuki"]
    assert setup["words"]["policy_channel"] == "情報政策課チャンネル"
    english = await (await client.get("/api/setup?locale=en")).json()
    assert english["words"]["policy_channel"] == "Policy-division channel"


async def test_a_conversation_through_the_api(client: TestClient[Any, Any]) -> None:
    menu = await _turn(client, action="menu:menu")
    buttons = [b["id"] for r in menu["replies"] for b in r.get("buttons", [])]
    assert "menu:profile" in buttons

    answer = await _turn(client, action="menu:profile")
    assert "1/3 お名前を教えてください。" in _texts(answer)
    answer = await _turn(client, text="山田 花子")
    assert "2/3" in _texts(answer)


async def test_each_persona_has_its_own_conversation(client: TestClient[Any, Any]) -> None:
    await _turn(client, text="プロフィール")
    other = await _turn(client, persona="sato", text="税務課")
    assert "/3 " not in _texts(other)  # sato is in no form: 「税務課」 answers no question


async def test_a_resent_event_is_answered_once(client: TestClient[Any, Any]) -> None:
    first = await _turn(client, text="プロフィール", event_id="web-1")
    again = await _turn(client, text="プロフィール", event_id="web-1")
    assert first["replies"]
    assert again["replies"] == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '{"persona": "nobody", "text": "hi"}',
        '{"persona": "yamada", "text": 42}',
        '{"persona": "yamada", "action": ["x"]}',
        '{"persona": "yamada", "action": "f:1:values", "values": {"a": 1}}',
    ],
)
async def test_a_malformed_request_gets_a_clear_400(
    client: TestClient[Any, Any], body: str
) -> None:
    response = await client.post("/api/turn", data=body)
    assert response.status == 400
    assert (await response.json())["error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "メッセージが空でした"),
        ("   \n ", "メッセージが空でした"),
        ("x" * 20_000, "メッセージが長すぎます"),
        ("\x00\x01\x02", "メッセージが空でした"),
        ("🌸🌸🌸", "うまく理解できませんでした"),
        ("<img src=x onerror=alert(1)>", "うまく理解できませんでした"),
    ],
)
async def test_bad_input_gets_a_polite_answer(
    client: TestClient[Any, Any], text: str, expected: str
) -> None:
    assert expected in _texts(await _turn(client, text=text))


async def test_a_stale_button_leaves_the_form_where_it_was(client: TestClient[Any, Any]) -> None:
    first = await _turn(client, text="プロフィール")
    cancel = next(
        b["id"] for r in first["replies"] for b in r.get("buttons", []) if "cancel" in b["id"]
    )
    await _turn(client, text="山田花子")
    answer = await _turn(client, action=cancel)  # from the first question's prompt
    assert "古くなっています" in _texts(answer)
    answer = await _turn(client, text="税務課")
    assert "3/3" in _texts(answer)


async def test_the_shared_channels_show_threads(
    client: TestClient[Any, Any], runtime: Runtime
) -> None:
    empty = await (await client.get("/api/channels/policy?persona=sato")).json()
    assert empty["threads"] == []
    async with transaction(runtime.sessions) as session:
        top = await add_post(session, SAMPLE_TENANT, "policy", {"type": "text", "text": "報告"})
        await add_post(session, SAMPLE_TENANT, "policy", {"type": "text", "text": "受付"}, top.id)
    feed = await (await client.get("/api/channels/policy?persona=suzuki")).json()
    assert [t["body"]["text"] for t in feed["threads"]] == ["報告"]
    assert [r["body"]["text"] for r in feed["threads"][0]["replies"]] == ["受付"]
    assert (await (await client.get("/api/channels/caio?persona=sato")).json())["threads"] == []
    assert (await client.get("/api/channels/elsewhere?persona=sato")).status == 404


async def test_health_and_readiness(client: TestClient[Any, Any]) -> None:
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["database"] == "ok"


async def test_not_ready_when_the_database_is_unreachable(database: Database) -> None:
    unreachable = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    runtime = Runtime.create(settings_for(unreachable))
    async with TestClient(TestServer(create_app(runtime))) as client:
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"


@pytest.mark.parametrize(
    "event_id",
    ["web\x00id", "web\nERROR bot.runtime: FORGED", "\ud800", "x" * 201, 12, ""],
)
async def test_an_unusable_event_id_is_refused_at_the_channel(
    client: TestClient[Any, Any], event_id: object
) -> None:
    response = await client.post(
        "/api/turn", json={"persona": "yamada", "text": "メニュー", "event_id": event_id}
    )
    assert response.status == 400
    assert "event_id" in (await response.json())["error"]


async def test_json_nested_too_deeply_or_sent_as_text_is_a_clear_400(
    client: TestClient[Any, Any],
) -> None:
    nested = await client.post(
        "/api/turn", data="[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert nested.status == 400
    as_text = await client.post(
        "/api/turn",
        data='{"persona": "yamada", "text": "admin add tanaka"}',
        headers={"Content-Type": "text/plain"},
    )
    assert as_text.status == 400


async def test_an_inbox_position_too_large_for_the_database_is_a_clear_400(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/api/inbox/yamada?after=99999999999999999999999999")
    assert response.status == 400


# --- vocabulary v2 over the wire ----------------------------------------------------------


async def test_a_pressed_reply_is_named_and_replaced_by_its_answer(
    client: TestClient[Any, Any],
) -> None:
    await _turn(client, action="menu:profile")
    question = await _turn(client, text="山田 花子")
    [asked] = [r for r in question["replies"] if r["type"] == "choices"]
    assert [b["label"] for b in asked["navigation"]] == ["戻る", "中止"]
    tax = next(b for b in asked["answers"] if b["label"] == "税務課")

    answer = await _turn(client, action=tax["id"], message="reply-7")
    replaced, *rest = answer["replies"]
    assert replaced == {
        "type": "text",
        "text": "2/3 所属の課を選んでください。\n✔ 税務課",
        "replaces": "reply-7",
    }
    assert rest[0]["text"].startswith("3/3 ")


async def test_a_message_reference_must_be_a_short_string(client: TestClient[Any, Any]) -> None:
    for message in (7, "x" * 101):
        response = await client.post(
            "/api/turn", json={"persona": "yamada", "action": "menu:menu", "message": message}
        )
        assert response.status == 400
        assert (await response.json())["error"] == "message must be a short string"


async def test_the_home_view_is_read_without_changing_anything(
    client: TestClient[Any, Any], runtime: Runtime
) -> None:
    response = await client.get("/api/home/tanaka")
    assert response.status == 200
    home = await response.json()
    assert home["type"] == "home"
    assert home["title"] == "田中 一郎 さんのホーム"
    assert [s["title"] for s in home["sections"]] == [
        "私の状況（利用前の確認）",
        "対応中の私の報告（0件）",
    ]
    assert home["actions"][0]["id"] == "menu:entry_check"
    assert await (await runtime.town()).person("tanaka") is None  # looking registered nobody
    english = await (await client.get("/api/home/tanaka?locale=en")).json()
    assert english["title"] == "Home of 田中 一郎"
    assert (await client.get("/api/home/nobody")).status == 404


REPORT = {
    "contact": "内線1234",
    "system": "copilot",
    "happened_on": "",
    "detected_on": "2026-11-27",
    "category": "bias",
    "what": "採用案内の文案に性別で役割を決めつける表現が出力された。",
    "entered": "none",
    "impact": "internal",
    "severity": "unsure",
    "excerpt": "",
    "done_so_far": "",
}


async def test_acknowledging_from_the_thread_shows_the_card_s_new_status_in_place(
    client: TestClient[Any, Any], runtime: Runtime
) -> None:
    started = await _turn(client, action="menu:risk_report")
    whole = await _turn(client, action=_id(started, ":whole"))
    [form] = [r for r in whole["replies"] if r["type"] == "form"]
    review = await _turn(client, action=form["submit"]["id"], values=REPORT)
    await _turn(client, action=_id(review, ":submit"))
    await runtime.deliver()
    [thread] = (await (await client.get("/api/channels/policy?persona=sato")).json())["threads"]
    card = thread["body"]
    ack = next(b["id"] for b in card["buttons"] if b["id"].endswith(":ack"))

    answer = await _turn(client, persona="sato", action=ack, message=f"post:{thread['id']}")

    # The one who pressed is told privately; the card itself now says where the report stands.
    assert [(r["text"], r.get("private")) for r in answer["replies"]] == [
        (f"{card['title'].split()[0]} を受付しました。報告者に知らせました。", True)
    ]
    await runtime.deliver()
    [thread] = (await (await client.get("/api/channels/policy?persona=sato")).json())["threads"]
    facts = {f["label"]: f["value"] for f in thread["body"]["facts"]}
    assert facts["状況"] == "受付済み・対応中"
    assert not any(b["id"].endswith(":ack") for b in thread["body"]["buttons"])
    assert "replaces" not in thread["body"]
    assert any("が受付しました" in r["body"]["text"] for r in thread["replies"])


def _id(answer: dict[str, Any], suffix: str) -> str:
    """The id of the button among the replies whose id ends with `suffix`."""
    return next(
        b["id"] for r in answer["replies"] for b in r.get("buttons", []) if b["id"].endswith(suffix)
    )


# --- what the page keeps and shows ----------------------------------------------------------


async def test_the_page_keeps_what_was_typed_only_masked(client: TestClient[Any, Any]) -> None:
    typed = "このテキストを確認して: 高橋誠司様 090-1234-5678"
    answer = await _turn(client, text=typed, page=True)
    assert "090-1234-5678" not in answer["said"]
    assert "高橋誠司" not in answer["said"]
    assert answer["said"].startswith("このテキストを確認して: ")
    plain = await _turn(client, text="メニュー", page=True)
    assert plain["said"] == "メニュー"
    assert "said" not in await _turn(client, text="メニュー")  # only the page asks for it


async def test_the_page_learns_the_person_s_language_and_channels_from_each_turn(
    client: TestClient[Any, Any],
) -> None:
    before = await _turn(client, text="メニュー", page=True)
    assert (before["locale"], before["channels"]) == ("ja", [])
    after = await _turn(client, text="English", page=True)
    assert after["locale"] == "en"
    standing = await (await client.get("/api/persona/yamada")).json()
    assert standing == {"persona": "yamada", "locale": "en", "channels": []}
    admin = await (await client.get("/api/persona/sato")).json()
    assert admin["channels"] == ["policy", "caio"]
    assert (await (await client.get("/api/persona/sato?locale=en")).json())["locale"] == "en"
    assert (await client.get("/api/persona/nobody")).status == 404


async def test_a_page_opened_afresh_gets_what_arrived_since_the_person_last_spoke(
    client: TestClient[Any, Any], runtime: Runtime
) -> None:
    await _turn(client, text="メニュー")
    async with transaction(runtime.sessions) as session:
        notice = {"type": "text", "text": "RC-2026-0001 を受付しました"}
        await add_post(session, SAMPLE_TENANT, "user:yamada", notice)
    arrived = await (await client.get("/api/inbox/yamada?since=last_turn")).json()
    assert [p["body"]["text"] for p in arrived["posts"]] == ["RC-2026-0001 を受付しました"]
    assert arrived["last"] == arrived["posts"][0]["id"]
    nothing_new = await (await client.get(f"/api/inbox/yamada?after={arrived['last']}")).json()
    assert nothing_new["posts"] == []
    await _turn(client, text="メニュー", event_id="spoke-again")
    again = await (await client.get("/api/inbox/yamada?since=last_turn")).json()
    assert again["posts"] == []  # she has spoken since: nothing to catch up on
    assert (await client.get("/api/inbox/yamada?since=yesterday")).status == 400


async def test_the_result_of_a_command_comes_before_the_offer_to_go_back_to_the_form(
    client: TestClient[Any, Any],
) -> None:
    await _turn(client, persona="sato", text="プロフィール")
    answer = await _turn(client, persona="sato", text="system list")
    texts = [r.get("text") or r.get("title") or "" for r in answer["replies"]]
    assert texts[0] == "別表のシステム（5件）"
    assert texts[-1] == "「プロフィール登録」の入力に戻りますか？"


async def test_the_page_s_words_come_in_both_languages(client: TestClient[Any, Any]) -> None:
    setup = await (await client.get("/api/setup")).json()
    ja, en = setup["catalogue"]["ja"], setup["catalogue"]["en"]
    assert (ja["conversation"], en["conversation"]) == ("会話", "Conversation")
    assert (ja["send"], en["send"]) == ("送信", "Send")
    assert (ja["persona"], en["persona"]) == ("話す人", "Speaking as")
    assert set(ja) == set(en)

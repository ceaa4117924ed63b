"""The local channel's HTTP API, as the web chat page uses it, and the health endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.runtime import Runtime
from storage.db import transaction
from storage.posts import add_post
from tests.conftest import SAMPLE_TENANT, Database, settings_for


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(runtime))) as client:
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
    assert "/static/app.js" in html
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
    assert "うまく理解できませんでした" in _texts(other)  # sato is in no form


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
    empty = await (await client.get("/api/channels/policy")).json()
    assert empty["threads"] == []
    async with transaction(runtime.sessions) as session:
        top = await add_post(session, SAMPLE_TENANT, "policy", {"type": "text", "text": "報告"})
        await add_post(session, SAMPLE_TENANT, "policy", {"type": "text", "text": "受付"}, top.id)
    feed = await (await client.get("/api/channels/policy")).json()
    assert [t["body"]["text"] for t in feed["threads"]] == ["報告"]
    assert [r["body"]["text"] for r in feed["threads"][0]["replies"]] == ["受付"]
    assert (await (await client.get("/api/channels/caio")).json())["threads"] == []
    assert (await client.get("/api/channels/elsewhere")).status == 404


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

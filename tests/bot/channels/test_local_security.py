"""The local web chat refuses whatever is not its own page (issue 15, item 1).

Each attack is tried as an attacker would (a page on another origin, a rebinding host name,
no token, a form-encoded or text body), aimed at something that matters: making tanaka an
admin in sato's name. After each refusal nothing has changed; the same request sent the way
the page sends it then does grant, so the refusals are what kept it from happening.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.local import TOKEN, TOKEN_HEADER
from bot.runtime import Runtime
from tests.conftest import Database, settings_for

GRANT = {"persona": "sato", "text": "admin add tanaka"}


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[Any, Any]]:
    """A client that sends no token unless told to."""
    async with TestClient(TestServer(create_app(runtime))) as client:
        yield client


def _token(client: TestClient[Any, Any]) -> dict[str, str]:
    return {TOKEN_HEADER: client.app[TOKEN]}


async def _tanaka_sees_the_policy_channel(client: TestClient[Any, Any]) -> bool:
    """Whether tanaka is an admin now (admins see the shared channels)."""
    response = await client.get("/api/persona/tanaka", headers=_token(client))
    assert response.status == 200
    return "policy" in (await response.json())["channels"]


async def _refused(response: Any, status: int = 403) -> str:
    assert response.status == status
    assert response.content_type == "application/json"
    return str((await response.json())["error"])


async def test_the_grant_the_attacks_aim_at_works_from_the_page(
    client: TestClient[Any, Any],
) -> None:
    assert not await _tanaka_sees_the_policy_channel(client)
    response = await client.post("/api/turn", json=GRANT, headers=_token(client))
    assert response.status == 200
    assert await _tanaka_sees_the_policy_channel(client)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "token"),
        ({TOKEN_HEADER: "guessed"}, "token"),
        ({"Origin": "http://127.0.0.1:8888"}, "cross-origin"),
        ({"Origin": "null"}, "cross-origin"),
        ({"Sec-Fetch-Site": "cross-site"}, "cross-site"),
        ({"Sec-Fetch-Site": "same-site"}, "cross-site"),
        ({"Host": "attacker.example:3978"}, "host"),  # DNS rebinding to 127.0.0.1
        ({"Host": "127.0.0.1.attacker.example"}, "host"),
    ],
)
async def test_a_request_not_from_the_page_is_refused_and_changes_nothing(
    client: TestClient[Any, Any], headers: dict[str, str], reason: str
) -> None:
    sent = headers if reason == "token" else {**_token(client), **headers}
    response = await client.post("/api/turn", json=GRANT, headers=sent)
    assert reason in await _refused(response)
    assert not await _tanaka_sees_the_policy_channel(client)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_a_body_a_plain_form_could_send_is_refused_and_changes_nothing(
    client: TestClient[Any, Any], content_type: str
) -> None:
    response = await client.post(
        "/api/turn",
        data='{"persona": "sato", "text": "admin add tanaka"}',
        headers={**_token(client), "Content-Type": content_type},
    )
    assert "JSON" in await _refused(response, 400)
    assert not await _tanaka_sees_the_policy_channel(client)


@pytest.mark.parametrize(
    "path",
    [
        "/api/setup",
        "/api/channels/policy?persona=sato",
        "/api/channels/caio?persona=suzuki",
        "/api/inbox/yamada",
        "/api/inbox/sato?since=last_turn",
        "/api/home/yamada",
        "/api/persona/yamada",
    ],
)
async def test_every_read_needs_the_token(client: TestClient[Any, Any], path: str) -> None:
    assert "token" in await _refused(await client.get(path))
    assert "token" in await _refused(await client.get(path, headers={TOKEN_HEADER: "x" * 43}))
    assert (await client.get(path, headers=_token(client))).status == 200


@pytest.mark.parametrize("channel", ["policy", "caio"])
@pytest.mark.parametrize("persona", ["yamada", "tanaka", "", "nobody"])
async def test_the_shared_channels_are_refused_to_non_members(
    client: TestClient[Any, Any], channel: str, persona: str
) -> None:
    response = await client.get(
        f"/api/channels/{channel}?persona={persona}", headers=_token(client)
    )
    assert "policy division and the CAIO" in await _refused(response)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.inline += [name for name, _ in attrs if name.startswith("on")]  # onclick=…

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


async def test_the_page_and_its_api_send_security_headers(client: TestClient[Any, Any]) -> None:
    page = await client.get("/")
    assert page.status == 200
    for response in (
        page,
        await client.get("/static/js/main.js"),
        await client.get("/api/setup", headers=_token(client)),
        await client.post("/api/turn", data="x"),  # a refusal carries them too
    ):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"  # the token changes with each start
    # The CSP allows no inline script, and the page has none to allow.
    parser = _Scripts()
    parser.feed(await page.text())
    assert parser.scripts == [{"type": "module", "src": "/static/js/main.js"}]
    assert parser.inline == []
    # Slack and Teams endpoints beside it are not the page's: their answers are left alone.
    assert "Content-Security-Policy" not in (await client.get("/healthz")).headers


async def test_the_page_itself_is_refused_under_another_host_name(
    client: TestClient[Any, Any],
) -> None:
    # A rebinding page must not even read the token out of the page.
    response = await client.get("/", headers={"Host": "attacker.example"})
    assert "host" in await _refused(response)
    assert client.app[TOKEN] not in await response.text()


async def test_the_page_opens_from_a_link_on_another_site(client: TestClient[Any, Any]) -> None:
    # A navigation changes nothing; what the page then calls is what is checked.
    page = await client.get("/", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status == 200
    assert client.app[TOKEN] in await page.text()


async def test_each_start_has_its_own_token(runtime: Runtime) -> None:
    first, second = create_app(runtime), create_app(runtime)
    assert first[TOKEN] != second[TOKEN]
    assert len(first[TOKEN]) >= 40


# ---- beyond loopback -------------------------------------------------------------------------


async def test_beyond_loopback_the_local_channel_stays_off_without_the_setting(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime.create(settings_for(database, host="0.0.0.0"))
    await runtime.load_sample_data()
    with caplog.at_level(logging.WARNING):
        app = create_app(runtime)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/")).status == 404
        assert (await client.post("/api/turn", json=GRANT)).status == 404
        assert (await client.get("/healthz")).status == 200  # the rest of the bot runs
    assert TOKEN not in app
    [warning] = [r.getMessage() for r in caplog.records if "local web chat is off" in r.message]
    assert "AIGUIDE_HOST=0.0.0.0" in warning
    assert "AIGUIDE_LOCAL_REMOTE_HOSTS" in warning


async def test_beyond_loopback_the_setting_serves_it_to_the_named_hosts_and_logs_who_is_who(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(database, host="0.0.0.0", local_remote_hosts="demo-pc.example")
    runtime = Runtime.create(settings)
    await runtime.load_sample_data()
    app = create_app(runtime)
    with caplog.at_level(logging.WARNING):
        async with TestClient(TestServer(app), headers={TOKEN_HEADER: app[TOKEN]}) as client:
            named = await client.get("/api/setup", headers={"Host": "demo-pc.example:3978"})
            assert named.status == 200
            assert (await client.get("/api/setup")).status == 200  # loopback still works
            other = await client.get("/api/setup", headers={"Host": "192.168.1.20:3978"})
            assert "host" in await _refused(other)
    [said] = [r.getMessage() for r in caplog.records if "beyond loopback" in r.message]
    assert "demo-pc.example" in said
    assert "sato (佐藤 健, admin)" in said
    assert "suzuki (鈴木 CAIO, caio)" in said
    assert "yamada (山田 花子, staff)" in said


async def test_the_api_s_other_refusals_are_json_too(client: TestClient[Any, Any]) -> None:
    wrong_method = await client.get("/api/turn", headers=_token(client))
    assert (await _refused(wrong_method, 405)) == "Method Not Allowed"
    huge = await client.post(
        "/api/turn",
        data=b'{"persona": "sato", "text": "' + b"x" * (2 * 1024**2) + b'"}',
        headers={**_token(client), "Content-Type": "application/json"},
    )
    assert await _refused(huge, 413)
    assert not await _tanaka_sees_the_policy_channel(client)

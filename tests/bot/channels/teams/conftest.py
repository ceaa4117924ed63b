"""The real aiohttp server with Teams configured, its far end on loopback, and people in Teams.

Every activity is a real HTTP POST with a bearer token signed by the far end's key; what the
bot answers is read back from the fake Bot Connector's records.
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from bot.runtime import Runtime
from storage.db import transaction
from storage.tenants import link
from tests.bot.channels.teams.farend import (
    HOST,
    FarEnd,
    Posted,
    SigningKey,
    TestCA,
    card_of,
    shown,
)
from tests.conftest import SAMPLE_MUNICIPALITY, SAMPLE_TENANT, Database, settings_for

APP_ID = "8f0c2c8e-1111-4d2e-9d4b-0a1b2c3d4e5f"
APP_TENANT = "0b3a7a51-2222-4c55-8e44-9c1d2e3f4a5b"
M365_TENANT = "6e0f6c4e-3333-4b1a-a1b2-c3d4e5f60718"  # the municipality's Microsoft 365 tenant
OTHER_TENANT = "9a9a9a9a-4444-4c4c-8d8d-1e1e1e1e1e1e"  # linked to no municipality
SATO = "aad-sato-0001"  # policy division (admin)
SUZUKI = "aad-suzuki-0002"  # CAIO
YAMADA = "aad-yamada-0003"
POLICY_CHANNEL = "19:policy-channel@thread.tacv2"
CAIO_CHANNEL = "19:caio-channel@thread.tacv2"
TEAM_ID = "19:team-general@thread.tacv2"

_KEY = SigningKey()
_CA = TestCA(Path(tempfile.mkdtemp(prefix="aiguide-teams-ca-")))


@pytest.fixture
def signing_key() -> SigningKey:
    return _KEY


@pytest.fixture
async def farend(signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FarEnd]:
    far = FarEnd(signing_key, _CA)
    # MSAL (requests) trusts the far end's Entra as it would a company CA in production.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(_CA.bundle))
    await far.start()
    yield far
    await far.stop()


def municipality_file(tmp_path: Path) -> Path:
    """The sample municipality with Teams people as its admins and CAIO, and its policy and
    CAIO channels in Teams."""
    text = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
    text = text.replace('admins = ["sato"]', f'admins = ["{SATO}"]')
    text = text.replace('caio = ["suzuki"]', f'caio = ["{SUZUKI}"]')
    text += "\n[channels]\n" + f'shared = "teams"\npolicy = "{POLICY_CHANNEL}"\n'
    text += f'caio = "{CAIO_CHANNEL}"\n'
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Server:
    def __init__(self, runtime: Runtime, runner: web.AppRunner, port: int) -> None:
        self.runtime = runtime
        self.runner = runner
        self.url = f"http://{HOST}:{port}/api/messages"


async def serve(runtime: Runtime) -> Server:
    runner = web.AppRunner(create_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return Server(runtime, runner, port)


async def teams_runtime(
    database: Database, farend: FarEnd, tmp_path: Path, **extra: Any
) -> Runtime:
    values: dict[str, Any] = {
        "municipality_file": municipality_file(tmp_path),
        "teams_app_id": APP_ID,
        "teams_app_password": "app-secret",
        "teams_app_tenant": APP_TENANT,
        "teams_openid_url": f"{farend.url}/openid",
        "teams_messages_per_second": 1000.0,
    }
    if farend.ca is not None:  # MSAL asks the far end's Entra, over https
        values["teams_authority"] = farend.authority
    else:  # a far end without TLS: its plain token endpoint
        values["teams_token_url"] = f"{farend.url}/token"
    values.update(extra)
    runtime = Runtime.create(settings_for(database, **values))
    await runtime.load_sample_data()
    async with transaction(runtime.sessions) as session:
        await link(session, SAMPLE_TENANT, "teams_tenant", M365_TENANT)
    return runtime


@pytest.fixture
async def server(database: Database, farend: FarEnd, tmp_path: Path) -> AsyncIterator[Server]:
    runtime = await teams_runtime(database, farend, tmp_path)
    running = await serve(runtime)
    yield running
    await running.runner.cleanup()


class TeamsPerson:
    """Someone in Teams: each action is a signed POST; `replies` is what the bot posted
    since."""

    _ids = itertools.count(1)

    def __init__(
        self,
        server: Server,
        farend: FarEnd,
        aad: str,
        name: str,
        *,
        tenant: str = M365_TENANT,
        conversation: dict[str, Any] | None = None,
        locale: str = "ja-JP",
    ) -> None:
        self.server = server
        self.farend = farend
        self.aad = aad
        self.name = name
        self.tenant = tenant
        self.conversation = conversation or {
            "id": f"a:personal-{aad}",
            "conversationType": "personal",
            "tenantId": tenant,
        }
        self.locale = locale
        self.replies: list[Posted] = []
        self.channel_data: dict[str, Any] = {"tenant": {"id": tenant}}

    def activity(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "id": f"in-{next(self._ids)}",
            "timestamp": "2026-12-01T01:00:00.000Z",
            "serviceUrl": self.farend.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{self.aad}", "aadObjectId": self.aad, "name": self.name},
            "recipient": {"id": f"28:{APP_ID}", "name": "aiguide"},
            "conversation": self.conversation,
            "channelData": self.channel_data,
            "locale": self.locale,
        }
        body.update(fields)
        return body

    async def post(
        self, activity: dict[str, Any], token: str | None = None, *, signed: bool = True
    ) -> aiohttp.ClientResponse:
        headers = {}
        if signed:
            headers["Authorization"] = f"Bearer {token or self.farend.token(APP_ID)}"
        before = len(self.farend.posted)
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.server.url, json=activity, headers=headers) as response,
        ):
            await response.read()
        self.replies = self.farend.posted[before:]
        self.last_response = response
        self.last_body = await _json(response)
        return response

    async def say(self, text: str, **fields: Any) -> str:
        await self.post(self.activity(text=text, **fields))
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(shown(p.activity) for p in self.replies if p.method != "update")

    def actions(self) -> list[tuple[Posted, dict[str, Any]]]:
        found = []
        for posted in self.farend.posted:
            card = card_of(posted.activity)
            for action in (card or {}).get("actions", ()):
                found.append((posted, action))
        return found

    def action(self, label: str) -> tuple[Posted, dict[str, Any]]:
        """The latest button with this label among everything the bot posted to us."""
        mine = [(p, a) for p, a in self.actions() if p.conversation_id == self.conversation["id"]]
        for posted, action in reversed(mine):
            if action["title"] == label:
                return posted, action
        raise AssertionError(f"no button {label!r} in:\n{self.text}")

    async def press(self, label: str, values: dict[str, Any] | None = None) -> str:
        """Press a button as a client with Universal Actions (an adaptiveCard/action invoke)."""
        posted, action = self.action(label)
        data = {**action["data"], **(values or {})}
        value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": data}}
        invoke = self.activity(
            type="invoke", name="adaptiveCard/action", value=value, replyToId=posted.activity_id
        )
        await self.post(invoke)
        return self.text

    async def choose(self, label: str) -> str:
        """Pick an answer from a card's choice set (many answers) and send it; a plain button
        when the answer is one."""
        for posted in reversed(self.replies):
            card = card_of(posted.activity) or {}
            for element in card.get("body", ()):
                if element.get("type") != "Input.ChoiceSet" or element.get("id") != "choice":
                    continue
                for choice in element["choices"]:
                    if choice["title"] == label:
                        return await self.press("選ぶ", {"choice": choice["value"]})
        return await self.press(label)

    async def submit(self, label: str, values: dict[str, Any] | None = None) -> str:
        """Press a button as a client without Universal Actions (the Action.Submit fallback)."""
        posted, action = self.action(label)
        data = {**action["fallback"]["data"], **(values or {})}
        await self.post(self.activity(value=data, replyToId=posted.activity_id))
        return self.text

    async def complete_pre_use(self) -> None:
        await self.say("利用開始")
        await self.say("2026-10-01")
        while any(a["title"] == "確認しました" for _, a in self._latest_actions()):
            await self.press("確認しました")
        await self.press("送信")
        assert "利用前の確認を記録しました" in self.text, self.text

    def _latest_actions(self) -> list[tuple[Posted, dict[str, Any]]]:
        ids = {p.activity_id for p in self.replies}
        return [(p, a) for p, a in self.actions() if p.activity_id in ids]


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def new_id() -> str:
    return uuid.uuid4().hex

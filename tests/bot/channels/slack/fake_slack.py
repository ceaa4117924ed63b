"""A fake Slack on a loopback port: the Web API (records every call), response_urls, and
a Socket Mode WebSocket that plays Slack's side."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.bot.channels.slack.block_kit import problems, view_problems

TEAM = "T0001"
TOKEN = "xoxb-test-1"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeSlack:
    # token → team id (auth.test, and which workspace a call was made for)
    teams: dict[str, str] = field(default_factory=lambda: {TOKEN: TEAM})
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # method → Retry-After seconds, one per call to answer 429 to (then it answers again)
    limit_next: dict[str, list[int]] = field(default_factory=dict)
    oauth_grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    # Messages and views Slack would have refused (Block Kit limits broken)
    refused: list[tuple[str, list[str]]] = field(default_factory=list)
    _ts: int = 1000
    _runner: web.AppRunner | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_get("/ws", self._ws)
        app.router.add_route("*", "/files-pri/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, seconds: float = 10.0) -> list[Call]:
        async def enough() -> list[Call]:
            while len(self.of(method)) < count:
                self._changed.clear()
                await self._changed.wait()
            return self.of(method)

        return await asyncio.wait_for(enough(), seconds)

    async def settle(self, seconds: float = 0.3) -> None:
        """Let work after the acknowledgement finish (for asserting that nothing came)."""
        await asyncio.sleep(seconds)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
            params.update(request.query)
        if self.limit_next.get(method):
            after = self.limit_next[method].pop(0)
            self._record(Call(f"{method}#429", params, token))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(after)},
            )
        answer = self._answer(method, params, token)
        self._record(Call(method, params, token, answer))
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        wrong: list[str] = []
        if isinstance(params.get("blocks"), list):
            wrong = problems(params["blocks"])
        if isinstance(params.get("view"), dict):
            wrong = view_problems(params["view"])
        if wrong:
            self.refused.append((method, wrong))
            return {"ok": False, "error": "invalid_blocks", "errors": wrong}
        if method == "auth.test":
            team = self.teams.get(token)
            if team is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "team_id": team, "user_id": BOT_USER, "bot_id": "BBOT"}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            self._ts += 1
            ts = params.get("ts") or f"{self._ts}.000100"
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method in ("views.open", "views.publish", "views.update"):
            self._ts += 1
            return {"ok": True, "view": {"id": f"V{self._ts}"}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "oauth.v2.access":
            grant = self.oauth_grants.get(str(params.get("code")))
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            self.teams[grant["access_token"]] = grant["team"]["id"]
            return {"ok": True, **grant}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws") + "/ws"}
        return {"ok": True}

    async def _response(self, request: web.Request) -> web.Response:
        payload = await request.json()
        if problems(payload.get("blocks", [])):
            self.refused.append(("response_url", problems(payload["blocks"])))
        self._record(Call("response_url", payload, request.match_info["id"]))
        return web.Response(text="ok")

    async def _file(self, request: web.Request) -> web.Response:
        """A file's url_private: recorded, so a test can tell the bot never fetched it."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self._record(Call("url_private", {"path": request.match_info["path"]}, token))
        return web.Response(body=b"PK\x03\x04", content_type="application/octet-stream")

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._record(Call("socket.connected", {}, ""))
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                self._record(Call("socket.ack", json.loads(message.data), ""))
        return socket


def slack_user(
    user_id: str,
    name: str,
    *,
    email: str = "",
    locale: str = "ja-JP",
    division: str = "",
    is_bot: bool = False,
    team: str = TEAM,
) -> dict[str, Any]:
    fields = {"Xf0DIV": {"value": division}} if division else {}
    return {
        "id": user_id,
        "team_id": team,
        "is_bot": is_bot,
        "locale": locale,
        "profile": {"display_name": name, "email": email, "fields": fields},
    }


Finder = Callable[[Call], bool]

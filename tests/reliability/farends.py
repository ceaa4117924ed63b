"""The far ends of the other suites (tests/bot/channels/slack/fake_slack.py, teams/farend.py),
made to misbehave on cue: each call of a faulted method takes the next fault of its list.

- "500": an internal server error; the platform did nothing.
- "429": too many requests, with `Retry-After` (`seconds`); the platform did nothing.
- "hang": no answer for `seconds` (the caller gives up long before), then 503; nothing done.
- "slow": the platform does the work at once but answers only after `seconds` — a caller
  that dies meanwhile never learns that it was done (the at-least-once window).

Every call that arrives is noted in `arrived` (method and outbox key) before any fault, so a
test can tell what was in flight when it killed the bot.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.bot.channels.slack.fake_slack import FakeSlack
from tests.bot.channels.teams.farend import FarEnd


@dataclass(frozen=True)
class Fault:
    kind: str  # "500" | "429" | "hang" | "slow"
    seconds: float = 0.0


def faults(kind: str, times: int, seconds: float = 0.0) -> list[Fault]:
    return [Fault(kind, seconds)] * times


def _refusal(fault: Fault) -> web.Response:
    if fault.kind == "429":
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": f"{fault.seconds:g}"},
        )
    return web.json_response({"ok": False, "error": "internal_error"}, status=500)


@dataclass
class FaultySlack(FakeSlack):
    """The fake Slack Web API; `faults[method]` are answered first, in order, and
    `faults["outbox"]` first of all for the posts that carry an outbox key."""

    faults: dict[str, list[Fault]] = field(default_factory=dict)
    arrived: list[tuple[str, str]] = field(default_factory=list)  # (method, outbox key)
    refused_calls: list[tuple[str, str]] = field(default_factory=list)  # (method, fault)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        key = ""
        if request.content_type == "application/json":
            body = await request.json()
            key = str(((body.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        self.arrived.append((method, key))
        plan = self.faults.get("outbox") if key else None
        plan = plan or self.faults.get(method)
        fault = plan.pop(0) if plan else None
        if fault is None:
            return await super()._api(request)
        if fault.kind == "slow":
            answer = asyncio.ensure_future(super()._api(request))  # done now, told later
            await asyncio.sleep(fault.seconds)
            return await answer
        self.refused_calls.append((method, fault.kind))
        self._changed.set()
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        return _refusal(fault)

    def outbox_keys(self) -> list[str]:
        """The outbox key of each message Slack accepted, in the order it accepted them."""
        return [
            str(c.params["metadata"]["event_payload"]["key"])
            for c in self.of("chat.postMessage")
            if isinstance(c.params.get("metadata"), dict)
        ]


class FaultyFarEnd(FarEnd):
    """The fake Bot Connector; `faults` are answered first by the posting endpoints (a new
    conversation, a message, a reply), in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.faults: list[Fault] = []
        self.refused_calls: list[str] = []

    async def _faulted(self, request: web.Request, handler: Any) -> web.Response:
        fault = self.faults.pop(0) if self.faults else None
        if fault is None:
            return await handler(request)
        if fault.kind == "slow":
            answer = asyncio.ensure_future(handler(request))
            await asyncio.sleep(fault.seconds)
            return await answer
        self.refused_calls.append(fault.kind)
        self.changed.set()
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        if fault.kind == "429":
            return web.json_response(
                {"error": {"code": "TooManyRequests"}},
                status=429,
                headers={"Retry-After": f"{fault.seconds:g}"},
            )
        return web.json_response({"error": {"code": "InternalServerError"}}, status=500)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._faulted(request, super()._send)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._faulted(request, super()._reply)

    async def _create(self, request: web.Request) -> web.Response:
        return await self._faulted(request, super()._create)

    def outbox_keys(self) -> list[tuple[str, str]]:
        """(conversation, outbox key) of each activity the connector accepted, in order."""
        found = []
        for posted in self.posted:
            for entity in posted.activity.get("entities") or ():
                if entity.get("type") == "aiguide/outbox" and entity.get("part") == 0:
                    found.append((posted.conversation_id, str(entity["key"])))
        return found

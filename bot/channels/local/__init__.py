"""The local channel: a web chat on 127.0.0.1 that needs no account.

The page (static files, no build step, nothing from the internet) lets one act as any sample
persona and shows, beside the conversation, the policy-division and CAIO channels with their
threads. Replies travel as the JSON of the reply vocabulary; the page renders them with
`textContent` only, so text that looks like HTML is shown, never run.
"""

from __future__ import annotations

import uuid
from importlib import resources

from aiohttp import web

from bot.runtime import Runtime, TenantNotChosen
from bot.settings import Persona
from bot.town import Town
from dialogs.turn import Turn, valid_id

CHANNEL = "local"
CONVERSATION = "main"
SHARED_CHANNELS = ("policy", "caio")
_MAX_FIELD = 100_000  # characters; the router answers politely above its own, lower limit

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)


def add_local_channel(app: web.Application) -> None:
    static = resources.files("bot.channels.local").joinpath("static")
    app.router.add_get("/", _index)
    app.router.add_static("/static/", path=str(static), show_index=False)
    app.router.add_get("/api/setup", _setup)
    app.router.add_post("/api/turn", _turn)
    app.router.add_get("/api/channels/{key}", _channel)
    app.router.add_get("/api/inbox/{persona}", _inbox)


async def _index(request: web.Request) -> web.StreamResponse:
    page = resources.files("bot.channels.local").joinpath("static/index.html").read_text()
    return web.Response(text=page, content_type="text/html", charset="utf-8")


def _personas(town: Town) -> dict[str, Persona]:
    return {p.id: p for p in town.personas}


async def _town(runtime: Runtime, tenant: object) -> Town | None:
    """The municipality picked on the page; without a pick, the only (or the first) one."""
    try:
        return await runtime.town(str(tenant) if tenant else None)
    except TenantNotChosen as error:
        if tenant or not error.known:
            return None
        return await runtime.town(error.known[0])


async def _setup(request: web.Request) -> web.Response:
    """The municipalities, the picked one's personas, and the page's own words (from the
    catalogue) for the requested locale."""
    runtime = request.app[RUNTIME]
    town = await _town(runtime, request.query.get("tenant"))
    if town is None:
        raise web.HTTPNotFound()
    locale = request.query.get("locale", "ja")
    msg = runtime.catalogs.for_locale(locale)
    words = {key.removeprefix("web."): msg.t(key) for key in _web_keys(runtime)}
    return web.json_response(
        {
            "tenant": town.tenant_id,
            "municipality": town.facts.name,
            "municipalities": [{"id": t.id, "name": t.name} for t in await runtime.tenant_list()],
            "locale": msg.locale,
            "personas": [p.model_dump() for p in town.personas],
            "words": words,
        }
    )


def _web_keys(runtime: Runtime) -> list[str]:
    return sorted(k for k in runtime.catalogs.keys("ja") if k.startswith("web."))


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _turn(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    if request.content_type != "application/json":
        return _bad_request("body must be JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return _bad_request("body must be JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    town = await _town(runtime, body.get("tenant"))
    if town is None:
        return _bad_request("unknown municipality")
    persona = _personas(town).get(str(body.get("persona", "")))
    if persona is None:
        return _bad_request("unknown persona")
    text, action, values = body.get("text"), body.get("action"), body.get("values") or {}
    if text is not None and not isinstance(text, str):
        return _bad_request("text must be a string")
    if action is not None and (not isinstance(action, str) or len(action) > 300):
        return _bad_request("action must be a short string")
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= _MAX_FIELD
        for k, v in values.items()
    ):
        return _bad_request("values must map names to strings")
    event_id = body.get("event_id")
    if event_id is not None and not valid_id(event_id):
        return _bad_request("event_id must be a short printable string")
    locale = body.get("locale") if body.get("locale") in ("ja", "en") else None
    turn = Turn(
        tenant_id=town.tenant_id,
        channel=CHANNEL,
        user_id=persona.id,
        conversation_id=CONVERSATION,
        text=(text or "")[:_MAX_FIELD] if action is None else None,
        action=action,
        values=values,
        locale=locale,
        event_id=str(event_id or uuid.uuid4()),
        user_name=persona.name,
        user_division=persona.division,
    )
    replies = await runtime.handle(turn)
    return web.json_response({"replies": [reply.to_dict() for reply in replies]})


async def _channel(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    key = request.match_info["key"]
    town = await _town(runtime, request.query.get("tenant"))
    if key not in SHARED_CHANNELS or town is None:
        raise web.HTTPNotFound()
    threads = await town.threads(key)
    return web.json_response(
        {
            "channel": key,
            "threads": [
                {
                    "id": thread.post.id,
                    "at": thread.post.created_at.isoformat(),
                    "body": thread.post.body,
                    "replies": [
                        {"id": r.id, "at": r.created_at.isoformat(), "body": r.body}
                        for r in thread.replies
                    ],
                }
                for thread in threads
            ],
        }
    )


async def _inbox(request: web.Request) -> web.Response:
    """Messages the bot sent a persona on its own, after post id `after` (none without it:
    then only where the inbox stands, so a page reload replays nothing)."""
    runtime = request.app[RUNTIME]
    town = await _town(runtime, request.query.get("tenant"))
    persona = _personas(town).get(request.match_info["persona"]) if town else None
    if town is None or persona is None:
        raise web.HTTPNotFound()
    after = request.query.get("after")
    if after is not None and not (after.isdigit() and len(after) <= 18):
        return _bad_request("after must be a post id")
    posts, last = await town.inbox(persona.id, int(after) if after is not None else None)
    return web.json_response(
        {
            "posts": [{"id": p.id, "at": p.created_at.isoformat(), "body": p.body} for p in posts],
            "last": last,
        }
    )

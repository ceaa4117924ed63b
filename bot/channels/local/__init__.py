"""The local channel: a web chat on 127.0.0.1 that needs no account.

The page (static files, no build step, nothing from the internet) lets one act as any sample
persona and shows, beside the conversation, the policy-division and CAIO channels with their
threads. Replies travel as the JSON of the reply vocabulary; the page renders them with
`textContent` only, so text that looks like HTML is shown, never run.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from importlib import resources

from aiohttp import web

from bot.runtime import Runtime, TenantNotChosen
from bot.services.home import home_of
from bot.settings import Persona
from bot.town import Town
from dialogs.turn import Turn, valid_id
from dialogs.ui import Reply
from storage.addresses import CAIO, POLICY, target_of
from storage.db import transaction
from storage.posts import replace_body

CHANNEL = "local"
CONVERSATION = "main"
# The shared channels as the local deliverer keeps their posts (the page asks for these keys).
SHARED_CHANNELS = (target_of(POLICY), target_of(CAIO))
_POST_REF = re.compile(r"^post:\d{1,18}$")
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
    app.router.add_get("/api/home/{persona}", _home)


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
    # The page's reference of the reply whose button was pressed ("reply-12", "post:7").
    message = body.get("message")
    if message is not None and (not isinstance(message, str) or len(message) > 100):
        return _bad_request("message must be a short string")
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
        message_ref=message if action is not None else None,
        locale=locale,
        event_id=str(event_id or uuid.uuid4()),
        user_name=persona.name,
        user_division=persona.division,
        user_email=persona.email or None,
    )
    replies = await runtime.handle(turn)
    shown = await _replace_posts(town, replies)
    return web.json_response({"replies": [reply.to_dict() for reply in shown]})


async def _replace_posts(town: Town, replies: list[Reply]) -> list[Reply]:
    """A reply replacing a shared-channel post ("post:<id>", e.g. a report card with its new
    status) rewrites that post for everyone; the rest go to the person who acted."""
    posts = {
        int(ref.removeprefix("post:")): reply
        for reply in replies
        if (ref := getattr(reply, "replaces", None)) and _POST_REF.match(ref)
    }
    if not posts:
        return replies
    async with transaction(town.runtime.sessions) as session:
        for post_id, reply in posts.items():
            await replace_body(
                session, town.tenant_id, post_id, replace(reply, replaces=None).to_dict()
            )
    rewritten = {id(reply) for reply in posts.values()}
    return [reply for reply in replies if id(reply) not in rewritten]


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


async def _home(request: web.Request) -> web.Response:
    """A persona's home view (read-only: nothing is stored by looking at it)."""
    runtime = request.app[RUNTIME]
    town = await _town(runtime, request.query.get("tenant"))
    persona = _personas(town).get(request.match_info["persona"]) if town else None
    if town is None or persona is None:
        raise web.HTTPNotFound()
    locale = request.query.get("locale")
    locale = locale if locale in ("ja", "en") else None
    view = await home_of(town, CHANNEL, persona.id, locale, user_name=persona.name)
    return web.json_response(view.to_dict())

"""The local channel's JSON API, as the page uses it (each handler behind guard.guarded).

Every error is a 4xx with a JSON `{"error": ...}`, never a traceback.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.channels.local.keys import RUNTIME
from bot.channels.local.people import (
    CHANNEL,
    LOCALES,
    SHARED_CHANNELS,
    page_locale,
    persona_of,
    pick_town,
    standing_of,
)
from bot.services.home import home_of
from bot.town import Town
from dialogs import pii
from dialogs.text import MAX_TEXT_LENGTH
from dialogs.turn import Turn, valid_id
from dialogs.ui import Reply
from storage.db import transaction
from storage.models import ChannelPost
from storage.posts import replace_body

CONVERSATION = "main"
_POST_REF = re.compile(r"^post:\d{1,18}$")
_MAX_FIELD = 100_000  # characters; the router answers politely above its own, lower limit
ARRIVED = "last_turn"  # ?since=: what reached the inbox after the person last spoke


def _bad_request(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _not_member() -> web.Response:
    return _bad_request("only the policy division and the CAIO see the shared channels", 403)


async def setup(request: web.Request) -> web.Response:
    """The municipalities, the picked one's personas, and the page's own words (from the
    catalogue): `words` in the requested locale, `catalogue` in each, for switching."""
    runtime = request.app[RUNTIME]
    town = await pick_town(runtime, request.query.get("tenant"))
    if town is None:
        return _bad_request("unknown municipality", 404)
    msg = runtime.catalogs.for_locale(page_locale(request.query.get("locale")))
    keys = sorted(k for k in runtime.catalogs.keys("ja") if k.startswith("web."))

    def words(locale: str) -> dict[str, str]:
        catalog = runtime.catalogs.for_locale(locale)
        return {key.removeprefix("web."): catalog.t(key) for key in keys}

    return web.json_response(
        {
            "tenant": town.tenant_id,
            "municipality": town.facts.name,
            "municipalities": [{"id": t.id, "name": t.name} for t in await runtime.tenant_list()],
            "locale": msg.locale,
            "personas": [p.model_dump() for p in town.personas],
            "words": words(msg.locale),
            "catalogue": {locale: words(locale) for locale in LOCALES},
        }
    )


def _said(text: str, runtime: Any, locale: str) -> str:
    """What the person typed as the page may keep it (its history): personal information
    masked as the text check masks it, so a reload never brings back a pasted My Number."""
    text = text[:MAX_TEXT_LENGTH]
    catalog = runtime.catalogs.for_locale(locale)
    found = pii.scan(text).findings
    return pii.mask(text, found, lambda kind: catalog.t(f"pii.kind.{kind}")) if found else text


async def turn(request: web.Request) -> web.Response:
    """One message, button press or form of a persona. With `"page": true` (the page's
    calls) the answer also says what the page keeps: the masked text (`said`), the person's
    language now and the shared channels they see."""
    runtime = request.app[RUNTIME]
    if request.content_type != "application/json":
        return _bad_request("body must be JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return _bad_request("body must be JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    town = await pick_town(runtime, body.get("tenant"))
    if town is None:
        return _bad_request("unknown municipality")
    persona = persona_of(town, body.get("persona", ""))
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
    locale = page_locale(body.get("locale"))
    said = (text or "")[:_MAX_FIELD] if action is None else None
    replies = await runtime.handle(
        Turn(
            tenant_id=town.tenant_id,
            channel=CHANNEL,
            user_id=persona.id,
            conversation_id=CONVERSATION,
            text=said,
            action=action,
            values=values,
            message_ref=message if action is not None else None,
            locale=locale,
            event_id=str(event_id or uuid.uuid4()),
            user_name=persona.name,
            user_division=persona.division,
            user_email=persona.email or None,
        )
    )
    shown = await _replace_posts(town, replies)
    answer: dict[str, Any] = {"replies": [reply.to_dict() for reply in shown]}
    if body.get("page") is True:
        answer["locale"], answer["channels"] = await standing_of(town, persona, locale)
        if said is not None:
            answer["said"] = _said(said, runtime, answer["locale"])
    return web.json_response(answer)


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


def _post(post: ChannelPost) -> dict[str, Any]:
    return {"id": post.id, "at": post.created_at.isoformat(), "body": post.body}


async def channel(request: web.Request) -> web.Response:
    """A shared channel's threads, for a persona who is a member (`?persona=`)."""
    runtime = request.app[RUNTIME]
    key = request.match_info["key"]
    town = await pick_town(runtime, request.query.get("tenant"))
    if key not in SHARED_CHANNELS or town is None:
        return _bad_request("no such channel", 404)
    persona = persona_of(town, request.query.get("persona"))
    if persona is None:
        return _not_member()
    _, member_of = await standing_of(town, persona, None)
    if key not in member_of:
        return _not_member()
    threads = await town.threads(key)
    return web.json_response(
        {
            "channel": key,
            "threads": [
                {**_post(thread.post), "replies": [_post(r) for r in thread.replies]}
                for thread in threads
            ],
        }
    )


async def inbox(request: web.Request) -> web.Response:
    """Messages the bot sent a persona on its own, after post id `after`; with
    `since=last_turn`, those that arrived after the person last spoke (a page opened afresh);
    with neither, none: only where the inbox stands."""
    runtime = request.app[RUNTIME]
    town = await pick_town(runtime, request.query.get("tenant"))
    persona = persona_of(town, request.match_info["persona"])
    if town is None or persona is None:
        return _bad_request("unknown persona", 404)
    after, since = request.query.get("after"), request.query.get("since")
    if after is not None and not (after.isdigit() and len(after) <= 18):
        return _bad_request("after must be a post id")
    if since is not None and since != ARRIVED:
        return _bad_request(f"since must be {ARRIVED}")
    posts, last = await town.inbox(persona.id, int(after) if after is not None else None)
    if since == ARRIVED and after is None:
        arrived = await town.arrived_since_last_turn(CHANNEL, persona.id, CONVERSATION)
        posts = [p for p in arrived if p.id is not None and p.id <= last]
    return web.json_response({"posts": [_post(p) for p in posts], "last": last})


async def persona(request: web.Request) -> web.Response:
    """A persona's language and the shared channels they see (asked when one is picked)."""
    runtime = request.app[RUNTIME]
    town = await pick_town(runtime, request.query.get("tenant"))
    chosen = persona_of(town, request.match_info["persona"])
    if town is None or chosen is None:
        return _bad_request("unknown persona", 404)
    locale, channels = await standing_of(town, chosen, page_locale(request.query.get("locale")))
    return web.json_response({"persona": chosen.id, "locale": locale, "channels": channels})


async def home(request: web.Request) -> web.Response:
    """A persona's home view (read-only: nothing is stored by looking at it)."""
    runtime = request.app[RUNTIME]
    town = await pick_town(runtime, request.query.get("tenant"))
    chosen = persona_of(town, request.match_info["persona"])
    if town is None or chosen is None:
        return _bad_request("unknown persona", 404)
    locale = page_locale(request.query.get("locale"))
    view = await home_of(town, CHANNEL, chosen.id, locale, user_name=chosen.name)
    return web.json_response(view.to_dict())

"""The local channel: a web chat on 127.0.0.1 that needs no account.

The page (static files, no build step, nothing from the internet) lets one act as any sample
persona and shows, beside the conversation, the policy-division and CAIO channels with their
threads to the personas who are members of them. Replies travel as the JSON of the reply
vocabulary; the page renders them with `textContent` only, so text that looks like HTML is
shown, never run.

Whoever opens the page can act as anyone, so it is served on loopback only, unless
`AIGUIDE_LOCAL_REMOTE_HOSTS` names the hosts it may be opened by (that risk understood, and
logged at start with who can act as whom); every API call needs this start's token
(guard.py).
"""

from __future__ import annotations

import logging
from importlib import resources

from aiohttp import web

from bot.channels.local import api
from bot.channels.local.guard import (
    TOKEN_HEADER,
    add_security_headers,
    allowed_hosts,
    guarded,
    is_loopback,
    json_errors,
    new_token,
    remote_hosts,
)
from bot.channels.local.keys import HOSTS, RUNTIME, TOKEN
from bot.channels.local.people import CHANNEL, SHARED_CHANNELS

__all__ = ["CHANNEL", "HOSTS", "RUNTIME", "SHARED_CHANNELS", "TOKEN", "TOKEN_HEADER"]

log = logging.getLogger(__name__)
_TOKEN_SLOT = "__AIGUIDE_TOKEN__"


def add_local_channel(app: web.Application) -> None:
    """Serve the page and its API on `app` (which holds the runtime), or refuse to when
    bound beyond loopback without the explicit setting."""
    settings = app[RUNTIME].settings
    remote = remote_hosts(settings.local_remote_hosts)
    if not is_loopback(settings.host) and not remote:
        log.warning(
            "the local web chat is off: AIGUIDE_HOST=%s is not a loopback address, and whoever "
            "opens the page can act as any persona (an admin, the CAIO). To serve it anyway, "
            "name the host names it is opened by in AIGUIDE_LOCAL_REMOTE_HOSTS.",
            settings.host,
        )
        return
    app[TOKEN] = new_token()
    app[HOSTS] = allowed_hosts(settings.host, remote)
    if remote:
        app.on_startup.append(_warn_remote)
    app.on_response_prepare.append(add_security_headers)
    app.middlewares.append(json_errors)
    static = resources.files("bot.channels.local").joinpath("static")
    app.router.add_get("/", guarded(_index, api=False))
    app.router.add_static("/static/", path=str(static), show_index=False)
    app.router.add_get("/api/setup", guarded(api.setup))
    app.router.add_post("/api/turn", guarded(api.turn))
    app.router.add_get("/api/channels/{key}", guarded(api.channel))
    app.router.add_get("/api/inbox/{persona}", guarded(api.inbox))
    app.router.add_get("/api/persona/{persona}", guarded(api.persona))
    app.router.add_get("/api/home/{persona}", guarded(api.home))


async def _index(request: web.Request) -> web.StreamResponse:
    page = resources.files("bot.channels.local").joinpath("static/index.html").read_text()
    response = web.Response(
        text=page.replace(_TOKEN_SLOT, request.app[TOKEN]),
        content_type="text/html",
        charset="utf-8",
    )
    # The token changes with every start: a cached page would hold a dead one.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _warn_remote(app: web.Application) -> None:
    """Say at start, in the log, who can act as whom from other machines."""
    runtime = app[RUNTIME]
    hosts = ", ".join(sorted(app[HOSTS]))
    for entry in await runtime.tenant_list():
        town = await runtime.town(entry.id)
        people = ", ".join(f"{p.id} ({p.name}, {p.role})" for p in town.personas) or "nobody"
        log.warning(
            "the local web chat is served beyond loopback (AIGUIDE_HOST=%s, hosts %s): anyone "
            "who can reach it can act, in %s, as any of: %s",
            runtime.settings.host,
            hosts,
            entry.name,
            people,
        )

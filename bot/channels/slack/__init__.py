"""The Slack channel: slack-bolt's AsyncApp on the bot's own aiohttp server (or Socket Mode).

`register(app, runtime)` adds the routes when the Slack settings are there:
POST /slack/events, /slack/commands, /slack/interactions (each verified by bolt with the
signing secret), and with OAuth (several workspaces) GET /slack/install and
/slack/oauth_redirect. With AIGUIDE_SLACK_APP_TOKEN it connects by Socket Mode instead and
needs no inbound port.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.channels.slack.adapter import pressed_nothing
from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.deliverer import SlackOutboxDeliverer, SlackPoster
from bot.channels.slack.listeners import build_bolt_app
from bot.runtime import Runtime

log = logging.getLogger(__name__)
SLACK: web.AppKey[SlackChannel] = web.AppKey("slack", SlackChannel)
PATHS = ("/slack/events", "/slack/commands", "/slack/interactions")


def register(app: web.Application, runtime: Runtime) -> SlackChannel:
    settings = runtime.settings
    channel = SlackChannel(runtime, settings)
    bolt = build_bolt_app(channel)
    app[SLACK] = channel
    poster = SlackPoster(channel, settings.slack_messages_per_second)
    if runtime.delivery is not None:
        # The poster paces itself per workspace; the registry's lane adds no pause of its own.
        runtime.delivery.registry.add("slack", SlackOutboxDeliverer(poster))

    async def dispatch(request: web.Request) -> web.StreamResponse:
        # bolt parses the body (and reads fields of it) before it checks the signature; a
        # body it cannot read (not JSON, nested deeper than the parser recurses, not an
        # object, a field of the wrong type) would be a 500. Parsing has no side effects.
        try:
            bolt_request = await to_bolt_request(request)
        except web.HTTPException:
            raise  # 413: over the size limit
        except Exception:
            return _malformed()
        if not isinstance(bolt_request.body, dict):
            return _malformed()
        try:
            response = await bolt.async_dispatch(bolt_request)
        except Exception as error:
            # Past the signature check (bolt verifies first): a signed request whose fields
            # bolt cannot match (a missing `channel`, a field of the wrong type). The type only.
            if pressed_nothing(bolt_request.body):
                # A press that names no element (bolt reads the first action to match it):
                # nothing to do, and anything but a 200 shows the person an error.
                return web.Response(status=200)
            log.warning("refused a Slack request that could not be read (%s)", type(error).__name__)
            return _malformed()
        return await to_aiohttp_response(response)

    if settings.slack_app_token is None:
        for path in PATHS:
            app.router.add_post(path, dispatch)
    _add_oauth(app, bolt)
    socket = None

    async def start(_app: web.Application) -> None:
        nonlocal socket
        await channel.start()
        if settings.slack_app_token:
            from bot.channels.slack.socket_mode import start_socket_mode

            socket = await start_socket_mode(bolt, channel, settings.slack_app_token)

    async def stop(_app: web.Application) -> None:
        if socket is not None:
            await socket.close_async()
        await channel.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return channel


def _malformed() -> web.Response:
    return web.json_response({"error": "malformed request"}, status=400)


def _add_oauth(app: web.Application, bolt: AsyncApp) -> None:
    flow = bolt.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)

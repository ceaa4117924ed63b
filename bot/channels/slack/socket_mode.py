"""Socket Mode: the bot dials out to Slack over a WebSocket, so no inbound port is needed
(closed municipal networks). slack_sdk's aiohttp client reconnects by itself when Slack
sends a `disconnect` envelope (it opens a new URL with apps.connections.open) or the
connection goes quiet; bolt acknowledges each envelope before the work, as over HTTP."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.adapter import pressed_nothing

log = logging.getLogger(__name__)


class _Handler(AsyncSocketModeHandler):
    """bolt's handler, except that an envelope bolt cannot read (a press naming no element,
    a field of the wrong type) is acknowledged: unacknowledged, Slack sends it again and
    again, and bolt's own handler would log it with a traceback. Over HTTP such a press is
    a 200 and the rest a 400 (bot/channels/slack/__init__.py)."""

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        payload = req.payload if isinstance(req.payload, dict) else {}
        if not pressed_nothing(payload):
            try:
                await super().handle(client, req)
                return
            except Exception as error:  # the type only: the payload may hold what was typed
                log.warning("acknowledged an unreadable Slack envelope (%s)", type(error).__name__)
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


async def start_socket_mode(bolt: AsyncApp, channel: Any, app_token: str) -> AsyncSocketModeHandler:
    # apps.connections.open is called with the app-level token, on the same base URL.
    web_client = AsyncWebClient(
        token=app_token, base_url=channel.api.base_url, session=channel.api.session
    )
    handler = _Handler(bolt, app_token=app_token, web_client=web_client)
    await handler.connect_async()
    return handler

"""Socket Mode: the bot dials out to Slack over a WebSocket, so no inbound port is needed
(closed municipal networks). slack_sdk's aiohttp client reconnects by itself when Slack
sends a `disconnect` envelope (it opens a new URL with apps.connections.open) or the
connection goes quiet; bolt acknowledges each envelope before the work, as over HTTP."""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def start_socket_mode(bolt: AsyncApp, channel: Any, app_token: str) -> AsyncSocketModeHandler:
    # apps.connections.open is called with the app-level token, on the same base URL.
    web_client = AsyncWebClient(
        token=app_token, base_url=channel.api.base_url, session=channel.api.session
    )
    handler = AsyncSocketModeHandler(bolt, app_token=app_token, web_client=web_client)
    await handler.connect_async()
    return handler

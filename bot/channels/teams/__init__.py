"""Microsoft Teams, through the Microsoft 365 Agents SDK: POST /api/messages and the outbox.

`register(app, runtime)` (called by bot/app.py when Teams is configured) adds the endpoint
and the `teams` deliverer. A request is processed only after its bearer token checks out
(auth.py); a missing or bad token is a 401 and nothing else happens. The activity then runs
through the SDK's CloudAdapter (TurnContext, send/update activity) into `TeamsAgent`.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.channels.teams.adapter import locale, read_activity
from bot.channels.teams.agent import TeamsAgent
from bot.channels.teams.auth import (
    TeamsTokenValidator,
    TokenRejected,
    auth_configuration,
    token_provider,
)
from bot.channels.teams.connector import BotConnector, Pacer, SharedClientFactory
from bot.channels.teams.deliverer import TeamsDeliverer, TeamsPoster
from bot.runtime import Runtime

log = logging.getLogger(__name__)
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ROUTE = "/api/messages"


class TeamsChannel:
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.anonymous = not settings.teams_app_id
        self.configuration = auth_configuration(settings)
        self.factory = SharedClientFactory(_LazyTokens(self), anonymous=self.anonymous)
        self.tokens: Any = None
        self.validator: TeamsTokenValidator | None = None
        self.adapter = CloudAdapter(channel_service_client_factory=self.factory)
        self.adapter.on_turn_error = self._on_turn_error
        self.connector = BotConnector(self.factory, Pacer(settings.teams_messages_per_second))
        self.agent = TeamsAgent(runtime, self.connector)
        self.poster = TeamsPoster(self.connector, runtime.catalogs)

    async def start(self) -> None:
        http = self.factory.session()
        self.tokens = token_provider(self.runtime.settings, self.configuration, http)
        if not self.anonymous:
            self.validator = TeamsTokenValidator(self.configuration, self.runtime.settings, http)

    async def close(self) -> None:
        await self.factory.close()

    async def messages(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization")
        if not self.anonymous and not authorization:
            return _unauthorized()
        try:
            activity = read_activity(json.loads(await request.read()))
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            activity = None
        if activity is None:
            return web.json_response({"error": "not an activity"}, status=400)
        # The SDK needs all of these to answer (without a recipient it fails, logging the
        # activity's sender at ERROR): an activity without them is refused before it runs.
        if (
            not activity.type
            or activity.conversation is None
            or not activity.service_url
            or activity.recipient is None
            or activity.from_property is None
        ):
            return web.json_response({"error": "not an activity"}, status=400)
        if self.validator is not None:
            try:
                claims = await self.validator.check(
                    authorization, activity.service_url, activity.channel_id
                )
            except TokenRejected as why:
                log.info("rejected a Teams request: %s", why)
                return _unauthorized()
        else:
            claims = ClaimsIdentity({}, False, authentication_type="Anonymous")
        response = await self.adapter.process_activity(claims, activity, self.agent.on_turn)
        if activity.type == "invoke":
            if response is None:
                return web.json_response({}, status=200)
            return web.json_response(response.body or {}, status=response.status or 200)
        return web.Response(status=200)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """A turn that failed: its place in the code is logged (never the exception's text,
        which may quote what was typed) and the person gets the polite fallback — for an
        invoke as its response, so Teams shows it instead of its own error."""
        activity = context.activity
        log.error(
            "Teams turn failed (%s at %s) for activity %s",
            type(error).__name__,
            _where(error),
            activity.id if activity else "-",
        )
        if activity is None or activity.type not in ("message", "invoke"):
            return
        text = self.runtime.catalogs.for_locale(locale(activity)).t("fallback.error")
        try:
            if activity.type == "invoke" and self.adapter.INVOKE_RESPONSE_KEY not in (
                context.turn_state
            ):
                body = {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}
                response = InvokeResponse(status=200, body=body)
                await context.send_activity(Activity(type="invokeResponse", value=response))
            else:
                await context.send_activity(Activity(type="message", text=text))
        except Exception as failed:  # the Bot Connector is unreachable: nothing more to do
            log.info("could not tell of a failed turn: %s", type(failed).__name__)


def _where(error: BaseException) -> str:
    """The innermost frames of an exception, as file:line."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames)) or "-"


class _LazyTokens:
    """The token provider once the channel has started (it needs the shared HTTP session)."""

    def __init__(self, channel: TeamsChannel) -> None:
        self._channel = channel

    async def get_access_token(self, resource_url: str, scopes: list[str], **kwargs: Any) -> str:
        return await self._channel.tokens.get_access_token(resource_url, scopes, **kwargs)


TEAMS: web.AppKey[TeamsChannel] = web.AppKey("teams", TeamsChannel)


def _unauthorized() -> web.Response:
    return web.json_response({"error": "unauthorized"}, status=401)


def setup(app: web.Application, runtime: Runtime) -> TeamsChannel | None:
    """Teams when configured; otherwise the endpoint refuses every request."""
    if runtime.settings.teams_enabled:
        return register(app, runtime)
    app.router.add_post(ROUTE, _not_configured)
    return None


async def _not_configured(request: web.Request) -> web.Response:
    return web.json_response(
        {"error": "Teams is not configured (AIGUIDE_TEAMS_APP_ID)"}, status=403
    )


def register(app: web.Application, runtime: Runtime) -> TeamsChannel:
    """Serve POST /api/messages and deliver the `teams` outbox messages."""
    settings = runtime.settings
    # The SDK logs a malformed activity's validation errors with their input values: what
    # people typed. We answer 400 ourselves and keep those lines out of the log.
    logging.getLogger("microsoft_agents.activity.activity").setLevel(logging.CRITICAL)
    # It also logs each refused token at ERROR, quoting the caller's claims: anyone could fill
    # the error log. `messages` logs every refusal itself (INFO, the reason only).
    logging.getLogger("microsoft_agents.hosting.core.authorization.jwt_token_validator").setLevel(
        logging.CRITICAL
    )
    channel = TeamsChannel(runtime)
    if channel.anonymous:
        log.warning(
            "Teams endpoint %s is served WITHOUT token checks (AIGUIDE_TEAMS_DEV_ANONYMOUS, "
            "development only): anyone who can reach it can speak as anyone",
            ROUTE,
        )
    else:
        log.info("Teams endpoint %s for app %s", ROUTE, settings.teams_app_id)
    app[TEAMS] = channel
    app.router.add_post(ROUTE, channel.messages)
    if runtime.delivery is not None:
        # The poster paces each conversation itself; the lane adds no pause of its own.
        runtime.delivery.registry.add("teams", TeamsDeliverer(runtime, channel.poster))

    async def _start(_app: web.Application) -> None:
        await channel.start()

    async def _close(_app: web.Application) -> None:
        await channel.close()

    app.on_startup.append(_start)
    app.on_cleanup.append(_close)
    return channel

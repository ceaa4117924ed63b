"""The aiohttp application: health endpoints and the channels."""

from __future__ import annotations

from aiohttp import web

from bot.channels.local import RUNTIME, add_local_channel
from bot.channels.teams import setup as setup_teams
from bot.metrics import metrics_handler
from bot.runtime import Runtime
from bot.scheduler import Ticker


def create_app(runtime: Runtime, *, tick_seconds: float | None = None) -> web.Application:
    """The app; with `tick_seconds` it also runs the scheduler (reminders, deliveries)."""
    app = web.Application(client_max_size=1024**2)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", metrics_handler(runtime.metrics, runtime.sessions))
    add_local_channel(app)
    if runtime.settings.slack_enabled:
        from bot.channels.slack import register

        register(app, runtime)
    # Microsoft Teams: served only with an app id (or the explicit development setting).
    setup_teams(app, runtime)
    ticker = Ticker(runtime, tick_seconds) if tick_seconds else None

    async def _start(_app: web.Application) -> None:
        if ticker is not None:
            ticker.start()

    async def _close(_app: web.Application) -> None:
        if ticker is not None:
            await ticker.stop()
        await runtime.close()

    app.on_startup.append(_start)
    app.on_cleanup.append(_close)
    return app


async def _healthz(request: web.Request) -> web.Response:
    """The process answers (liveness)."""
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    """The database answers too (readiness): a load balancer sends turns only then."""
    if await request.app[RUNTIME].ready():
        return web.json_response({"status": "ready", "database": "ok"})
    return web.json_response({"status": "not ready", "database": "unreachable"}, status=503)

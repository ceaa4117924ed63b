"""The aiohttp application: health endpoints and the channels."""

from __future__ import annotations

from aiohttp import web

from bot.channels.local import RUNTIME, add_local_channel
from bot.runtime import Runtime


def create_app(runtime: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    add_local_channel(app)

    async def _close(_app: web.Application) -> None:
        await runtime.close()

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

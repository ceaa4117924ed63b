"""`aiguide serve`: the bot with the local web chat (the only command that imports aiohttp)."""

from __future__ import annotations

import asyncio
import errno
import logging

from aiohttp import web

from bot.app import create_app
from bot.channels.local.guard import is_loopback, remote_hosts
from bot.cli.database import check_reachable
from bot.cli.messages import fail, t
from bot.files.registry_io import RegistryFileError
from bot.runtime import Runtime
from bot.settings import ConfigError, Settings, load_municipality
from storage.migrate import upgrade

log = logging.getLogger("aiguide")


async def _start(settings: Settings) -> web.Application:
    runtime = Runtime.create(settings)
    if await runtime.load_sample_data():
        log.info("loaded the sample municipality from %s", settings.municipality_file)
    return create_app(runtime, tick_seconds=settings.tick_seconds)


def serve(settings: Settings, *, migrate: bool) -> int:
    if (problem := settings.slack_problem()) is not None:
        return fail("cli.bad_slack", problem=problem)
    if settings.municipality_file.is_file():
        # The sample municipality is added only into an empty database, but a wrong file
        # is a mistake to fix before anything starts or is migrated.
        try:
            load_municipality(settings.municipality_file)
        except ConfigError as error:
            return fail("cli.bad_municipality", error=error)
    # A database that is down or misnamed: one line (main), before the port is taken.
    asyncio.run(check_reachable(settings.database_url, settings.database_schema))
    if migrate:
        upgrade(settings.database_url, settings.database_schema)
    address = f"http://{settings.host}:{settings.port}/"

    # Beyond loopback without the explicit setting the local channel refuses to serve the
    # page (bot/channels/local): the first line must not send anyone to open it.
    web_chat = is_loopback(settings.host) or bool(remote_hosts(settings.local_remote_hosts))
    running = "cli.running" if web_chat else "cli.running_without_web_chat"

    def _announce(_: str) -> None:
        print(t(running, address=address), flush=True)

    # run_app turns SIGTERM/SIGINT into a graceful stop: no new connections, and turns in
    # flight get `shutdown_timeout` seconds to finish and commit.
    try:
        web.run_app(
            _start(settings),
            host=settings.host,
            port=settings.port,
            shutdown_timeout=settings.shutdown_timeout,
            print=_announce,
            access_log=None,
        )
    except RegistryFileError as error:
        return fail("cli.registry_errors_serve", errors=error)
    except ConfigError as error:
        return fail("cli.bad_municipality", error=error)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return fail("cli.port_in_use", host=settings.host, port=settings.port)
        return fail("cli.cannot_listen", host=settings.host, port=settings.port, reason=error)
    log.info("aiguide stopped")
    return 0

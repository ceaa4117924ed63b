"""What the local channel keeps on the aiohttp application."""

from __future__ import annotations

from aiohttp import web

from bot.runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
# The random token of this start: put in the page, required on every API call.
TOKEN: web.AppKey[str] = web.AppKey("local_token", str)
# The host names a request may name in its Host header (DNS rebinding stops here).
HOSTS: web.AppKey[frozenset[str]] = web.AppKey("local_hosts", frozenset)

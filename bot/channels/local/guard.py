"""Who may call the local channel's API: only the page this process served.

The page lets whoever opens it act as any persona, so the API must refuse everything that
is not that page: a request naming another host (DNS rebinding: a hostile name resolving to
127.0.0.1), one from another origin (a page on another local port), and one without the
random token of this start, which the server puts in the page (as a notebook server does).
A cross-site form or `fetch` cannot send the token's header without a CORS preflight, which
is never answered, and cannot read the page to learn it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.channels.local.keys import HOSTS, TOKEN

TOKEN_HEADER = "X-Aiguide-Token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# No inline script or style, nothing from elsewhere, never inside a frame.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_SAME_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of the page's own calls


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def remote_hosts(setting: str) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in setting.split(",") if h.strip())


def allowed_hosts(bind: str, remote: frozenset[str]) -> frozenset[str]:
    """Loopback names, the bound address when it is one address, and the named hosts."""
    hosts = set(LOOPBACK_NAMES) | remote
    if bind and bind not in ("0.0.0.0", "::", ""):
        hosts.add(bind.strip("[]").lower())
    return frozenset(hosts)


def _host_name(header: str) -> str:
    """The name in a Host header, without the port ("[::1]:3978" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def refusal(request: web.Request, *, api: bool) -> tuple[str, str] | None:
    """Why this request is refused (a code and a sentence), or None. Every request must name
    an allowed host; an API call (`api`) must also come from the page's origin with the
    token."""
    if _host_name(request.headers.get("Host", "")) not in request.app[HOSTS]:
        return "host", "host not allowed"
    if not api:
        # The page itself may be opened from a link anywhere: another site cannot read it
        # (same-origin policy) nor frame it (frame-ancestors), and it changes nothing.
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != f"{request.scheme}://{request.host}".lower():
        return "origin", "cross-origin request refused"
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in _SAME_SITE:
        return "origin", "cross-site request refused"
    sent = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(sent.encode(errors="replace"), request.app[TOKEN].encode()):
        return "token", "missing or wrong token: reload the page"
    return None


def guarded(handler: Handler, *, api: bool = True) -> Handler:
    """The handler, behind the checks above (a 403 with a JSON reason otherwise)."""

    async def checked(request: web.Request) -> web.StreamResponse:
        refused = refusal(request, api=api)
        if refused is not None:
            code, reason = refused
            return web.json_response({"error": reason, "code": code}, status=403)
        return await handler(request)

    return checked


# The page, its files and its API (not the Slack or Teams endpoints beside them).
LOCAL_PATHS = (
    "/static/",
    "/api/setup",
    "/api/turn",
    "/api/channels/",
    "/api/inbox/",
    "/api/home/",
    "/api/persona/",
)


def is_local_path(path: str) -> bool:
    return path == "/" or path.startswith(LOCAL_PATHS)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the page, its files and its API carry the headers."""
    if is_local_path(request.path):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The API's refusals are JSON even when aiohttp makes them (an unknown path, a wrong
    method, a body over the size limit): `{"error": ...}` with the 4xx status."""
    if not request.path.startswith("/api/") or not is_local_path(request.path):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return web.json_response({"error": error.reason}, status=error.status)

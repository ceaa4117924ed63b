"""The far end of Teams on loopback: Microsoft's signing keys (OpenID configuration + JWKS),
Entra ID (the tenant's OpenID configuration and token endpoint, over https, for MSAL), a plain
token endpoint, and a Bot Connector that records every reply, update and proactive post.

Tokens are signed with an RSA key generated per test session, so the bot's real validation
path runs against keys it fetched over HTTP. Entra is served with a certificate from a CA the
test session makes (`TestCA`); MSAL trusts it through REQUESTS_CA_BUNDLE, as it would a
company's own CA.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import itertools
import json
import ssl
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ISSUER = "https://api.botframework.com"
ENTRA_TENANT = "0b3a7a51-2222-4c55-8e44-9c1d2e3f4a5b"  # the app registration's tenant
HOST = "127.0.0.1"
MAX_MESSAGE_BYTES = 28 * 1024


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        public = self.key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(public.n),
            "e": _b64(public.e),
            "endorsements": ["msteams"],
        }

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid or self.kid})


class TestCA:
    """A certificate authority of the test session and a server certificate for 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        now = dt.datetime.now(dt.UTC)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aiguide test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        server = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.bundle = folder / "ca.pem"
        self.bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self._chain = folder / "server.pem"
        self._key = folder / "server.key"
        self._chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        self._key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._chain, self._key)
        return context


@dataclass
class Posted:
    """One call the bot made to the Bot Connector."""

    method: str  # send | reply | update | create
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str  # the id the connector gave it (or the one updated)
    reply_to: str | None = None
    authorization: str | None = None


class FarEnd:
    def __init__(self, key: SigningKey, ca: TestCA | None = None) -> None:
        self.key = key
        self.ca = ca
        self.entra_port = 0
        self.entra_requests: list[dict[str, str]] = []  # each token request's form
        self.access_token = ""  # the last token Entra handed out
        self.more_keys: list[dict[str, Any]] = []  # published beside `key`
        self.posted: list[Posted] = []
        self.throttle: list[float] = []  # Retry-After seconds for the next posts, in order
        self.attempts = 0
        self.too_large = 0
        self.token_requests = 0
        self.members: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []  # the parameters of each new conversation
        self.team_channels: dict[str, list[dict[str, Any]]] = {}  # team id → its channels
        self.channel_lists: list[Posted] = []  # each request for a team's channel list
        self.gone: set[str] = set()  # conversations (or channels) the bot is not in: 403
        self._ids = itertools.count(1)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.changed = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def authority(self) -> str:
        """The Entra authority (https) of the app's tenant, for MSAL."""
        return f"https://{HOST}:{self.entra_port}/{ENTRA_TENANT}"

    @property
    def service_url(self) -> str:
        return f"{self.url}/connector/"

    def token(self, audience: str, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": audience,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + 3600,
            "serviceurl": self.service_url,
        }
        body.update(claims)
        return self.key.sign({k: v for k, v in body.items() if v is not None})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/token", self._token)
        base = "/connector/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        app.router.add_get(base + "/{conversation}/members/{member}", self._member)
        app.router.add_get("/connector/v3/teams/{team}/conversations", self._channels)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._entra)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._entra_token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.ca is not None:
            tls = web.TCPSite(self._runner, HOST, 0, ssl_context=self.ca.server_context())
            await tls.start()
            self.entra_port = tls._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"})

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.jwk(), *self.more_keys]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.token_requests += 1
        if form.get("grant_type") != "client_credentials" or not form.get("client_secret"):
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": "connector-token-1"}
        )

    async def _entra(self, request: web.Request) -> web.Response:
        base = f"https://{HOST}:{self.entra_port}/{request.match_info['tenant']}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{self.url}/keys",
            }
        )

    async def _entra_token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.entra_requests.append(form)
        if form.get("grant_type") != "client_credentials" or not form.get("client_secret"):
            return web.json_response({"error": "invalid_client"}, status=401)
        now = int(time.time())
        self.access_token = self.key.sign(
            {"aud": "https://api.botframework.com", "appid": form.get("client_id"),
             "tid": request.match_info["tenant"], "iat": now, "exp": now + 3600,
             "jti": uuid.uuid4().hex}
        )  # fmt: skip
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": self.access_token}
        )

    def _throttled(self, request: web.Request) -> web.Response | None:
        self.attempts += 1
        # Teams refuses a message above about 28 KB (413), as the real service does.
        if (request.content_length or 0) > MAX_MESSAGE_BYTES:
            self.too_large += 1
            return web.json_response({"error": {"code": "MessageSizeTooBig"}}, status=413)
        if self.throttle:
            wait = self.throttle.pop(0)
            return web.json_response(
                {"error": {"code": "TooManyRequests"}},
                status=429,
                headers={"Retry-After": f"{wait:g}"},
            )
        return None

    def _record(self, request: web.Request, posted: Posted) -> None:
        posted.authorization = request.headers.get("Authorization")
        self.posted.append(posted)
        self.changed.set()

    def _not_in(self, conversation: str) -> web.Response | None:
        if conversation.split(";")[0] in self.gone:
            error = {"code": "BotNotInConversationRoster", "message": "not in the roster"}
            return web.json_response({"error": error}, status=403)
        return None

    async def _send(self, request: web.Request) -> web.Response:
        if (refused := self._throttled(request)) is not None:
            return refused
        if (refused := self._not_in(request.match_info["conversation"])) is not None:
            return refused
        activity_id = f"act-{next(self._ids)}"
        conversation = request.match_info["conversation"]
        self._record(request, Posted("send", conversation, await request.json(), activity_id))
        return web.json_response({"id": activity_id})

    async def _reply(self, request: web.Request) -> web.Response:
        if (refused := self._throttled(request)) is not None:
            return refused
        activity_id = f"act-{next(self._ids)}"
        conversation = request.match_info["conversation"]
        body = await request.json()
        posted = Posted("reply", conversation, body, activity_id, request.match_info["activity"])
        self._record(request, posted)
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        activity_id = request.match_info["activity"]
        self._record(request, Posted("update", conversation, await request.json(), activity_id))
        return web.json_response({"id": activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._throttled(request)) is not None:
            return refused
        body = await request.json()
        if (refused := self._not_in(body["channelData"]["channel"]["id"])) is not None:
            return refused
        activity_id = f"act-{next(self._ids)}"
        channel = body["channelData"]["channel"]["id"]
        conversation = f"{channel};messageid={activity_id}"
        self.created.append(body)
        self._record(request, Posted("create", conversation, body["activity"], activity_id))
        return web.json_response({"id": conversation, "activityId": activity_id})

    async def _channels(self, request: web.Request) -> web.Response:
        team = request.match_info["team"]
        asked = Posted("channels", team, {}, "", authorization=request.headers.get("Authorization"))
        self.channel_lists.append(asked)
        if team not in self.team_channels:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"conversations": self.team_channels[team]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)


# --- reading what the bot posted, as a person would ----------------------------------------


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or ():
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


def _texts(element: Any) -> list[str]:
    """Every piece of text shown in a card element, in order."""
    out: list[str] = []
    if isinstance(element, list):
        for item in element:
            out += _texts(item)
        return out
    if not isinstance(element, dict):
        return out
    kind = element.get("type")
    if kind == "TextBlock":
        out.append(element["text"])
    elif kind == "RichTextBlock":
        out.append("".join(run["text"] for run in element["inlines"]))
    elif kind == "FactSet":
        out += [f"{f['title']}: {f['value']}" for f in element["facts"]]
    elif kind == "Input.ChoiceSet":
        out += [f"({c['title']})" for c in element["choices"]]
    elif kind and kind.startswith("Input."):
        out.append(f"[{element.get('label', '')}]")
    for key in ("items", "columns", "body"):
        if key in element:
            out += _texts(element[key])
    return out


def shown(activity: dict[str, Any]) -> str:
    card = card_of(activity)
    if card is None:
        return str(activity.get("text") or "")
    lines = _texts(card["body"])
    lines += [f"[{a['title']}]" for a in card.get("actions", ())]
    return "\n".join(lines)


def dumps(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)

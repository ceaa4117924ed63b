"""Who may post to /api/messages, and how the bot proves itself to the Bot Connector.

Inbound: the Agents SDK's `JwtTokenValidator` checks the signature (against the keys the
OpenID configuration publishes), the expiry and the audience (our app id). On top of it we
check what the SDK leaves out (0.9.1): the issuer is one the SDK itself lists, the token has
an expiry at all, the key endorses the activity's channel, and the `serviceurl` claim names
the service URL the activity asks us to answer at — otherwise a token for one conversation
could steer replies elsewhere. The SDK fetches keys only from Microsoft's fixed URLs, in a
worker thread per request; `_get_public_key_or_secret` is overridden so the OpenID
configuration is a setting (loopback in tests, the real one by default) and the keys come
from `keys.SigningKeys` (fetched with aiohttp, kept).

The Bot Connector sends the same token with every activity until it nears expiry, so a token
that passed is remembered (the whole token string, with its claims) until the moment the
SDK would stop accepting it (`exp` plus the SDK's 5 minutes of clock skew) and no longer:
the per-request checks (service URL, channel) still run on every request.

Outbound: the SDK's token provider interface (`AccessTokenProviderBase`): the SDK's MSAL
provider (`MsalAuth`, app password or certificate) against the Entra authority
(`teams_authority`, default login.microsoftonline.com/<tenant>); with `teams_token_url` set,
a plain OAuth2 client-credentials request to that endpoint instead; no token at all in the
development mode without an app id. MSAL accepts any https authority, but for a host it does
not know it first asks login.microsoftonline.com whether the host is a real instance; the
SDK offers no switch for that, so `_EntraMsalAuth` turns the question off for such a host
only (the tenant discovery and the token request still go to the authority, over https).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from microsoft_agents.hosting.core import AnonymousTokenProvider
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    JwtTokenValidator,
)

from bot.channels.teams.keys import SigningKeys
from bot.settings import Settings

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_CONNECTOR_RESOURCE = "https://api.botframework.com"
BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
_OPENID_TTL = 24 * 3600.0  # Microsoft rolls keys about every few weeks; a day is plenty
CLOCK_SKEW = 300.0  # the SDK's leeway on `exp` (JwtTokenValidator.validate_token)
_PASSED_MAX = 4096  # tokens remembered at once (one per Bot Connector instance and hour)


class TokenRejected(Exception):
    """The request's token is missing or not valid for us: HTTP 401, nothing processed."""


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    if not settings.teams_app_id:
        return AgentAuthConfiguration(anonymous_allowed=True)
    certificate = settings.teams_app_certificate
    return AgentAuthConfiguration(
        auth_type=AuthTypes.certificate if certificate else AuthTypes.client_secret,
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_app_tenant,
        client_secret=settings.teams_app_password,
        cert_pfx_file=str(certificate) if certificate else None,
        authority=settings.teams_authority,
        connection_name="SERVICE_CONNECTION",
    )


class TeamsTokenValidator(JwtTokenValidator):
    """The SDK's validator with configurable key discovery and the checks it lacks."""

    def __init__(
        self, configuration: AgentAuthConfiguration, settings: Settings, http: aiohttp.ClientSession
    ) -> None:
        super().__init__(configuration)
        self._settings = settings
        self._http = http
        self._keys = SigningKeys(http)
        self._jwks_uris: dict[str, tuple[float, str]] = {}
        self._lock = asyncio.Lock()
        # token → (claims, endorsed channels, accepted until: time.time())
        self._passed: dict[str, tuple[ClaimsIdentity, tuple[str, ...] | None, float]] = {}

    async def check(
        self, authorization: str | None, service_url: str | None, channel_id: str | None = None
    ) -> ClaimsIdentity:
        """The caller's claims, or TokenRejected."""
        if not authorization or not authorization.startswith("Bearer "):
            raise TokenRejected("no bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        passed = self._passed.get(token)
        if passed is not None and time.time() < passed[2]:
            identity, endorsed, _ = passed
        else:
            self._passed.pop(token, None)
            identity, endorsed = await self._validate(token)
        if endorsed is not None and (channel_id or "") not in endorsed:
            raise TokenRejected("the key does not endorse this channel")
        claimed_url = identity.claims.get("serviceurl") or identity.claims.get("serviceUrl")
        if not claimed_url or not service_url or _url(claimed_url) != _url(service_url):
            raise TokenRejected("service URL does not match the token")
        return identity

    async def _validate(self, token: str) -> tuple[ClaimsIdentity, tuple[str, ...] | None]:
        """The SDK's validation, then remembered until the SDK would refuse the token."""
        try:
            identity = await self.validate_token(token)
            kid = str(jwt.get_unverified_header(token)["kid"])
            issuer = str(identity.claims.get("iss"))
            key = await self._keys.get(await self._jwks_uri(issuer), kid)
        except TokenRejected:
            raise
        except Exception as error:  # ValueError, PyJWTError, key fetch failures: all 401
            raise TokenRejected(type(error).__name__) from None
        expires = identity.claims.get("exp")
        if not isinstance(expires, int | float):
            raise TokenRejected("no expiry")
        if len(self._passed) >= _PASSED_MAX:
            now = time.time()
            self._passed = {t: p for t, p in self._passed.items() if p[2] > now}
            if len(self._passed) >= _PASSED_MAX:
                self._passed.clear()
        self._passed[token] = (identity, key.endorsements, float(expires) + CLOCK_SKEW)
        return identity, key.endorsements

    async def _get_public_key_or_secret(self, token: str) -> Any:
        header = jwt.get_unverified_header(token)
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if issuer not in self.configuration.ISSUERS:
            raise TokenRejected("unknown issuer")
        if "kid" not in header:
            raise TokenRejected("no key id")
        jwks_uri = await self._jwks_uri(issuer)
        return (await self._keys.get(jwks_uri, str(header["kid"]))).key

    def _openid_url(self, issuer: str) -> str:
        if issuer == BOT_FRAMEWORK_ISSUER:
            return self._settings.teams_openid_url
        if self._settings.teams_entra_openid_url:
            return self._settings.teams_entra_openid_url
        tenant = self.configuration.TENANT_ID
        return f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"

    async def _jwks_uri(self, issuer: str) -> str:
        url = self._openid_url(issuer)
        cached = self._jwks_uris.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self._lock:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                response.raise_for_status()
                document = await response.json(content_type=None)
            jwks_uri = str(document["jwks_uri"])
            self._jwks_uris[url] = (time.monotonic() + _OPENID_TTL, jwks_uri)
            return jwks_uri


def _url(value: str) -> str:
    return value.rstrip("/").lower()


class ClientCredentialsTokenProvider(AccessTokenProviderBase):
    """An OAuth2 client-credentials token from a configured endpoint, cached until shortly
    before it expires; through the one shared HTTP session."""

    def __init__(
        self, token_url: str, client_id: str, secret: str, http: aiohttp.ClientSession
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._secret = secret
        self._http = http
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = asyncio.Lock()

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = " ".join(scopes or [BOT_CONNECTOR_SCOPE])
        cached = self._cache.get(scope)
        if cached and cached[0] > time.monotonic() and not force_refresh:
            return cached[1]
        async with self._lock:
            cached = self._cache.get(scope)
            if cached and cached[0] > time.monotonic() and not force_refresh:
                return cached[1]
            form = {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._secret,
                "scope": scope,
            }
            async with self._http.post(
                self._token_url, data=form, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
            self._cache[scope] = (time.monotonic() + max(lifetime - 120, 30), token)
            return token

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("the bot acts as itself only")

    async def get_agentic_application_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError

    async def get_agentic_instance_token(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        raise NotImplementedError

    async def get_agentic_user_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError


def token_provider(
    settings: Settings, configuration: AgentAuthConfiguration, http: aiohttp.ClientSession
) -> AccessTokenProviderBase:
    if not settings.teams_app_id:
        return AnonymousTokenProvider()
    if settings.teams_token_url:
        return ClientCredentialsTokenProvider(
            settings.teams_token_url, settings.teams_app_id, settings.teams_app_password or "", http
        )
    return _msal_provider(configuration)


def _msal_provider(configuration: AgentAuthConfiguration) -> AccessTokenProviderBase:
    """The SDK's MSAL provider; for an authority host MSAL does not know (a loopback fake),
    without MSAL's instance discovery on the internet. Imported here: MSAL is slow to load
    and only a configured bot needs it."""
    from microsoft_agents.authentication.msal import MsalAuth
    from msal import ConfidentialClientApplication
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

    class EntraMsalAuth(MsalAuth):  # type: ignore[misc]
        _ready = asyncio.Lock()

        async def get_access_token(
            self, resource_url: str, scopes: list[str], force_refresh: bool = False
        ) -> str:
            # MsalAuth builds its MSAL client on the event loop, and MSAL's constructor asks
            # the authority for its OpenID configuration with blocking I/O: the whole server
            # would stand still meanwhile. The client is built in a worker thread instead.
            if self._client_rep() not in self._msal_auth_client_map:
                async with self._ready:
                    await asyncio.to_thread(self._get_client)
            return await super().get_access_token(resource_url, scopes, force_refresh)

        def _create_client_application(self, tenant_id: str | None = None) -> Any:
            config = self._msal_configuration
            kind = config.AUTH_TYPE
            authority = MsalAuth._resolve_authority(config, tenant_id)
            host = (urlsplit(authority).hostname or "").lower()
            if host in WELL_KNOWN_AUTHORITY_HOSTS or kind not in (
                AuthTypes.client_secret,
                AuthTypes.certificate,
            ):
                return super()._create_client_application(tenant_id)
            credential: Any = config.CLIENT_SECRET
            if kind == AuthTypes.certificate:
                credential = {"private_key_pfx_path": config.CERT_PFX_FILE}
            return ConfidentialClientApplication(
                client_id=config.CLIENT_ID,
                authority=authority,
                client_credential=credential,
                instance_discovery=False,
                timeout=10,
            )

    return EntraMsalAuth(configuration)

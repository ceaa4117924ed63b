"""The Bot Connector through the Agents SDK's own clients, over one reused connection pool.

The SDK's default factory (`RestChannelServiceClientFactory`) builds a new ConnectorClient and
UserTokenClient — each with a new aiohttp session, a new TCP connection and a scan of the
installed packages for its User-Agent — on every turn, and closes them when the turn ends.
`SharedClientFactory` is the SDK's public extension point for that (`CloudAdapter(
channel_service_client_factory=…)`): it keeps one `TeamsConnectorClient` per service URL for
the life of the process, all on one TCP connector, and refreshes the bearer token from the
token provider (which caches it) before each turn. The same clients carry proactive posts.

HTTP 429: the Bot Connector says how long to wait (`Retry-After`); a short wait is waited
here, a long one is raised as `RetryLater` so the outbox tries again then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import jwt
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationParameters,
)
from microsoft_agents.activity.teams import TeamsChannelAccount
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, TurnContext
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase, ClaimsIdentity
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.get_product_info import get_product_info
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.channels.teams.auth import BOT_CONNECTOR_RESOURCE, BOT_CONNECTOR_SCOPE

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_INLINE_WAIT = 10.0  # seconds of Retry-After waited in place; longer goes back to the outbox
_ATTEMPTS = 4
_TOKEN_MARGIN = 300.0  # seconds before a token's expiry it is no longer reused


class RetryLater(Exception):
    """The Bot Connector throttled us for longer than we wait in place."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"throttled for {seconds:.0f} s")
        self.seconds = seconds


class _KeptConnectorClient(TeamsConnectorClient):
    """A connector client the adapter cannot close at the end of a turn."""

    async def close(self) -> None:  # the factory closes it at shutdown
        return None

    async def really_close(self) -> None:
        await self.client.close()


class _KeptUserTokenClient(UserTokenClient):
    async def close(self) -> None:
        return None

    async def really_close(self) -> None:
        await self.client.close()


class SharedClientFactory(ChannelServiceClientFactoryBase):
    def __init__(
        self,
        tokens: AccessTokenProviderBase,
        *,
        user_token_endpoint: str = "https://api.botframework.com",
        anonymous: bool = False,
    ) -> None:
        self._tokens = tokens
        self._anonymous = anonymous
        self._tcp: aiohttp.TCPConnector | None = None
        self._clients: dict[str, _KeptConnectorClient] = {}
        self._user_token_endpoint = user_token_endpoint
        self._user_tokens: _KeptUserTokenClient | None = None
        self._user_agent = get_product_info()  # once, not per turn
        self._token = ""
        self._token_until = 0.0
        self.http: aiohttp.ClientSession | None = None

    def _connector(self) -> aiohttp.TCPConnector:
        if self._tcp is None or self._tcp.closed:
            self._tcp = aiohttp.TCPConnector(limit=200, keepalive_timeout=60)
        return self._tcp

    def session(self) -> aiohttp.ClientSession:
        """A plain session on the shared pool (token and key fetches)."""
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(connector=self._connector(), connector_owner=False)
        return self.http

    def _session(self, base_url: str) -> aiohttp.ClientSession:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": self._user_agent,
        }
        return aiohttp.ClientSession(
            base_url=base_url,
            headers=headers,
            connector=self._connector(),
            connector_owner=False,
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def token(self) -> str:
        """The bot's Bot Connector token. MSAL caches it too, but asking MSAL costs a worker
        thread per call (the SDK runs it in `asyncio.to_thread`), so it is kept here until
        five minutes before the expiry it states."""
        if self._anonymous:
            return ""
        if self._token and time.monotonic() < self._token_until:
            return self._token
        token = await self._tokens.get_access_token(BOT_CONNECTOR_RESOURCE, [BOT_CONNECTOR_SCOPE])
        self._token, self._token_until = token, time.monotonic() + _usable_for(token)
        return token

    async def client(self, service_url: str) -> TeamsConnectorClient:
        """The connector client for this service URL, with a current token."""
        base = service_url if service_url.endswith("/") else service_url + "/"
        client = self._clients.get(base)
        if client is None:
            client = _KeptConnectorClient(base, "", session=self._session(base))
            self._clients[base] = client
        token = await self.token()
        if token:
            client.client.headers["Authorization"] = f"Bearer {token}"
        return client

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        if not service_url:
            raise TypeError("service_url is required")
        return await self.client(service_url)

    async def create_user_token_client(
        self,
        context: TurnContext,
        claims_identity: ClaimsIdentity,
        use_anonymous: bool = False,
    ) -> UserTokenClient:
        # The bot signs no one in (no OAuth prompts); one idle client satisfies the adapter.
        if self._user_tokens is None:
            base = self._user_token_endpoint.rstrip("/") + "/"
            self._user_tokens = _KeptUserTokenClient(base, "", session=self._session(base))
        return self._user_tokens

    async def close(self) -> None:
        for client in self._clients.values():
            await client.really_close()
        self._clients.clear()
        if self._user_tokens is not None:
            await self._user_tokens.really_close()
            self._user_tokens = None
        if self.http is not None:
            await self.http.close()
        if self._tcp is not None:
            await self._tcp.close()


def _usable_for(token: str) -> float:
    """Seconds a bearer token may be reused: until 5 minutes before its `exp`; not at all
    when it is no JWT (the provider that issued it keeps its own cache)."""
    try:
        expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return 0.0
    return max(0.0, min(expires - time.time() - _TOKEN_MARGIN, 24 * 3600.0))


def retry_after(error: aiohttp.ClientResponseError) -> float:
    value = (error.headers or {}).get("Retry-After", "") if error.headers else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


async def with_retry(call: Callable[[], Awaitable[T]]) -> T:
    """Run a connector call; on 429 wait as told (briefly) and try again."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return await call()
        except aiohttp.ClientResponseError as error:
            if error.status != 429:
                raise
            wait = retry_after(error)
            if wait > MAX_INLINE_WAIT or attempt == _ATTEMPTS:
                raise RetryLater(max(wait, 1.0)) from None
            log.info("Bot Connector throttled us; waiting %.1f s (attempt %d)", wait, attempt)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


class Pacer:
    """At most `per_second` messages into one conversation (Teams throttles each one)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next: dict[str, float] = {}

    async def wait(self, conversation_id: str) -> None:
        now = time.monotonic()
        at = max(now, self._next.get(conversation_id, 0.0))
        self._next[conversation_id] = at + self._interval
        if len(self._next) > 10_000:  # forget conversations long idle
            self._next = {k: v for k, v in self._next.items() if v > now}
        if at > now:
            await asyncio.sleep(at - now)


class BotConnector:
    """The posts the bot makes on its own: to a conversation, in a channel thread, updates."""

    def __init__(self, factory: SharedClientFactory, pacer: Pacer) -> None:
        self.factory = factory
        self.pacer = pacer

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        await self.pacer.wait(conversation_id)
        client = await self.factory.client(service_url)
        response = await with_retry(
            lambda: client.conversations.send_to_conversation(conversation_id, activity)
        )
        return response.id or ""

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        client = await self.factory.client(service_url)
        activity.id = activity_id
        await with_retry(
            lambda: client.conversations.update_activity(conversation_id, activity_id, activity)
        )

    async def open_thread(
        self,
        service_url: str,
        channel_id: str,
        teams_tenant: str,
        bot_id: str,
        activity: Activity,
    ) -> str:
        """A new conversation in a channel; its id (`…;messageid=…`), to reply in later."""
        await self.pacer.wait(channel_id)
        client = await self.factory.client(service_url)
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=bot_id) if bot_id else None,
            channel_data={"channel": {"id": channel_id}, "tenant": {"id": teams_tenant}},
            activity=activity,
            tenant_id=teams_tenant or None,
        )
        created = await with_retry(lambda: client.conversations.create_conversation(parameters))
        if created.id and ";messageid=" in created.id:
            return created.id
        return f"{channel_id};messageid={created.activity_id or created.id}"

    async def member(
        self, service_url: str, conversation_id: str, user_id: str
    ) -> TeamsChannelAccount | None:
        """The directory's view of a person (name, e-mail, UPN); None when it cannot say."""
        try:
            client = await self.factory.client(service_url)
            return await client.get_conversation_member(conversation_id, user_id)
        except (aiohttp.ClientError, ValueError, TimeoutError) as error:
            log.info("member lookup failed: %s", type(error).__name__)
            return None


def activity_from(card_or_text: dict[str, Any]) -> Activity:
    return Activity.model_validate(card_or_text)

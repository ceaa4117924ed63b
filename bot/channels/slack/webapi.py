"""Slack's Web API through one pooled HTTP session.

The bot's own calls go straight over the aiohttp session this object owns (one connection
pool for every workspace); bolt's client (and Socket Mode's) shares the same session, since
slack_sdk would otherwise open a new one per call. `auth.test` answers are cached per token
(they never change for a token), `users.info` a few minutes, 429s are retried after their
`Retry-After`, and `Pacer` paces posts to a workspace and to each channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# A person's directory entry changes rarely; a turn should not wait on users.info each time.
_PROFILES_KEPT = 5_000  # people whose directory entry is kept at once
_PROFILE_SECONDS = 600.0


@dataclass(frozen=True)
class Identity:
    """What `auth.test` says of a token: its workspace (and Enterprise org) and bot user."""

    team_id: str
    enterprise_id: str | None
    bot_user_id: str
    bot_id: str


@dataclass(frozen=True)
class Profile:
    """What the directory says of a person."""

    name: str
    email: str
    division: str
    locale: str | None
    is_bot: bool
    # Where the person belongs (Slack's user.team_id, and on Enterprise Grid the org and
    # its workspaces they are in): a guest of a Slack Connect channel has another team.
    team_id: str = ""
    enterprise_id: str | None = None
    teams: tuple[str, ...] = ()


class RateLimited(Exception):
    """Slack still answered 429 after the retries: try again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class Pacer:
    """At most `per_second` calls per key (a workspace, or a channel of one); waits hold no
    lock but the key's. Keys whose turn is past are forgotten once there are many (a
    broadcast paces 5,000 DMs each once), so memory stays flat."""

    _KEYS_KEPT = 1_000

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def reserve(self, key: str) -> float:
        """The next free moment for `key` (on time.monotonic), taken: for a call put off
        until then rather than waited for in place."""
        now = time.monotonic()
        slot = max(self._next.get(key, now), now)
        self._next[key] = slot + self.interval
        return slot

    async def wait(self, key: str) -> None:
        if not self.interval:
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            due = self._next.get(key, now)
            if due > now:
                await asyncio.sleep(due - now)
            self._next[key] = max(due, now) + self.interval
        if len(self._next) > self._KEYS_KEPT:
            now = time.monotonic()
            for old in [k for k, at in self._next.items() if at <= now]:
                held = self._locks.get(old)
                if held is None or not held.locked():
                    self._next.pop(old, None)
                    self._locks.pop(old, None)


class SlackWebApi:
    """One pooled session, one client per token, cached identities and profiles."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        division_field: str | None = None,
        retries_on_429: int = 2,
    ) -> None:
        url = base_url or DEFAULT_API_URL
        self.base_url = url if url.endswith("/") else url + "/"
        self.division_field = division_field
        self.retries_on_429 = retries_on_429
        self.session: aiohttp.ClientSession | None = None
        self._clients: dict[str | None, AsyncWebClient] = {}
        self._identities: dict[str, Identity] = {}
        self._identity_lock = asyncio.Lock()
        self._profiles: dict[tuple[str, str], tuple[float, Profile]] = {}

    async def start(self) -> None:
        if self.session is None:
            # One connection pool for every workspace; Slack keeps connections alive.
            connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=30)
            self.session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=30)
            )
            for client in self._clients.values():
                client.session = self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    def client(self, token: str | None) -> AsyncWebClient:
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self.base_url,
                session=self.session,
                retry_handlers=[
                    AsyncConnectionErrorRetryHandler(max_retry_count=1),
                    # Sleeps for Retry-After, then tries again.
                    AsyncRateLimitErrorRetryHandler(max_retry_count=self.retries_on_429),
                ],
            )
            self._clients[token] = client
        return client

    async def call(self, token: str | None, method: str, **params: Any) -> Mapping[str, Any]:
        """One API call on the pooled session; RateLimited when 429 outlasts the retries
        (each waits for its Retry-After), SlackApiError when Slack says `ok: false`.

        Straight on aiohttp rather than through slack_sdk's client, which builds a request
        context, headers and a response object per call: a third of a turn's Slack cost."""
        session = self.session
        if session is None:
            await self.start()
            session = self.session
            assert session is not None
        url = self.base_url + method
        values = _drop_none(params)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # Structured arguments (blocks, views) go as JSON; read methods take form fields
        # (encoded here: aiohttp's FormData costs more than the rest of the request).
        if any(isinstance(v, dict | list) for v in values.values()):
            body = json.dumps(values, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        else:
            form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reconnected = False
        limited = 0
        while True:
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    status = response.status
                    if status == 429:
                        after = _retry_after(response.headers.get("Retry-After"))
                        if limited >= self.retries_on_429:
                            raise RateLimited(after)
                        limited += 1
                        await asyncio.sleep(after)
                        continue
                    data = await response.json(content_type=None)
                    answered = dict(response.headers)
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # A pooled keep-alive connection the far end had closed: once more, anew.
                if reconnected:
                    raise
                reconnected = True
                continue
            break
        if not isinstance(data, dict):
            data = {}
        if status >= 400 or not data.get("ok"):
            reply = AsyncSlackResponse(
                client=None,  # type: ignore[arg-type]
                http_verb="POST",
                api_url=url,
                req_args={},
                data=data,
                headers=answered,
                status_code=status,
            )
            raise SlackApiError(f"{method} failed: {data.get('error', status)}", reply)
        return data

    async def identity(self, token: str) -> Identity:
        """`auth.test`, once per token (concurrent first callers share the one call)."""
        found = self._identities.get(token)
        if found is not None:
            return found
        async with self._identity_lock:
            found = self._identities.get(token)
            if found is not None:
                return found
            data = await self.call(token, "auth.test")
            found = Identity(
                team_id=str(data.get("team_id", "")),
                enterprise_id=data.get("enterprise_id") or None,
                bot_user_id=str(data.get("user_id", "")),
                bot_id=str(data.get("bot_id", "")),
            )
            self._identities[token] = found
        return found

    async def profile(self, token: str, team_id: str, user_id: str) -> Profile | None:
        """`users.info` (with the e-mail under users:read.email), cached a few minutes.
        None when the directory cannot be read: the turn goes on without it."""
        key = (team_id, user_id)
        cached = self._profiles.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            data = await self.call(token, "users.info", user=user_id, include_locale=True)
        except (SlackApiError, RateLimited, aiohttp.ClientError, TimeoutError) as error:
            log.warning("users.info failed for %s: %s", user_id, type(error).__name__)
            return None
        user = data.get("user") or {}
        profile = user.get("profile") or {}
        fields = profile.get("fields") or {}
        grid = user.get("enterprise_user") or {}
        grid = grid if isinstance(grid, dict) else {}
        division = ""
        if self.division_field and isinstance(fields, dict):
            division = str((fields.get(self.division_field) or {}).get("value", ""))
        found = Profile(
            name=str(profile.get("display_name") or profile.get("real_name") or ""),
            email=str(profile.get("email") or ""),
            division=division,
            locale=_locale(user.get("locale")),
            is_bot=bool(user.get("is_bot")),
            team_id=str(user.get("team_id") or ""),
            enterprise_id=str(grid.get("enterprise_id") or "") or None,
            teams=tuple(t for t in _list(grid.get("teams")) if isinstance(t, str) and t),
        )
        self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str], profile: Profile) -> None:
        # Kept in insertion order with one lifetime, so the oldest entries are the expired
        # ones: dropping from the front keeps memory flat however many people have talked.
        now = time.monotonic()
        self._profiles.pop(key, None)
        self._profiles[key] = (now + _PROFILE_SECONDS, profile)
        while self._profiles:
            oldest = next(iter(self._profiles))
            if self._profiles[oldest][0] > now and len(self._profiles) <= _PROFILES_KEPT:
                break
            del self._profiles[oldest]


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value or 1))
    except ValueError:
        return 1.0


def _locale(slack_locale: object) -> str | None:
    """Slack's "ja-JP" / "en-US" → the catalogue's "ja" / "en"."""
    if not isinstance(slack_locale, str):
        return None
    language = slack_locale.split("-")[0].lower()
    return language if language in ("ja", "en") else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _drop_none(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}

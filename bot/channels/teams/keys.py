"""The signing keys the Bot Connector's tokens are checked against, fetched and kept.

The SDK's own key lookup (`_JwkClientManager`) hands every request to a worker thread, where
PyJWKClient answers from its cache or fetches with blocking urllib; that thread hop costs
more than the signature check. Here the JWKS is fetched with the shared aiohttp session and
kept for a day, so a request needs no thread and usually no I/O. A key id not in the set is
looked up again (keys roll over), at most once a minute per JWKS, so tokens naming made-up
key ids cannot make the bot hammer Microsoft.

Each Bot Framework key lists the channels it may sign for (`endorsements`); the validator
refuses a token whose key does not endorse the activity's channel, as the Bot Framework
SDKs do.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp
from jwt import PyJWK, PyJWKError

KEYS_TTL = 24 * 3600.0  # Microsoft rolls its keys every few weeks
REFETCH_AFTER = 60.0  # an unknown key id looks the set up again only after this long
_NEVER: tuple[float, dict] = (float("-inf"), {})


@dataclass(frozen=True)
class SigningKey:
    key: PyJWK
    endorsements: tuple[str, ...] | None  # None: the key says nothing about channels


class UnknownKey(Exception):
    """No published key has the token's key id."""


class SigningKeys:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self._http = http
        self._sets: dict[str, tuple[float, dict[str, SigningKey]]] = {}  # uri → (fetched, keys)
        self._lock = asyncio.Lock()

    async def get(self, jwks_uri: str, kid: str) -> SigningKey:
        fetched, keys = self._sets.get(jwks_uri, _NEVER)
        now = time.monotonic()
        if kid in keys and now - fetched < KEYS_TTL:
            return keys[kid]
        if kid not in keys and now - fetched < REFETCH_AFTER:
            raise UnknownKey(kid)
        async with self._lock:
            fetched, keys = self._sets.get(jwks_uri, _NEVER)
            if not (kid in keys and time.monotonic() - fetched < KEYS_TTL):
                keys = await self._fetch(jwks_uri)
                self._sets[jwks_uri] = (time.monotonic(), keys)
        if kid not in keys:
            raise UnknownKey(kid)
        return keys[kid]

    async def _fetch(self, jwks_uri: str) -> dict[str, SigningKey]:
        timeout = aiohttp.ClientTimeout(total=10)
        async with self._http.get(jwks_uri, timeout=timeout) as response:
            response.raise_for_status()
            document = await response.json(content_type=None)
        keys: dict[str, SigningKey] = {}
        for data in document.get("keys", ()):
            if not isinstance(data, dict) or not data.get("kid"):
                continue
            try:
                key = PyJWK(data)
            except PyJWKError:  # a key type we cannot use: skip it, keep the others
                continue
            endorsed = data.get("endorsements")
            channels = tuple(str(c) for c in endorsed) if isinstance(endorsed, list) else None
            keys[str(data["kid"])] = SigningKey(key, channels)
        return keys

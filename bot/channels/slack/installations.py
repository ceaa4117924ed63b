"""slack_sdk's installation-store and OAuth-state-store interfaces, backed by our database.

Bolt asks `async_find_bot` on every event of a multi-workspace app; the answer is cached a
minute so an event's acknowledgement rarely waits on the database.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import read_transaction, transaction
from storage.slack import (
    SlackInstallation,
    consume_state,
    delete_installation,
    find_installation,
    issue_state,
    save_installation,
)

log = logging.getLogger(__name__)
_CACHE_SECONDS = 60.0


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in data.items()
        # Tokens live in their own column; the JSON keeps the rest for rebuilding the object.
        if key not in ("bot_token", "user_token", "bot_refresh_token", "user_refresh_token")
    }


class DatabaseInstallationStore(AsyncInstallationStore):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._cache: dict[tuple[str, str, bool], tuple[float, Bot | None]] = {}

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            return  # user-token-only installs are not used by this bot
        async with transaction(self.sessions) as session:
            await save_installation(
                session,
                enterprise_id=installation.enterprise_id,
                team_id=None if installation.is_enterprise_install else installation.team_id,
                is_enterprise_install=bool(installation.is_enterprise_install),
                bot_token=installation.bot_token,
                bot_id=installation.bot_id or "",
                bot_user_id=installation.bot_user_id or "",
                data=_jsonable(installation.to_dict()),
            )
        self._cache.clear()
        log.info("saved the Slack installation of team %s", installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.async_save(Installation(**{**bot.to_dict(), "user_id": ""}))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = (enterprise_id or "", team_id or "", bool(is_enterprise_install))
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with read_transaction(self.sessions) as session:
            row = await find_installation(
                session, enterprise_id, team_id, bool(is_enterprise_install)
            )
            # Built inside: the snapshot's rows expire when it ends.
            bot = _bot(row) if row is not None else None
        self._cache[key] = (time.monotonic() + _CACHE_SECONDS, bot)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        async with read_transaction(self.sessions) as session:
            row = await find_installation(
                session, enterprise_id, team_id, bool(is_enterprise_install)
            )
            if row is None:
                return None
            data = {**row.data, "bot_token": row.bot_token}
        data.setdefault("user_id", "")
        known = set(Installation.__init__.__code__.co_varnames)
        return Installation(**{k: v for k, v in data.items() if k in known})

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with transaction(self.sessions) as session:
            await delete_installation(session, enterprise_id, team_id)
        self._cache.clear()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # only the bot is stored
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


def _bot(row: SlackInstallation) -> Bot:
    return Bot(
        app_id=row.data.get("app_id"),
        enterprise_id=row.enterprise_id or None,
        team_id=row.team_id or row.data.get("team_id"),
        team_name=row.data.get("team_name"),
        bot_token=row.bot_token,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.data.get("bot_scopes") or "",
        is_enterprise_install=row.is_enterprise_install,
        installed_at=row.installed_at.timestamp(),
    )


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time `state` values of the install flow, shared by every replica."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], expiration_seconds: int = 600
    ) -> None:
        self.sessions = sessions
        self.lifetime = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = uuid.uuid4().hex
        async with transaction(self.sessions) as session:
            await issue_state(session, state, self.lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 64:
            return False
        async with transaction(self.sessions) as session:
            return await consume_state(session, state)

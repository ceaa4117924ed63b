"""One turn, end to end: dedupe, load state, route, apply effects, save — one transaction.

Every channel calls `Runtime.handle(turn)`; nothing here knows which channel it is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.readiness import readiness_of
from bot.registry_io import read_registry
from bot.settings import MunicipalityFile, Settings, load_municipality
from dialogs.catalog import DEFAULT_LOCALE, Catalogs
from dialogs.context import DialogContext, MunicipalityFacts, PersonFacts
from dialogs.conversations import build_router
from dialogs.effects import SaveProfile, SetLocale
from dialogs.router import Router
from dialogs.state import ConversationData
from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    save_conversation,
)
from storage.db import make_engine, ping, session_maker, transaction
from storage.models import AISystem, Person
from storage.people import find_person, get_person, update_person
from storage.posts import Thread, list_threads
from storage.systems import list_systems, save_systems
from storage.tenants import ensure_tenant

log = logging.getLogger(__name__)

# Two replicas answering the same person at the same instant: the loser re-reads and retries.
_ATTEMPTS = 5


@dataclass
class Runtime:
    settings: Settings
    municipality: MunicipalityFile
    catalogs: Catalogs
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    router: Router

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        """Everything but the database's contents; raises ConfigError on a bad setting."""
        municipality = load_municipality(settings.municipality_file)
        engine = make_engine(settings.database_url, schema=settings.database_schema)
        return cls(
            settings=settings,
            municipality=municipality,
            catalogs=Catalogs(settings.messages_dir),
            engine=engine,
            sessions=session_maker(engine),
            router=build_router(),
        )

    @property
    def facts(self) -> MunicipalityFacts:
        return self.municipality.facts()

    @property
    def tenant_id(self) -> str:
        return self.municipality.municipality.id

    async def load_sample_data(self) -> bool:
        """Register the municipality and, while its 別表 is empty, load the systems file.

        Idempotent: a second start changes nothing. A bad systems file raises
        RegistryFileError, so the bot never starts with half a 別表.
        """
        async with transaction(self.sessions) as session:
            name = self.municipality.municipality.name
            changed = await ensure_tenant(session, self.tenant_id, name)
            path = self.settings.systems_file
            if (
                path is not None
                and path.is_file()
                and not await list_systems(session, self.tenant_id)
            ):
                entries = read_registry(path, self.facts, self.catalogs.for_locale("ja"))
                added, _ = await save_systems(session, self.tenant_id, entries)
                changed = changed or added > 0
            return changed

    async def import_systems(self, path: Path) -> tuple[int, int]:
        """(added, changed); RegistryFileError lists every bad row and nothing is saved."""
        entries = read_registry(path, self.facts, self.catalogs.for_locale("ja"))
        async with transaction(self.sessions) as session:
            return await save_systems(session, self.tenant_id, entries)

    async def systems(self) -> list[AISystem]:
        async with transaction(self.sessions) as session:
            return await list_systems(session, self.tenant_id)

    async def person(self, user_id: str) -> Person | None:
        """A person known on any channel by this id (for `aiguide check --user`)."""
        async with transaction(self.sessions) as session:
            return await find_person(session, self.tenant_id, user_id)

    async def ready(self) -> bool:
        return await ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # --- turns ----------------------------------------------------------------------------

    async def handle(self, turn: Turn) -> list[Reply]:
        """The replies to one turn; [] when the turn's event id was already handled.

        Never raises: a failure rolls the transaction back (the conversation stays where it
        was) and the person gets a polite answer instead of a traceback.
        """
        key = ConversationKey(*turn.conversation_key)
        msg = self.catalogs.for_locale(turn.locale)
        try:
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    return await self._handle_once(turn, key)
                except VersionConflict:
                    log.info("conversation changed concurrently, retrying (attempt %d)", attempt)
        except Exception:
            # Only ids are logged: what people type may hold personal information.
            log.exception("turn failed: %s/%s event %s", key.channel, key.user_id, turn.event_id)
            return [Text(msg.t("fallback.error"))]
        log.warning("turn abandoned after %d conflicts: %s/%s", _ATTEMPTS, key.channel, key.user_id)
        return [Text(msg.t("fallback.busy"))]

    async def _handle_once(self, turn: Turn, key: ConversationKey) -> list[Reply]:
        async with transaction(self.sessions) as session:
            if turn.event_id and not await claim_event(
                session, turn.tenant_id, turn.channel, turn.event_id
            ):
                log.info("duplicate event %s ignored", turn.event_id)
                return []
            stored = await load_conversation(session, key, lock=True)
            person = await get_person(session, turn.tenant_id, turn.channel, turn.user_id)
            systems = await list_systems(session, turn.tenant_id)
            ctx = self.context(turn, person, systems)
            conv = ConversationData.from_json(stored.data)
            step = self.router.route(conv, turn, ctx)
            for effect in step.effects:
                await self._apply(session, turn, effect)
            await save_conversation(session, key, conv.to_json(), stored.version)
        return step.replies

    def context(
        self, turn: Turn, person: Person | None, systems: Sequence[AISystem] = ()
    ) -> DialogContext:
        locale = (person.locale if person else None) or turn.locale or DEFAULT_LOCALE
        facts = PersonFacts(
            user_id=turn.user_id,
            display_name=(person.display_name if person else "") or (turn.user_name or ""),
            division=person.division if person else "",
            contact=person.contact if person else "",
            locale=locale,
            readiness=readiness_of(person),
        )
        return DialogContext(
            catalogs=self.catalogs,
            municipality=self.facts,
            person=facts,
            locale=locale,
            systems=tuple(systems),
        )

    async def _apply(self, session: AsyncSession, turn: Turn, effect: Any) -> None:
        who = (turn.tenant_id, turn.channel, turn.user_id)
        match effect:
            case SaveProfile(display_name=name, division=division, contact=contact):
                await update_person(
                    session, *who, display_name=name, division=division, contact=contact
                )
            case SetLocale(locale=locale):
                await update_person(session, *who, locale=locale)
            case _:
                raise TypeError(f"no handler for effect {effect!r}")

    # --- the shared channels as the local channel shows them -----------------------------

    async def threads(self, channel_key: str) -> list[Thread]:
        async with transaction(self.sessions) as session:
            return await list_threads(session, self.tenant_id, channel_key)

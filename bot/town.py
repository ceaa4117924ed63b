"""One municipality's operations outside a turn: the command line, the local channel's views.

Every method reads or changes only this municipality's rows; it is what `aiguide … --tenant
ID` acts on, and what the local web chat shows for the municipality picked on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.files.registry_io import read_registry
from bot.services.admin import plain_values
from bot.services.pre_use import Standing, person_state, publish, standings
from bot.services.pre_use_effects import published_replies
from bot.services.tenants import TenantEntry
from bot.settings import MunicipalityFile, Persona
from dialogs.context import MunicipalityFacts
from dialogs.effects import PublishGuideline
from dialogs.pre_use import PreUseState
from dialogs.ui import Reply
from storage.addresses import PersonAddress, target_of
from storage.admin import audit, audit_entries
from storage.db import transaction
from storage.models import (
    AISystem,
    AuditEntry,
    ChannelPost,
    Person,
    ReportEvent,
    RiskReport,
    TrainingRecord,
)
from storage.people import find_person
from storage.posts import Thread, list_threads, posts_after, posts_since_last_turn
from storage.pre_use import save_roster
from storage.reports import events_of, list_reports
from storage.systems import list_systems, save_systems
from storage.tenants import bump_revision

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass
class Town:
    runtime: Runtime
    entry: TenantEntry

    @property
    def tenant_id(self) -> str:
        return self.entry.tenant_id

    @property
    def facts(self) -> MunicipalityFacts:
        return self.entry.facts

    @property
    def settings(self) -> MunicipalityFile:
        return self.entry.settings

    @property
    def personas(self) -> list[Persona]:
        return self.entry.settings.personas

    def _tx(self):  # type: ignore[no-untyped-def]
        return transaction(self.runtime.sessions)

    async def import_systems(self, path: Path, actor: str = "cli") -> tuple[int, int]:
        """(added, changed); RegistryFileError lists every bad row and nothing is saved. Each
        entry added or changed is audited before → after as `actor`, as a change typed in a
        chat is, so its history shows who changed it from a file."""
        entries = read_registry(path, self.facts, self.runtime.catalogs.for_locale("ja"))
        async with self._tx() as session:
            before = {s.id: plain_values(s) for s in await list_systems(session, self.tenant_id)}
            added, changed = await save_systems(session, self.tenant_id, entries)
            if added or changed:
                await bump_revision(session, self.tenant_id)
            for system in await list_systems(session, self.tenant_id):
                if (after := plain_values(system)) != before.get(system.id):
                    await audit(
                        session,
                        self.tenant_id,
                        channel="cli",
                        actor=actor,
                        action="system.import",
                        target=f"system:{system.id}",
                        before=before.get(system.id, {}),
                        after=after,
                    )
            return added, changed

    async def systems(self) -> list[AISystem]:
        async with self._tx() as session:
            return await list_systems(session, self.tenant_id)

    async def person(self, user_id: str) -> Person | None:
        """A person known on any channel by this id (for `aiguide check --user`)."""
        async with self._tx() as session:
            return await find_person(session, self.tenant_id, user_id)

    async def pre_use_state(self, channel: str, user_id: str) -> PreUseState:
        async with self._tx() as session:
            return await person_state(session, self.facts, channel, user_id, self.runtime.today())

    async def import_roster(self, records: Sequence[TrainingRecord]) -> tuple[int, int]:
        async with self._tx() as session:
            return await save_roster(session, self.tenant_id, records)

    async def standings(self) -> list[Standing]:
        async with self._tx() as session:
            return await standings(session, self.facts, self.runtime.today())

    async def publish_version(
        self, effect: PublishGuideline, channel: str, user_id: str
    ) -> tuple[bool, list[Reply]]:
        """Publish as `user_id` would from a chat (the command line's way in); whether it was
        published (False: the version number was taken) and what to tell them."""
        ctx = self.runtime.notice_context(self.facts, None)
        async with self._tx() as session:
            published = await publish(session, self.facts, effect, ctx, channel, user_id)
            replies = published_replies(published, effect, ctx)
            return published is not None, replies

    async def reports_with_events(
        self, since: datetime | None, until: datetime | None
    ) -> list[tuple[RiskReport, list[ReportEvent]]]:
        async with self._tx() as session:
            reports = await list_reports(session, self.tenant_id, since, until)
            return [(r, await events_of(session, r.id or 0)) for r in reports]

    async def audit_log(self) -> list[AuditEntry]:
        async with self._tx() as session:
            return await audit_entries(session, self.tenant_id)

    async def threads(self, channel_key: str) -> list[Thread]:
        async with self._tx() as session:
            return await list_threads(session, self.tenant_id, channel_key)

    async def arrived_since_last_turn(
        self, channel: str, user_id: str, conversation_id: str
    ) -> list[ChannelPost]:
        """What reached this person's inbox after they last spoke in that conversation."""
        async with self._tx() as session:
            return await posts_since_last_turn(
                session, self.tenant_id, f"user:{user_id}", (channel, user_id, conversation_id)
            )

    async def inbox(self, user_id: str, after: int | None) -> tuple[list[ChannelPost], int]:
        async with self._tx() as session:
            inbox = target_of(PersonAddress(user_id))
            return await posts_after(session, self.tenant_id, inbox, after)

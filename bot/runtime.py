"""One turn, end to end: dedupe, load state, route, apply effects, save — one transaction.

Every channel calls `Runtime.handle(turn)`; nothing here knows which channel it is. The same
object runs the periodic work (`tick`): planning and sending reminders, delivering the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.business_time import BusinessHours
from bot.effects import EffectHandler
from bot.files.registry_io import read_registry
from bot.outbox.delivery import Deliverer, Delivery, LocalDeliverer, report_progress
from bot.outbox.mail import LocalMailbox, SmtpDeliverer
from bot.services.pre_use import (
    Standing,
    Versions,
    ensure_first_version,
    person_state,
    publish,
    standings,
    state_of,
)
from bot.services.reminders import plan_reminders, send_due_reminders
from bot.settings import MunicipalityFile, Settings, load_municipality
from dialogs.catalog import DEFAULT_LOCALE, Catalogs
from dialogs.context import JST, DialogContext, MunicipalityFacts, PersonFacts
from dialogs.conversations import build_router
from dialogs.effects import (
    PublishGuideline,
)
from dialogs.pre_use import PreUseState, readiness
from dialogs.router import Router
from dialogs.state import ConversationData
from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.admin import audit_entries
from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    prune_events,
    save_conversation,
)
from storage.db import TurnUnit, make_engine, ping, session_maker, transaction, turn_unit
from storage.models import (
    AISystem,
    AuditEntry,
    Broadcast,
    ChannelPost,
    Person,
    ReportEvent,
    RiskReport,
    TrainingRecord,
    utcnow,
)
from storage.people import ensure_person, find_person
from storage.posts import Thread, list_threads, posts_after
from storage.pre_use import save_roster
from storage.reports import events_of, list_reports
from storage.systems import list_systems, save_systems
from storage.tenants import ensure_tenant
from storage.turn_reads import TurnReader

log = logging.getLogger(__name__)

# Two replicas answering the same person at the same instant: the loser re-reads and retries.
_ATTEMPTS = 5
# Reminders are planned from everyone's state; doing it every few minutes is plenty.
_PLAN_EVERY = timedelta(minutes=5)
# Event ids are kept this long: Slack retries an event three times within about five minutes
# and the Bot Framework within minutes, so a day is far beyond both; older ids are pruned with
# the planning (the ledger would otherwise only grow).
EVENT_RETENTION = timedelta(days=1)


@dataclass
class Runtime:
    settings: Settings
    municipality: MunicipalityFile
    catalogs: Catalogs
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    router: Router
    hours: BusinessHours = field(default_factory=BusinessHours)
    delivery: Delivery | None = None
    effects: EffectHandler = field(init=False)
    reader: TurnReader = field(default_factory=TurnReader)
    _planned_at: datetime | None = None

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        """Everything but the database's contents; raises ConfigError on a bad setting."""
        municipality = load_municipality(settings.municipality_file)
        engine = make_engine(settings.database_url, schema=settings.database_schema)
        runtime = cls(
            settings=settings,
            municipality=municipality,
            catalogs=Catalogs(settings.messages_dir),
            engine=engine,
            sessions=session_maker(engine),
            router=build_router(),
        )
        mail: Deliverer = LocalMailbox()
        if settings.smtp_host:
            mail = SmtpDeliverer(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                username=settings.smtp_username,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
            )
        runtime.effects = EffectHandler(runtime)
        runtime.delivery = Delivery(
            runtime.sessions,
            {"local": LocalDeliverer(), "email": mail},
            per_second={"local": settings.local_messages_per_second},
            progress=runtime._report_progress,
        )
        return runtime

    @property
    def facts(self) -> MunicipalityFacts:
        return self.municipality.facts()

    @property
    def tenant_id(self) -> str:
        return self.municipality.municipality.id

    async def load_sample_data(self) -> bool:
        """Register the municipality, its first guideline version and, while its 別表 is
        empty, the systems file. Idempotent: a second start changes nothing. A bad systems
        file raises RegistryFileError, so the bot never starts with half a 別表."""
        async with transaction(self.sessions) as session:
            name = self.municipality.municipality.name
            changed = await ensure_tenant(session, self.tenant_id, name)
            changed |= await ensure_first_version(session, self.facts, self.today())
            path = self.settings.systems_file
            empty = not await list_systems(session, self.tenant_id)
            if path is not None and path.is_file() and empty:
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

    async def pre_use_state(self, channel: str, user_id: str) -> PreUseState:
        async with transaction(self.sessions) as session:
            return await person_state(session, self.facts, channel, user_id, self.today())

    async def import_roster(self, records: Sequence[TrainingRecord]) -> tuple[int, int]:
        async with transaction(self.sessions) as session:
            return await save_roster(session, self.tenant_id, records)

    async def standings(self) -> list[Standing]:
        async with transaction(self.sessions) as session:
            return await standings(session, self.facts, self.today())

    async def publish_version(
        self, effect: PublishGuideline, channel: str, user_id: str
    ) -> tuple[bool, list[Reply]]:
        """Publish as `user_id` would from a chat (the command line's way in); whether it was
        published (False: the version number was taken) and what to tell them."""
        ctx = self.notice_context(None)
        async with transaction(self.sessions) as session:
            published = await publish(session, self.facts, effect, ctx, channel, user_id)
            return published is not None, await self.effects.published_replies(
                published, effect, ctx
            )

    async def reports_with_events(
        self, since: datetime | None, until: datetime | None
    ) -> list[tuple[RiskReport, list[ReportEvent]]]:
        async with transaction(self.sessions) as session:
            reports = await list_reports(session, self.tenant_id, since, until)
            return [(r, await events_of(session, r.id or 0)) for r in reports]

    async def audit_log(self) -> list[AuditEntry]:
        async with transaction(self.sessions) as session:
            return await audit_entries(session, self.tenant_id)

    async def ready(self) -> bool:
        return await ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    def today(self) -> date:
        """Today in Japan."""
        return datetime.now(JST).date()

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
                    # After a conflict the turn queues behind the other writer instead.
                    return await self._handle_once(turn, key, serialise=attempt > 1)
                except VersionConflict:
                    log.info("conversation changed concurrently, retrying (attempt %d)", attempt)
        except Exception:
            # Only ids are logged: what people type may hold personal information.
            log.exception("turn failed: %s/%s event %s", key.channel, key.user_id, turn.event_id)
            return [Text(msg.t("fallback.error"))]
        log.warning("turn abandoned after %d conflicts: %s/%s", _ATTEMPTS, key.channel, key.user_id)
        return [Text(msg.t("fallback.busy"))]

    async def _handle_once(
        self, turn: Turn, key: ConversationKey, *, serialise: bool = False
    ) -> list[Reply]:
        # Read and route without the write lock; then write what the turn changed, briefly,
        # refused (and the turn retried) if the conversation moved meanwhile.
        async with turn_unit(self.engine, self.sessions) as unit:
            if serialise:
                await unit.start_writing()  # SQLite: the write lock before reading
                await load_conversation(unit.session, key, lock=True)  # PostgreSQL: the row
            return await self._read_route_write(unit, turn, key)

    async def _read_route_write(
        self, unit: TurnUnit, turn: Turn, key: ConversationKey
    ) -> list[Reply]:
        seen = await self.reader.read(unit.session, key)
        # First seen now: pre-use reminders count from here (the row is written below).
        person = seen.person or Person(
            tenant_id=turn.tenant_id,
            channel=turn.channel,
            user_id=turn.user_id,
            display_name=turn.user_name or "",
            division=turn.user_division or "",
        )
        today = self.today()
        versions = seen.versions
        state = state_of(
            self.facts,
            Versions.of(versions, today),
            seen.training,
            seen.confirmation,
            {v.seq: v.version for v in versions},
        )
        ctx = self.context(turn, person, seen.systems, state, set(seen.roles))
        conv = ConversationData.from_json(seen.conversation.data)
        step = self.router.route(conv, turn, ctx)
        replies = list(step.replies)
        changed = bool(step.effects) or conv.to_json() != seen.conversation.data
        if not (changed or turn.event_id or seen.person is None):
            return replies
        await unit.start_writing()
        session = unit.session
        if turn.event_id and not await claim_event(
            session, turn.tenant_id, turn.channel, turn.event_id
        ):
            log.info("duplicate event %s ignored", turn.event_id)
            return []
        if seen.person is None:
            await ensure_person(
                session,
                turn.tenant_id,
                turn.channel,
                turn.user_id,
                display_name=turn.user_name or "",
                division=turn.user_division or "",
            )
        for effect in step.effects:
            replies += await self.effects.apply(session, turn, ctx, effect, conv)
        data = conv.to_json()
        if changed or data != seen.conversation.data:
            await save_conversation(session, key, data, seen.conversation.version)
        return replies

    def context(
        self,
        turn: Turn,
        person: Person | None,
        systems: Sequence[AISystem] = (),
        state: PreUseState | None = None,
        granted: set[str] | None = None,
    ) -> DialogContext:
        locale = (person.locale if person else None) or turn.locale or DEFAULT_LOCALE
        town = self.facts
        granted = granted or set()
        role = (
            "admin"
            if turn.user_id in town.admins or "admin" in granted
            else "caio"
            if turn.user_id in town.caio_users
            else "staff"
        )
        facts = PersonFacts(
            user_id=turn.user_id,
            display_name=(person.display_name if person else "") or (turn.user_name or ""),
            division=person.division if person else "",
            contact=person.contact if person else "",
            locale=locale,
            role=role,
            verified_division=turn.user_division or "",
            pre_use=state,
            **({"readiness": readiness(state, self.today())} if state else {}),
        )
        return DialogContext(
            catalogs=self.catalogs,
            municipality=town,
            person=facts,
            locale=locale,
            systems=tuple(systems),
        )

    def notice_context(self, locale: str | None) -> DialogContext:
        """A context for what the bot says on its own (notices, reminders, progress)."""
        locale = locale or DEFAULT_LOCALE
        return DialogContext(
            catalogs=self.catalogs,
            municipality=self.facts,
            person=PersonFacts(user_id=""),
            locale=locale,
        )

    async def _report_progress(self, session: AsyncSession, broadcast_id: int) -> None:
        def body(broadcast: Broadcast, sent: int, locale: str | None) -> dict[str, Any]:
            ctx = self.notice_context(locale)
            version = broadcast.kind.removeprefix("guideline:")
            key = "publish.finished" if sent >= broadcast.total else "publish.progress"
            text = ctx.t(key, version=version, sent=sent, total=broadcast.total)
            return Text(text).to_dict()

        await report_progress(session, broadcast_id, body)

    # --- periodic work --------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> None:
        """Plan reminders, send the due ones (business hours only), deliver the outbox.

        Planning reads everyone's state, so it runs at most every `_PLAN_EVERY`; it is
        idempotent, so replicas planning at the same time plan each reminder once.
        """
        now = now or utcnow()
        async with transaction(self.sessions) as session:
            if self._planned_at is None or abs(now - self._planned_at) >= _PLAN_EVERY:
                await plan_reminders(session, self.facts, now, self.hours)
                await prune_events(session, now - EVENT_RETENTION)
                self._planned_at = now
            await send_due_reminders(
                session,
                self.facts,
                now,
                self.hours,
                self.notice_context,
                shared_channel=self.settings.shared_channel,
            )
        if self.delivery is not None:
            await self.delivery.run_once(now)

    async def deliver(self) -> int:
        """Deliver what is due in the outbox now (the terminal chat, between turns)."""
        return await self.delivery.run_once() if self.delivery is not None else 0

    # --- the local channel's own views ---------------------------------------------------

    async def threads(self, channel_key: str) -> list[Thread]:
        async with transaction(self.sessions) as session:
            return await list_threads(session, self.tenant_id, channel_key)

    async def inbox(self, user_id: str, after: int | None) -> tuple[list[ChannelPost], int]:
        async with transaction(self.sessions) as session:
            return await posts_after(session, self.tenant_id, f"user:{user_id}", after)

"""One turn, end to end: dedupe, load state, route, apply effects, save — one transaction.

Every channel calls `Runtime.handle(turn)` with the turn's municipality already resolved
(`turn.tenant_id`); nothing here knows which channel it is. The facts of that municipality
come from a cache kept fresh by its revision. The same object runs the periodic work
(`tick`) for every municipality: reminders, report deadlines, delivering the outbox. What the
command line and the local channel's views do for one municipality is in `bot.town.Town`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.business_time import BusinessHours
from bot.effects import EffectHandlers, Services, all_handlers
from bot.in_flight import InFlight
from bot.metrics import Metrics
from bot.outbox.dead import mail_dead_letter
from bot.outbox.deliverers import build_registry
from bot.outbox.delivery import Delivery
from bot.outbox.progress import progress_body, report_progress
from bot.sample_data import load_sample_data
from bot.services.pre_use import Versions, person_state, state_of
from bot.services.reminders import plan_reminders, send_due_reminders
from bot.services.tenants import TenantCache
from bot.settings import Settings
from bot.town import Town
from bot.turn_context import build_context, notice_context
from dialogs.catalog import Catalogs
from dialogs.context import JST, DialogContext, MunicipalityFacts
from dialogs.conversations import build_router
from dialogs.pre_use import PreUseState
from dialogs.router import Router
from dialogs.state import ConversationData
from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    prune_events,
    save_conversation,
)
from storage.db import (
    TurnUnit,
    make_engine,
    ping,
    read_transaction,
    session_maker,
    transaction,
    turn_unit,
)
from storage.models import AISystem, Broadcast, OutboxMessage, Person, Tenant, utcnow
from storage.people import write_person
from storage.tenants import linked_tenant, list_tenants, tenant_ids
from storage.turn_reads import TurnReader, TurnReads

log = logging.getLogger(__name__)

# Two replicas answering the same person at the same instant: the loser re-reads and retries.
_ATTEMPTS = 5
# Whether the running turn applied effects (which may have queued outbox messages).
_applied_effects: ContextVar[bool] = ContextVar("applied_effects", default=False)
# Reminders are planned from everyone's state; doing it every few minutes is plenty.
_PLAN_EVERY = timedelta(minutes=5)
# Event ids are kept this long: Slack retries an event three times within about five minutes
# and the Bot Framework within minutes, so a day is far beyond both; older ids are pruned with
# the planning (the ledger would otherwise only grow).
EVENT_RETENTION = timedelta(days=1)


@dataclass
class Runtime:
    settings: Settings
    catalogs: Catalogs
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    router: Router
    hours: BusinessHours = field(default_factory=BusinessHours)
    delivery: Delivery | None = None
    effects: EffectHandlers = field(init=False)
    tenants: TenantCache = field(default_factory=TenantCache)
    metrics: Metrics = field(default_factory=Metrics)
    reader: TurnReader = field(default_factory=TurnReader)
    _planned_at: datetime | None = None
    _unknown_logged: set[str] = field(default_factory=set)
    # A repeat of an event id being handled now waits for the first (bot.in_flight).
    _in_flight: InFlight = field(default_factory=InFlight)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        """Everything but the database's contents."""
        engine = make_engine(
            settings.database_url,
            schema=settings.database_schema,
            pool_size=settings.database_pool_size,
        )
        runtime = cls(
            settings=settings,
            catalogs=Catalogs(settings.messages_dir),
            engine=engine,
            sessions=session_maker(engine),
            router=build_router(),
        )
        runtime.effects = all_handlers(
            Services(
                runner=runtime.router.runner,
                today=runtime.today,
                shared_channel=runtime.shared_channel,
            )
        )
        runtime.delivery = Delivery(
            runtime.sessions,
            build_registry(settings, runtime.sessions),
            max_attempts=settings.outbox_max_attempts,
            lease_seconds=settings.outbox_lease_seconds,
            progress=runtime._report_progress,
            on_dead=runtime._dead_letter,
        )
        return runtime

    async def load_sample_data(self) -> bool:
        """With no municipality yet, add the one of the municipality file (see
        `bot.sample_data`); False when nothing was added."""
        return await load_sample_data(self.settings, self.sessions, self.catalogs, self.today())

    async def town(self, tenant_id: str | None = None) -> Town:
        """One municipality's operations (the command line, the local channel's views).
        Without an id: the only municipality; TenantNotChosen when there are several."""
        async with read_transaction(self.sessions) as session:
            known = await tenant_ids(session)
            chosen = tenant_id if tenant_id is not None else (known[0] if len(known) == 1 else None)
            entry = await self.tenants.get(session, chosen) if chosen else None
        if entry is None:
            raise TenantNotChosen(tenant_id, known)
        return Town(self, entry)

    async def tenant_list(self) -> list[Tenant]:
        # A read, but its ORM rows are used after the session: a read-only unit's rollback
        # would expire them.
        async with transaction(self.sessions) as session:
            return await list_tenants(session)

    async def tenant_for_workspace(self, platform: str, external_id: str) -> str | None:
        """The municipality a Slack workspace / Enterprise org / Microsoft 365 tenant
        belongs to (`aiguide tenants link`), or None."""
        async with read_transaction(self.sessions) as session:
            return await linked_tenant(session, platform, external_id)

    def unknown_workspace(self, platform: str, external_id: str) -> list[Reply]:
        """The one polite answer to a workspace no municipality has claimed; nothing stored."""
        key = f"{platform}:{external_id}"
        if key not in self._unknown_logged:
            self._unknown_logged.add(key)
            log.warning("refused a turn from an unknown %s %s", platform, external_id[:128])
        return [Text(self.catalogs.for_locale("ja").t("tenant.unknown"))]

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
        return await self._in_flight.run(turn, self.sessions, self._handle)

    async def _handle(self, turn: Turn) -> list[Reply]:
        applied = _applied_effects.set(False)
        try:
            return await self._handle_turn(turn)
        finally:
            # Only effects write to the outbox: a turn without any leaves delivery asleep
            # (a wake costs a claim query, and most turns only answer).
            if self.delivery is not None and _applied_effects.get():
                self.delivery.wake()
            _applied_effects.reset(applied)

    async def _handle_turn(self, turn: Turn) -> list[Reply]:
        key = ConversationKey(*turn.conversation_key)
        msg = self.catalogs.for_locale(turn.locale)
        try:
            reconnected = False
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    # After a conflict the turn queues behind the other writer instead.
                    return await self._handle_once(turn, key, serialise=attempt > 1)
                except VersionConflict:
                    log.info("conversation changed concurrently, retrying (attempt %d)", attempt)
                except DBAPIError as error:
                    # The server dropped the connection (a restart): nothing was written, and
                    # the pool now hands out fresh connections; once more, then give up.
                    if not error.connection_invalidated or reconnected:
                        raise
                    reconnected = True
                    log.warning("database connection lost, running the turn again")
        except Exception:
            self.metrics.errors.labels(turn.channel).inc()
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
        async with turn_unit(self.engine, self.sessions, gated=True) as unit:
            if serialise:
                await unit.start_writing()  # SQLite: the write lock before reading
                await load_conversation(unit.session, key, lock=True)  # PostgreSQL: the row
            # One query: the tenant's revision (its settings come from the cache) with the rest.
            seen = await self.reader.read(unit, key)
            tenant = self.tenants.cached(turn.tenant_id, seen.revision) or await self.tenants.at(
                unit.session, turn.tenant_id, seen.revision
            )
            if tenant is None:  # no such municipality: answer, store nothing
                return self.unknown_workspace("tenant", turn.tenant_id)
            self.metrics.turns.labels(turn.channel, turn.tenant_id).inc()
            return await self._read_route_write(unit, turn, key, tenant.facts, seen)

    async def _read_route_write(
        self,
        unit: TurnUnit,
        turn: Turn,
        key: ConversationKey,
        town: MunicipalityFacts,
        seen: TurnReads,
    ) -> list[Reply]:
        # First seen now: pre-use reminders count from here (the row is written below).
        person = seen.person or Person.model_construct(
            tenant_id=turn.tenant_id,
            channel=turn.channel,
            user_id=turn.user_id,
            display_name=turn.user_name or "",
            division=turn.user_division or "",
            contact="",
            email=(turn.user_email or "").strip().lower(),
            staff_number="",
            locale=None,
        )
        today = self.today()
        if person.email or person.staff_number:
            # Accounts tied by e-mail, roster rows by staff number or e-mail: the full read.
            state = await person_state(
                unit.session, town, turn.channel, turn.user_id, today, first_seen=person
            )
        else:
            versions = seen.versions
            state = state_of(
                town,
                Versions.of(versions, today),
                seen.training,
                seen.confirmation,
                {v.seq: v.version for v in versions},
            )
        ctx = self.context(turn, town, person, seen.systems, state, set(seen.roles))
        conv = ConversationData.from_json(seen.conversation.data)
        step = self.router.route(conv, turn, ctx)
        replies = list(step.replies)
        changed = bool(step.effects) or conv.to_json() != seen.conversation.data
        new_email = bool(turn.user_email) and (turn.user_email or "").strip().lower() != (
            seen.person.email if seen.person else ""
        )
        if not (changed or turn.event_id or seen.person is None or new_email):
            return replies + step.closing
        await unit.start_writing()
        if turn.event_id and not await claim_event(
            unit.connection, turn.tenant_id, turn.channel, turn.event_id
        ):
            log.info("duplicate event %s ignored", turn.event_id)
            return []
        if seen.person is None or new_email:
            await write_person(
                unit,
                turn.tenant_id,
                turn.channel,
                turn.user_id,
                first_seen=seen.person is None,
                display_name=turn.user_name or "",
                division=turn.user_division or "",
                email=turn.user_email or "",
            )
        _applied_effects.set(bool(step.effects))
        for effect in step.effects:
            replies += await self.effects.apply(unit.session, turn, ctx, effect, conv)
        replies += step.closing  # after what the effects answered
        data = conv.to_json()
        # A turn with an event id writes anyway (its id is claimed): the conversation's time
        # then says when the person last spoke (what arrived since is shown at their return).
        if changed or data != seen.conversation.data or turn.event_id:
            await unit.commit_with_last_write()
            await save_conversation(unit.connection, key, data, seen.conversation.version)
        return replies

    def context(
        self,
        turn: Turn,
        town: MunicipalityFacts,
        person: Person | None,
        systems: Sequence[AISystem] = (),
        state: PreUseState | None = None,
        granted: set[str] | None = None,
    ) -> DialogContext:
        return build_context(
            self.catalogs, self.today(), turn, town, person, systems, state, granted
        )

    def notice_context(self, town: MunicipalityFacts, locale: str | None) -> DialogContext:
        """A context for what the bot says on its own (notices, reminders, progress)."""
        return notice_context(self.catalogs, town, locale)

    def shared_channel(self, town: MunicipalityFacts) -> str:
        """The channel kind that hosts this municipality's policy-division and CAIO channels."""
        return town.shared_channel or self.settings.shared_channel

    async def _report_progress(self, session: AsyncSession, broadcast_id: int) -> None:
        broadcast = await session.get(Broadcast, broadcast_id)
        tenant = await self.tenants.get(session, broadcast.tenant_id) if broadcast else None
        if tenant is None:
            return

        def body(broadcast: Broadcast, sent: int, dead: int, locale: str | None) -> dict[str, Any]:
            return progress_body(self.notice_context(tenant.facts, locale), broadcast, sent, dead)

        await report_progress(session, broadcast_id, body)

    async def _dead_letter(self, session: AsyncSession, message: OutboxMessage) -> None:
        """A dead post for a shared channel goes to its municipality's policy contact."""
        self.metrics.dead.labels(message.channel).inc()
        tenant = await self.tenants.get(session, message.tenant_id)
        if tenant is not None:
            ctx = self.notice_context(tenant.facts, None)
            await mail_dead_letter(session, message, tenant.facts, ctx)

    # --- periodic work --------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> None:
        """For each municipality: plan reminders, send the due ones (business hours only);
        then deliver the outbox (every row carries its municipality).

        Planning reads everyone's state, so it runs at most every `_PLAN_EVERY`; it is
        idempotent, so replicas planning at the same time plan each reminder once.
        """
        now = now or utcnow()
        plan = self._planned_at is None or abs(now - self._planned_at) >= _PLAN_EVERY
        async with transaction(self.sessions) as session:
            ids = await tenant_ids(session)
            if plan:
                await prune_events(session, now - EVENT_RETENTION)
        for tenant_id in ids:
            async with transaction(self.sessions) as session:
                tenant = await self.tenants.get(session, tenant_id)
                if tenant is None:
                    continue
                town = tenant.facts
                if plan:
                    await plan_reminders(session, town, now, self.hours)
                await send_due_reminders(
                    session,
                    town,
                    now,
                    self.hours,
                    lambda locale, town=town: self.notice_context(town, locale),
                    shared_channel=self.shared_channel(town),
                )
        if plan:
            self._planned_at = now
        if self.delivery is not None:
            await self.delivery.run_once(now)

    async def deliver(self, channels: frozenset[str] | None = None) -> int:
        """Deliver what is due in the outbox now (of these channel kinds only, if given)."""
        if self.delivery is None:
            return 0
        return await self.delivery.run_once(channels=channels)


class TenantNotChosen(Exception):
    """No municipality named and not exactly one exists, or the one named does not exist."""

    def __init__(self, asked: str | None, known: list[str]) -> None:
        super().__init__(asked or "")
        self.asked = asked
        self.known = known

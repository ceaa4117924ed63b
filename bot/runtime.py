"""One turn, end to end: dedupe, load state, route, apply effects, save — one transaction.

Every channel calls `Runtime.handle(turn)`; nothing here knows which channel it is. The same
object runs the periodic work (`tick`): planning and sending reminders, delivering the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import admin as admin_ops
from bot import designation as designation_ops
from bot.business_time import BusinessHours
from bot.delivery import Deliverer, Delivery, LocalDeliverer, report_progress
from bot.mail import LocalMailbox, SmtpDeliverer
from bot.pre_use import (
    Standing,
    ensure_first_version,
    person_state,
    publish,
    standings,
    summary_rows,
)
from bot.registry_io import read_registry
from bot.reminders import plan_reminders, send_due_reminders
from bot.reports import Where, act, file_report, may_add, may_see, report_card
from bot.settings import MunicipalityFile, Settings, load_municipality
from dialogs import admin
from dialogs.catalog import DEFAULT_LOCALE, Catalogs
from dialogs.context import JST, DialogContext, MunicipalityFacts, PersonFacts
from dialogs.conversations import build_router
from dialogs.designation import (
    FileRequest,
    RequestAction,
    missing_for_approval,
    system_answers,
)
from dialogs.effects import (
    PublishGuideline,
    SaveConfirmation,
    SaveProfile,
    SetLocale,
    ShowPreUseSummary,
)
from dialogs.entry_check import LogEntryCheck
from dialogs.guideline import summary_card
from dialogs.pre_use import PreUseState, readiness
from dialogs.risk_report import (
    FileReport,
    OpenReportForm,
    ReportAction,
    ReportByNumber,
    reporter_buttons,
)
from dialogs.router import Router
from dialogs.state import ConversationData
from dialogs.system_form import SaveSystem
from dialogs.turn import Turn
from dialogs.ui import Choices, Reply, Text
from storage.admin import audit_entries, grants, log_entry_check
from storage.conversations import (
    ConversationKey,
    VersionConflict,
    claim_event,
    load_conversation,
    save_conversation,
)
from storage.db import make_engine, ping, session_maker, transaction
from storage.models import (
    AISystem,
    AuditEntry,
    Broadcast,
    ChannelPost,
    Confirmation,
    DesignationRequest,
    GuidelineVersion,
    Person,
    ReportEvent,
    RiskReport,
    TrainingRecord,
    utcnow,
)
from storage.people import ensure_person, find_person, update_person
from storage.posts import Thread, list_threads, posts_after
from storage.pre_use import save_confirmation, save_roster
from storage.reports import events_of, get_report, list_reports, report_by_number
from storage.systems import list_systems, save_systems
from storage.tenants import ensure_tenant

log = logging.getLogger(__name__)

# Two replicas answering the same person at the same instant: the loser re-reads and retries.
_ATTEMPTS = 5
# Reminders are planned from everyone's state; doing it every few minutes is plenty.
_PLAN_EVERY = timedelta(minutes=5)


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
            changed |= await ensure_first_version(session, self.facts, self._today())
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
            return await person_state(session, self.facts, channel, user_id, self._today())

    async def import_roster(self, records: Sequence[TrainingRecord]) -> tuple[int, int]:
        async with transaction(self.sessions) as session:
            return await save_roster(session, self.tenant_id, records)

    async def standings(self) -> list[Standing]:
        async with transaction(self.sessions) as session:
            return await standings(session, self.facts, self._today())

    async def publish_version(
        self, effect: PublishGuideline, channel: str, user_id: str
    ) -> tuple[bool, list[Reply]]:
        """Publish as `user_id` would from a chat (the command line's way in); whether it was
        published (False: the version number was taken) and what to tell them."""
        ctx = self.notice_context(None)
        async with transaction(self.sessions) as session:
            published = await publish(session, self.facts, effect, ctx, channel, user_id)
            return published is not None, await self._published(published, effect, ctx)

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

    def _today(self) -> Any:
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
            # First seen now: pre-use reminders count from here.
            person = await ensure_person(
                session,
                turn.tenant_id,
                turn.channel,
                turn.user_id,
                display_name=turn.user_name or "",
                division=turn.user_division or "",
            )
            systems = await list_systems(session, turn.tenant_id)
            granted = {
                g.role
                for g in await grants(session, turn.tenant_id)
                if (g.channel, g.user_id) == (turn.channel, turn.user_id)
            }
            state = await person_state(
                session, self.facts, turn.channel, turn.user_id, self._today()
            )
            ctx = self.context(turn, person, systems, state, granted)
            conv = ConversationData.from_json(stored.data)
            step = self.router.route(conv, turn, ctx)
            replies = list(step.replies)
            for effect in step.effects:
                replies += await self._apply(session, turn, ctx, effect, conv)
            await save_conversation(session, key, conv.to_json(), stored.version)
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
            **({"readiness": readiness(state, self._today())} if state else {}),
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

    async def _apply(
        self,
        session: AsyncSession,
        turn: Turn,
        ctx: DialogContext,
        effect: Any,
        conv: ConversationData,
    ) -> list[Reply]:
        """Carry out one effect in the turn's transaction; replies it adds, if any."""
        who = (turn.tenant_id, turn.channel, turn.user_id)
        match effect:
            case SaveProfile(display_name=name, division=division, contact=contact):
                await update_person(
                    session, *who, display_name=name, division=division, contact=contact
                )
            case SetLocale(locale=locale):
                await update_person(session, *who, locale=locale)
            case SaveConfirmation():
                await save_confirmation(
                    session,
                    Confirmation(
                        tenant_id=turn.tenant_id,
                        channel=turn.channel,
                        user_id=turn.user_id,
                        guideline_seq=effect.guideline_seq,
                        training_completed_on=effect.training_completed_on,
                        items=list(effect.items),
                    ),
                )
            case PublishGuideline():
                return await self._publish(session, turn, ctx, effect)
            case FileReport(answers=answers):
                return await file_report(session, answers, ctx, self._where(turn, ctx))
            case ReportAction() | ReportByNumber():
                return await self._on_report(session, turn, ctx, effect)
            case LogEntryCheck(system_id=system_id):
                await log_entry_check(session, *who, system_id)
            case admin.Refused(command=command):
                await admin_ops.refused(session, turn.tenant_id, command, self._actor(turn, ctx))
            case admin.ShowSystems(status=status):
                return [admin_ops.systems_card(list(ctx.systems), status, ctx)]
            case admin.ShowSystem(system_id=system_id) if system := self._system(ctx, system_id):
                return [admin_ops.system_card(system, ctx)]
            case admin.ShowHistory(system_id=system_id) if system := self._system(ctx, system_id):
                return [await admin_ops.history_card(session, system, ctx)]
            case admin.ProposeChange(system_id=system_id) if system := await self._stored_system(
                session, system_id
            ):
                replies = await admin_ops.propose(session, conv, effect, system, ctx)
                if effect.action == "resume" and system.status == "suspended":
                    pending = {"action": "resume", "changes": {}, "reason": ""}
                    actor = self._actor(turn, ctx)
                    return await admin_ops.apply(session, pending, system, ctx, actor)
                return replies
            case admin.ApplyChange(pending=pending) if system := await self._stored_system(
                session, pending["system"]
            ):
                if not self._may_change(ctx, system, pending):
                    await admin_ops.refused(
                        session, turn.tenant_id, "apply", self._actor(turn, ctx)
                    )
                    return [Text(ctx.t("admin.refused_short"))]
                return await admin_ops.apply(session, pending, system, ctx, self._actor(turn, ctx))
            case admin.NotifyAskers(system_id=system_id) if system := await self._stored_system(
                session, system_id
            ):
                return await admin_ops.notify_askers(session, system, ctx, self._actor(turn, ctx))
            case admin.ChangeRole():
                actor = self._actor(turn, ctx)
                return await admin_ops.change_role(session, turn.tenant_id, effect, ctx, actor)
            case SaveSystem(values=values, mode=mode, request=request):
                if ctx.person.role != "admin":
                    await admin_ops.refused(
                        session, turn.tenant_id, "system save", self._actor(turn, ctx)
                    )
                    return [Text(ctx.t("admin.refused_short"))]
                actor = self._actor(turn, ctx)
                saved, replies = await admin_ops.save_system(
                    session, turn.tenant_id, values, mode, ctx, actor
                )
                if saved is not None and request is not None:
                    replies += await designation_ops.approved(session, request, saved, ctx, actor)
                return replies
            case FileRequest(answers=answers):
                return await designation_ops.file_request(
                    session, answers, ctx, self._actor(turn, ctx)
                )
            case RequestAction(request_id=request_id, verb=verb, answers=answers):
                return await self._on_request(session, conv, turn, ctx, request_id, verb, answers)
            case admin.ShowRoles():
                return [await admin_ops.roles_card(session, turn.tenant_id, ctx)]
            case (
                admin.ShowSystem()
                | admin.ShowHistory()
                | admin.ProposeChange()
                | admin.ApplyChange()
                | admin.NotifyAskers()
            ):
                return [Text(ctx.t("admin.no_system", name=""))]
            case OpenReportForm(report_id=report_id, form=form):
                report = await get_report(session, self.tenant_id, report_id)
                if report is None or not may_add(report, ctx, turn.channel, turn.user_id):
                    return [Text(ctx.t("report.not_found_or_refused"))]
                initial = {"report": str(report_id)}
                started = self.router.runner.start(conv, form, ctx, initial=initial)
                return [Text(ctx.t("report.about", number=report.number)), *started.replies]
            case ShowPreUseSummary():
                today = self._today()
                people = await standings(session, self.facts, today)
                rows = summary_rows(people, today, self.facts)
                state = ctx.person.pre_use
                version = state.current_version if state else self.facts.guideline_version
                return [summary_card(rows, version, ctx)]
            case _:
                raise TypeError(f"no handler for effect {effect!r}")
        return []

    async def _publish(
        self, session: AsyncSession, turn: Turn, ctx: DialogContext, effect: PublishGuideline
    ) -> list[Reply]:
        published = await publish(session, self.facts, effect, ctx, turn.channel, turn.user_id)
        return await self._published(published, effect, ctx)

    async def _published(
        self,
        published: tuple[GuidelineVersion, Broadcast] | None,
        effect: PublishGuideline,
        ctx: DialogContext,
    ) -> list[Reply]:
        if published is None:
            return [Text(ctx.t("publish.duplicate", version=effect.version))]
        version, broadcast = published
        kind = ctx.t(f"forms.guideline_publish.kinds.{version.kind}")
        done = ctx.t("publish.done", version=version.version, kind=kind, count=broadcast.total)
        return [Text(done)]

    async def _on_request(
        self,
        session: AsyncSession,
        conv: ConversationData,
        turn: Turn,
        ctx: DialogContext,
        request_id: int,
        verb: str,
        answers: dict[str, str],
    ) -> list[Reply]:
        request = await session.get(DesignationRequest, request_id)
        mine = request is not None and (request.applicant_channel, request.applicant) == (
            turn.channel,
            turn.user_id,
        )
        allowed = ctx.person.role == "admin" or (verb == "answer" and mine)
        if request is None or request.tenant_id != self.tenant_id or not allowed:
            return [Text(ctx.t("designation.not_found_or_refused"))]
        if verb == "approve":
            if request.status != "pending":
                return [Text(ctx.t("designation.already", number=request.id))]
            # Approval is `system add` prefilled from the request; saving it designates.
            missing = missing_for_approval(request.answers, ctx)
            initial = system_answers(request_id, request.answers, ctx)
            started = self.router.runner.start(conv, "system_form", ctx, initial=initial)
            said = [Text("\n".join([ctx.t("designation.missing"), *missing]))] if missing else []
            return [*said, *started.replies]
        return await designation_ops.act(
            session, request, verb, answers, ctx, self._actor(turn, ctx)
        )

    def _actor(self, turn: Turn, ctx: DialogContext) -> admin_ops.Actor:
        name = " ".join(part for part in (ctx.person.division, ctx.person.display_name) if part)
        return admin_ops.Actor(
            turn.channel, turn.user_id, name or turn.user_id, self.settings.shared_channel
        )

    @staticmethod
    def _system(ctx: DialogContext, system_id: str) -> AISystem | None:
        return next((s for s in ctx.systems if s.id == system_id), None)

    async def _stored_system(self, session: AsyncSession, system_id: str) -> AISystem | None:
        return await session.get(AISystem, (self.tenant_id, system_id))

    @staticmethod
    def _may_change(ctx: DialogContext, system: AISystem, pending: dict[str, Any]) -> bool:
        """Checked again when applying: an admin, or the system's 担当課室 for its own
        description, contact and manual link."""
        if ctx.person.role == "admin":
            return True
        division = ctx.person.verified_division
        owner = bool(division) and division == system.owner_division
        fields = set(pending.get("changes", {}))
        return owner and pending["action"] == "set" and fields <= set(admin.OWNER_FIELDS)

    def _where(self, turn: Turn, ctx: DialogContext) -> Where:
        name = " ".join(part for part in (ctx.person.division, ctx.person.display_name) if part)
        return Where(self.settings.shared_channel, turn.channel, turn.user_id, name or turn.user_id)

    async def _on_report(
        self,
        session: AsyncSession,
        turn: Turn,
        ctx: DialogContext,
        effect: ReportAction | ReportByNumber,
    ) -> list[Reply]:
        """Act on a report, or show it — only for its reporter, the policy division, the CAIO
        (and its system's 担当課室 for adding to it); everyone else is refused."""
        if isinstance(effect, ReportByNumber):
            report = await report_by_number(session, self.tenant_id, effect.number)
        else:
            report = await get_report(session, self.tenant_id, effect.report_id)
        adding = (isinstance(effect, ReportAction) and effect.verb in ("handling", "result")) or (
            isinstance(effect, ReportByNumber) and effect.verb == "update"
        )
        allowed = may_add if adding else may_see
        if report is None or not allowed(report, ctx, turn.channel, turn.user_id):
            # The same answer whether the report exists or not: nothing leaks.
            return [Text(ctx.t("report.not_found_or_refused"))]
        if isinstance(effect, ReportByNumber):
            if effect.verb == "update":
                assert report.id is not None
                return [
                    Choices(
                        ctx.t("report.which_stage", number=report.number),
                        reporter_buttons(report.id, ctx),
                    )
                ]
            return [await report_card(session, report, ctx)]
        if effect.verb == "show":
            return [await report_card(session, report, ctx)]
        return await act(session, report, effect.verb, effect.answers, ctx, self._where(turn, ctx))

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

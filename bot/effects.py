"""Carrying out what a dialog asked for (its effects), inside the turn's transaction.

Each effect is applied with the facts of the turn; permission is checked again here against
the stored roles and records before anything changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import admin as admin_ops
from bot.services import designation as designation_ops
from bot.services.pre_use import (
    publish,
    standings,
    summary_rows,
)
from bot.services.reports import Where, act, file_report, may_add, may_see, report_card
from dialogs import admin
from dialogs.context import DialogContext
from dialogs.designation import (
    FileRequest,
    OpenRequestForm,
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
from dialogs.risk_report import (
    FileReport,
    OpenReportForm,
    ReportAction,
    ReportByNumber,
    reporter_buttons,
)
from dialogs.state import ConversationData
from dialogs.system_form import SaveSystem
from dialogs.turn import Turn
from dialogs.ui import Choices, Reply, Text
from storage.admin import audit, log_entry_check
from storage.models import (
    AISystem,
    Broadcast,
    Confirmation,
    DesignationRequest,
    GuidelineVersion,
)
from storage.people import update_person
from storage.pre_use import save_confirmation
from storage.reports import get_report, report_by_number

if TYPE_CHECKING:
    from bot.runtime import Runtime


class EffectHandler:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def apply(
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
                    session,
                    *who,
                    display_name=name,
                    division=division,
                    contact=contact,
                    email=effect.email,
                    staff_number=effect.staff_number,
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
                session, turn, system_id
            ):
                replies = await admin_ops.propose(session, conv, effect, system, ctx)
                if effect.action == "resume" and system.status == "suspended":
                    pending = {"action": "resume", "changes": {}, "reason": ""}
                    actor = self._actor(turn, ctx)
                    return await admin_ops.apply(session, pending, system, ctx, actor)
                return replies
            case admin.ApplyChange(pending=pending) if system := await self._stored_system(
                session, turn, pending["system"]
            ):
                if not self._may_change(ctx, system, pending):
                    await admin_ops.refused(
                        session, turn.tenant_id, "apply", self._actor(turn, ctx)
                    )
                    return [Text(ctx.t("admin.refused_short"))]
                return await admin_ops.apply(session, pending, system, ctx, self._actor(turn, ctx))
            case admin.NotifyAskers(system_id=system_id) if system := await self._stored_system(
                session, turn, system_id
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
            case OpenRequestForm(request_id=request_id, verb=verb, form=form):
                request = await self._request_for(session, turn, ctx, request_id, verb)
                if request is None:
                    return [Text(ctx.t("designation.not_found_or_refused"))]
                initial = {"request": str(request_id)}
                return list(
                    self.runtime.router.runner.start(conv, form, ctx, initial=initial).replies
                )
            case admin.ShowRoles():
                return [await admin_ops.roles_card(session, turn.tenant_id, ctx)]
            case (
                admin.ShowSystem()
                | admin.ShowHistory()
                | admin.ProposeChange()
                | admin.ApplyChange()
                | admin.NotifyAskers()
            ):
                asked = getattr(effect, "system_id", "") or getattr(effect, "pending", {}).get(
                    "system", ""
                )
                await self._refused(session, turn, "system.missing", f"system:{asked}"[:200])
                return [Text(ctx.t("admin.no_system", name=""))]
            case OpenReportForm(report_id=report_id, form=form):
                report = await get_report(session, turn.tenant_id, report_id)
                if report is None or not may_add(report, ctx, turn.channel, turn.user_id):
                    await self._refused(session, turn, f"report.{form}", f"report:{report_id}")
                    return [Text(ctx.t("report.not_found_or_refused"))]
                initial = {"report": str(report_id)}
                started = self.runtime.router.runner.start(conv, form, ctx, initial=initial)
                return [Text(ctx.t("report.about", number=report.number)), *started.replies]
            case ShowPreUseSummary():
                today = self.runtime.today()
                people = await standings(session, ctx.municipality, today)
                rows = summary_rows(people, today, ctx.municipality)
                state = ctx.person.pre_use
                version = state.current_version if state else ctx.municipality.guideline_version
                return [summary_card(rows, version, ctx)]
            case _:
                raise TypeError(f"no handler for effect {effect!r}")
        return []

    async def _publish(
        self, session: AsyncSession, turn: Turn, ctx: DialogContext, effect: PublishGuideline
    ) -> list[Reply]:
        published = await publish(
            session, ctx.municipality, effect, ctx, turn.channel, turn.user_id
        )
        return await self.published_replies(published, effect, ctx)

    async def published_replies(
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
        request = await self._request_for(session, turn, ctx, request_id, verb)
        if request is None:
            return [Text(ctx.t("designation.not_found_or_refused"))]
        if verb == "approve":
            if request.status != "pending":
                return [Text(ctx.t("designation.already", number=request.id))]
            # Approval is `system add` prefilled from the request; saving it designates.
            missing = missing_for_approval(request.answers, ctx)
            initial = system_answers(request_id, request.answers, ctx)
            started = self.runtime.router.runner.start(conv, "system_form", ctx, initial=initial)
            said = [Text("\n".join([ctx.t("designation.missing"), *missing]))] if missing else []
            return [*said, *started.replies]
        return await designation_ops.act(
            session, request, verb, answers, ctx, self._actor(turn, ctx)
        )

    async def _request_for(
        self, session: AsyncSession, turn: Turn, ctx: DialogContext, request_id: int, verb: str
    ) -> DesignationRequest | None:
        """The request, when it is this municipality's and the asker may act on it (an admin,
        or its applicant answering); else None, audited, and the same answer either way."""
        request = await session.get(DesignationRequest, request_id)
        mine = request is not None and (request.applicant_channel, request.applicant) == (
            turn.channel,
            turn.user_id,
        )
        allowed = ctx.person.role == "admin" or (verb == "answer" and mine)
        if request is None or request.tenant_id != turn.tenant_id or not allowed:
            await self._refused(session, turn, f"request.{verb}", f"request:{request_id}")
            return None
        return request

    @staticmethod
    async def _refused(session: AsyncSession, turn: Turn, action: str, target: str) -> None:
        """A refused or missing object, recorded in the asker's municipality. Only ids the
        router parsed reach `target`; never the text a person typed."""
        await audit(
            session,
            turn.tenant_id,
            channel=turn.channel,
            actor=turn.user_id,
            action=action[:64],
            target=target[:200],
            outcome="refused",
        )

    def _actor(self, turn: Turn, ctx: DialogContext) -> admin_ops.Actor:
        name = " ".join(part for part in (ctx.person.division, ctx.person.display_name) if part)
        return admin_ops.Actor(
            turn.channel,
            turn.user_id,
            name or turn.user_id,
            self.runtime.shared_channel(ctx.municipality),
        )

    @staticmethod
    def _system(ctx: DialogContext, system_id: str) -> AISystem | None:
        return next((s for s in ctx.systems if s.id == system_id), None)

    @staticmethod
    async def _stored_system(session: AsyncSession, turn: Turn, system_id: str) -> AISystem | None:
        return await session.get(AISystem, (turn.tenant_id, system_id))

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
        return Where(
            self.runtime.shared_channel(ctx.municipality),
            turn.channel,
            turn.user_id,
            name or turn.user_id,
        )

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
            report = await report_by_number(session, turn.tenant_id, effect.number)
        else:
            report = await get_report(session, turn.tenant_id, effect.report_id)
        adding = (isinstance(effect, ReportAction) and effect.verb in ("handling", "result")) or (
            isinstance(effect, ReportByNumber) and effect.verb == "update"
        )
        allowed = may_add if adding else may_see
        if report is None or not allowed(report, ctx, turn.channel, turn.user_id):
            # The same answer whether the report exists or not: nothing leaks. The attempt
            # is audited in the asker's own municipality, whatever was asked for.
            asked = (
                f"report:{effect.number}"
                if isinstance(effect, ReportByNumber)
                else f"report:{effect.report_id}"
            )
            await self._refused(session, turn, f"report.{effect.verb}", asked)
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

"""Effects of risk-case reports (§4): filing, acting on one, opening its forms.

A report is acted on or shown only for its reporter, the policy division and the CAIO (and
its system's 担当課室 for adding handling and results); everyone else — and anyone asking
about another municipality's report — gets the same answer as for a report that does not
exist, and the attempt is audited in the asker's own municipality.
"""

from __future__ import annotations

from bot.effects import Applied, EffectHandlers
from bot.services.report_views import may_add, may_see, open_reports_card, report_card
from bot.services.reports import Where, act, file_report
from dialogs.effects import ShowOpenReports
from dialogs.risk_report import (
    FileReport,
    OpenReportForm,
    ReportAction,
    ReportByNumber,
    reporter_buttons,
)
from dialogs.ui import Choices, Reply, Text
from storage.reports import get_report, report_by_number


def where(done: Applied) -> Where:
    return Where(done.shared_channel, done.turn.channel, done.turn.user_id, done.actor_name)


async def file(done: Applied, effect: FileReport) -> list[Reply]:
    return await file_report(done.session, effect.answers, done.ctx, where(done))


async def on_report(done: Applied, effect: ReportAction | ReportByNumber) -> list[Reply]:
    session, turn, ctx = done.session, done.turn, done.ctx
    if isinstance(effect, ReportByNumber):
        report = await report_by_number(session, turn.tenant_id, effect.number)
        asked = f"report:{effect.number}"
        adding = effect.verb == "update"
    else:
        report = await get_report(session, turn.tenant_id, effect.report_id)
        asked = f"report:{effect.report_id}"
        adding = effect.verb in ("handling", "result")
    allowed = may_add if adding else may_see
    if report is None or not allowed(report, ctx, turn.channel, turn.user_id):
        await done.refused(f"report.{effect.verb}", asked)
        return [Text(ctx.t("report.not_found_or_refused"))]
    if isinstance(effect, ReportByNumber) and effect.verb == "update":
        assert report.id is not None
        question = ctx.t("report.which_stage", number=report.number)
        return [Choices(question, reporter_buttons(report.id, ctx))]
    if isinstance(effect, ReportByNumber) or effect.verb == "show":
        return [await report_card(session, report, ctx)]
    return await act(session, report, effect.verb, effect.answers, ctx, where(done))


async def open_form(done: Applied, effect: OpenReportForm) -> list[Reply]:
    turn, ctx = done.turn, done.ctx
    report = await get_report(done.session, turn.tenant_id, effect.report_id)
    if report is None or not may_add(report, ctx, turn.channel, turn.user_id):
        await done.refused(f"report.{effect.form}", f"report:{effect.report_id}")
        return [Text(ctx.t("report.not_found_or_refused"))]
    initial = {"report": str(effect.report_id)}
    started = done.services.runner.start(done.conv, effect.form, ctx, initial=initial)
    return [Text(ctx.t("report.about", number=report.number)), *started.replies]


async def show_open(done: Applied, effect: ShowOpenReports) -> list[Reply]:
    """「報告の状況」: the asker's own open reports (all of them for the policy division)."""
    tenant_id, channel, user_id = done.who
    return [await open_reports_card(done.session, tenant_id, done.ctx, channel, user_id)]


def register(handlers: EffectHandlers) -> None:
    handlers.register(FileReport, file)
    handlers.register(ReportAction, on_report)
    handlers.register(ReportByNumber, on_report)
    handlers.register(OpenReportForm, open_form)
    handlers.register(ShowOpenReports, show_open)

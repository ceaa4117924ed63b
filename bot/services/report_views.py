"""Risk reports as the people allowed to see them see them (§4): who may see or add to one,
the report's card with its timeline, the thread's top post as it stands, the open reports,
and stored times in JST. Reading only; filing and acting are in bot.services.reports.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.context import JST, DialogContext
from dialogs.risk_report import reporter_buttons, summary_card
from dialogs.ui import Button, Fact, FactCard
from storage.models import RiskReport
from storage.people import display_names
from storage.reports import events_of, list_reports


def jst(moment: datetime) -> datetime:
    """A stored time in JST (SQLite gives naive UTC back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST)


def system_name(report: RiskReport, ctx: DialogContext) -> str:
    d = report.detection
    system = next((s for s in ctx.systems if s.id == d.get("system")), None)
    if system is not None:
        return system.name
    return d.get("system_other") or ctx.t("forms.risk_report.other_system")


def may_see(report: RiskReport, ctx: DialogContext, turn_channel: str, user_id: str) -> bool:
    """Report contents: only the reporter, the policy division and the CAIO."""
    if ctx.person.role in ("admin", "caio"):
        return True
    return (report.reporter_channel, report.reporter_user) == (turn_channel, user_id)


def may_add(report: RiskReport, ctx: DialogContext, turn_channel: str, user_id: str) -> bool:
    """Handling (イ) and results (ウ) may also come from the system's 担当課室 (§4イ), who add
    to the report without being shown it."""
    if may_see(report, ctx, turn_channel, user_id):
        return True
    system = next((s for s in ctx.systems if s.id == report.detection.get("system")), None)
    division = ctx.person.verified_division  # the directory's, not the editable profile's
    return system is not None and bool(division) and system.owner_division == division


def status_card(report: RiskReport, ctx: DialogContext) -> FactCard:
    """The thread's top post as it stands now: its status, and only the buttons that still
    apply (none once closed), to take the place of the card whose button was pressed."""
    card = summary_card(report, system_name(report, ctx), ctx)
    status = Fact(ctx.t("report.state.label"), ctx.t(f"report.state.{report.status}"))
    still = {
        "open": ("ack", "ask", "escalate", "close"),
        "acknowledged": ("ask", "escalate", "close"),
    }
    verbs = still.get(report.status, ())
    buttons = tuple(b for b in card.buttons if b.id.rsplit(":", 1)[-1] in verbs)
    return replace(card, facts=(*card.facts, status), buttons=buttons, replaces=ctx.pressed)


async def report_card(session: AsyncSession, report: RiskReport, ctx: DialogContext) -> FactCard:
    """The whole report with its timeline, for those allowed to see it."""
    card = summary_card(report, system_name(report, ctx), ctx)
    facts = list(card.facts)
    for stage, values in (("handling", report.handling), ("result", report.result)):
        for key, value in values.items():
            facts.append(Fact(ctx.t(f"forms.report_{stage}.{key}.label"), str(value)))
    events = await events_of(session, report.id or 0)
    names = await display_names(session, report.tenant_id, {e.actor for e in events})
    timeline = [
        ctx.t(
            "report.timeline_line",
            at=jst(event.created_at).strftime("%m/%d %H:%M"),
            who=names.get(event.actor, event.actor),
            what=ctx.t(f"report.kind.{event.kind}"),
        )
        for event in events
    ]
    return FactCard(
        title=card.title,
        facts=tuple(facts),
        lines=(*card.lines, ctx.t("report.timeline"), *timeline),
        tone=card.tone,
        buttons=reporter_buttons(report.id or 0, ctx),
    )


async def open_reports_card(
    session: AsyncSession, tenant_id: str, ctx: DialogContext, channel: str, user_id: str
) -> FactCard:
    """The reports still open that this person may follow: their own, or every open one for
    the policy division and the CAIO. Shows no report anyone else filed to staff."""
    handles = ctx.person.role in ("admin", "caio")
    reports = [
        r
        for r in await list_reports(session, tenant_id)
        if r.status != "closed"
        and (handles or (r.reporter_channel == channel and r.reporter_user == user_id))
    ]
    title = ctx.t("report.open.title_all" if handles else "report.open.title_mine")
    if not reports:
        return FactCard(title=title, lines=(ctx.t("report.open.none"),), tone="ok")
    facts = tuple(
        Fact(
            report.number,
            ctx.t(
                "report.open.line",
                status=ctx.t(f"report.open.status.{report.status}"),
                category=ctx.t(f"forms.risk_report.categories.{report.detection.get('category')}")
                if report.detection.get("category")
                else "",
                filed=jst(report.created_at).strftime("%Y-%m-%d"),
            ),
        )
        for report in reports
    )
    buttons = tuple(
        Button(f"report:{report.id}:show", ctx.t("report.open.show", number=report.number))
        for report in reports[:5]
    )
    return FactCard(
        title=title,
        facts=facts,
        lines=(ctx.t("report.open.hint"),),
        tone="info",
        buttons=buttons,
    )

"""Risk reports from the bot's side (§4): file them, act on them, keep every event in the
report's one thread, tell the reporter, and go to the CAIO (channel and mail) when serious.

Everything is written in the caller's transaction, the outbox messages included, so a report
and its notifications are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.business_time import working_days_between
from bot.outbox.threads import post_in_thread
from bot.services.home_changes import home_changed
from bot.services.report_views import jst, status_card, system_name
from dialogs.context import JST, DialogContext
from dialogs.risk_report import event_text, reporter_buttons, summary_card
from dialogs.risk_rules import clause_of, security_incident, serious_reasons
from dialogs.ui import Button, Choices, FactCard, Reply, Text
from storage.addresses import CAIO, InThread, MailAddress, PersonAddress
from storage.models import RiskReport, utcnow
from storage.outbox import Priority, enqueue
from storage.reports import add_event, add_report, events_of, next_number


@dataclass(frozen=True)
class Where:
    """Where the shared channels live and who is acting."""

    channel: str  # the platform hosting the policy-division and CAIO channels
    actor_channel: str
    actor: str
    actor_name: str


def fiscal_year(moment: datetime) -> int:
    """April to March, in JST: 2027-03-31 is still fiscal 2026."""
    local = moment.astimezone(JST)
    return local.year if local.month >= 4 else local.year - 1


def thread_key(report: RiskReport) -> str:
    return f"report:{report.id}:policy"


async def _to_thread(
    session: AsyncSession, report: RiskReport, where: Where, key: str, reply: Reply
) -> None:
    """One more reply in the report's thread (never a new top-level message)."""
    await enqueue(
        session,
        report.tenant_id,
        key=f"report:{report.id}:{key}",
        channel=where.channel,
        address=InThread(thread_key(report)),
        body=reply.to_dict(),
    )


async def _to_reporter(session: AsyncSession, report: RiskReport, key: str, reply: Reply) -> None:
    await enqueue(
        session,
        report.tenant_id,
        key=f"report:{report.id}:reporter:{key}",
        channel=report.reporter_channel,
        address=PersonAddress(report.reporter_user),
        body=reply.to_dict(),
    )


async def _to_caio(
    session: AsyncSession, report: RiskReport, where: Where, ctx: DialogContext, why: str
) -> None:
    """At once to the CAIO (§4ア): the CAIO channel and an e-mail."""
    card = summary_card(report, system_name(report, ctx), ctx)
    caio_card = FactCard(title=card.title, facts=card.facts, lines=card.lines, tone="bad")
    await enqueue(
        session,
        report.tenant_id,
        key=f"report:{report.id}:caio:{why}",
        channel=where.channel,
        address=CAIO,
        body=caio_card.to_dict(),
        priority=Priority.URGENT,
    )
    address = ctx.municipality.caio.email
    if address:
        await enqueue(
            session,
            report.tenant_id,
            key=f"report:{report.id}:caio-mail:{why}",
            channel="email",
            address=MailAddress(address),
            body=_mail(report, ctx, "report.mail.caio_subject"),
            priority=Priority.URGENT,
        )
    report.caio_notified_at = utcnow()
    session.add(report)


def _mail(report: RiskReport, ctx: DialogContext, subject_key: str) -> dict[str, str]:
    card = summary_card(report, system_name(report, ctx), ctx)
    lines = [card.title, ""]
    lines += [f"{fact.label}: {fact.value}" for fact in card.facts]
    lines += ["", *card.lines]
    return {"subject": ctx.t(subject_key, number=report.number), "text": "\n".join(lines)}


# --- filing (ア) --------------------------------------------------------------------------


async def file_report(
    session: AsyncSession, answers: Mapping[str, str], ctx: DialogContext, where: Where
) -> list[Reply]:
    town = ctx.municipality
    now = utcnow()
    year = fiscal_year(now)
    number = await next_number(session, town.tenant_id, year)
    reasons = serious_reasons(answers)
    report = await add_report(
        session,
        RiskReport(
            tenant_id=town.tenant_id,
            number=f"RC-{year}-{number:04d}",
            reporter_channel=where.actor_channel,
            reporter_user=where.actor,
            serious=bool(reasons),
            serious_reasons=reasons,
            security_incident=security_incident(answers, ctx.systems, town),
            detection=dict(answers),
        ),
    )
    await add_event(session, report, "filed", where.actor_name, {"serious": reasons})
    await post_in_thread(
        session,
        town.tenant_id,
        key=f"report:{report.id}:filed",
        channel=where.channel,
        thread_key=thread_key(report),
        reply=summary_card(report, system_name(report, ctx), ctx),
        opens=True,
    )
    replies: list[Reply] = [Text(ctx.t("report.filed", number=report.number))]
    if reasons:
        await _to_caio(session, report, where, ctx, "filed")
        await _to_thread(
            session,
            report,
            where,
            "caio-filed",
            event_text("to_caio", ctx, reasons=_why(reasons, ctx)),
        )
        replies.append(Text(ctx.t("report.filed_serious")))
    if report.security_incident:
        address = town.security.email
        if address:
            await enqueue(
                session,
                town.tenant_id,
                key=f"report:{report.id}:security-mail",
                channel="email",
                address=MailAddress(address),
                body=_mail(report, ctx, "report.mail.security_subject"),
                priority=Priority.URGENT,
            )
        await _to_thread(session, report, where, "security", event_text("security", ctx))
        replies.append(Text(ctx.t("report.filed_security", security=town.security.name)))
    assert report.id is not None
    await home_changed(session, town.tenant_id, report.reporter_channel, report.reporter_user)
    replies.append(Choices(ctx.t("report.next_stages"), reporter_buttons(report.id, ctx)))
    return replies


def _why(reasons: list[str], ctx: DialogContext) -> str:
    separator = ctx.t("common.separator")
    return separator.join(
        ctx.t("report.why", rule=ctx.t(f"report.rule.{code}"), clause=clause_of(code))
        for code in reasons
    )


# --- actions on a report --------------------------------------------------------------------


async def _logged(
    session: AsyncSession,
    report: RiskReport,
    where: Where,
    key: str,
    kind: str,
    who: str,
    line: Reply,
    detail: dict[str, str] | None = None,
) -> None:
    """A step kept twice: as an event of the report, and as its line in the report's thread."""
    await add_event(session, report, kind, who, detail)
    await _to_thread(session, report, where, key, line)


async def _act(
    session: AsyncSession,
    report: RiskReport,
    verb: str,
    answers: Mapping[str, str],
    ctx: DialogContext,
    where: Where,
) -> list[Reply]:
    """One step on a report, as `where.actor`: stored, in the thread, told to the reporter."""
    who = where.actor_name
    if report.status == "closed" and verb in ("ack", "escalate", "ask", "close"):
        # The top post's buttons stay in the channel; a closed report is not reopened by them.
        return [Text(ctx.t("report.already_closed", number=report.number))]
    if report.status == "acknowledged" and verb == "ack":
        return [Text(ctx.t("report.already_acknowledged", number=report.number))]
    step = len(await events_of(session, report.id or 0))
    if verb == "ack":
        report.status = "acknowledged"
        line = event_text("acknowledged", ctx, who=who)
        await _logged(session, report, where, f"{step}:ack", "acknowledged", who, line)
        await _to_reporter(
            session,
            report,
            f"{step}:ack",
            Text(ctx.t("report.told.acknowledged", number=report.number, who=who)),
        )
        return [Text(ctx.t("report.done.acknowledged", number=report.number))]
    if verb == "escalate":
        if report.caio_notified_at is not None:  # a second press changes and tells nothing
            return [Text(ctx.t("report.repeat.already_escalated", number=report.number))]
        if not report.serious or report.caio_notified_at is None:
            report.serious = True
            report.serious_reasons = [*report.serious_reasons, "escalated"]
            await _to_caio(session, report, where, ctx, "escalated")
        line = event_text("escalated", ctx, who=who)
        await _logged(session, report, where, f"{step}:escalate", "escalated", who, line)
        await _to_reporter(
            session,
            report,
            f"{step}:escalate",
            Text(ctx.t("report.told.escalated", number=report.number)),
        )
        return [Text(ctx.t("report.done.escalated", number=report.number))]
    if verb == "close":
        report.status = "closed"
        line = event_text("closed", ctx, who=who)
        await _logged(session, report, where, f"{step}:close", "closed", who, line)
        await _to_reporter(
            session,
            report,
            f"{step}:close",
            Text(ctx.t("report.told.closed", number=report.number, who=who)),
        )
        return [Text(ctx.t("report.done.closed", number=report.number))]
    if verb == "ask":
        question = answers.get("question", "")
        line = event_text("info_requested", ctx, who=who, question=question)
        detail = {"question": question}
        await _logged(session, report, where, f"{step}:ask", "info_requested", who, line, detail)
        assert report.id is not None
        await _to_reporter(
            session,
            report,
            f"{step}:ask",
            Choices(
                ctx.t("report.told.info_requested", number=report.number, question=question),
                (Button(f"report:{report.id}:answer", ctx.t("report.button.answer"), "primary"),),
            ),
        )
        return [Text(ctx.t("report.done.info_requested", number=report.number))]
    if verb == "answer":
        answer = answers.get("answer", "")
        line = event_text("info_given", ctx, who=who, answer=answer)
        detail = {"answer": answer}
        await _logged(session, report, where, f"{step}:answer", "info_given", who, line, detail)
        return [Text(ctx.t("report.done.info_given", number=report.number))]
    if verb in ("handling", "result"):
        stage = dict(answers)
        if verb == "handling":
            report.handling = {**report.handling, **stage}
        else:
            report.result = stage
        session.add(report)
        summary = " / ".join(value for value in stage.values() if value)
        line = event_text(verb, ctx, who=who, summary=summary)
        await _logged(session, report, where, f"{step}:{verb}", verb, who, line, stage)
        return [Text(ctx.t(f"report.done.{verb}", number=report.number))]
    raise ValueError(verb)


async def act(
    session: AsyncSession,
    report: RiskReport,
    verb: str,
    answers: Mapping[str, str],
    ctx: DialogContext,
    where: Where,
) -> list[Reply]:
    """One step on a report (see `_act`); when the press came from the report's card (the
    thread's top post), that card is shown again with its new status, and what is said to the
    one who pressed is theirs alone."""
    before = report.status
    replies = await _act(session, report, verb, answers, ctx, where)
    if report.status != before:  # the reporter's home lists their open reports' status
        await home_changed(session, report.tenant_id, report.reporter_channel, report.reporter_user)
    if ctx.pressed is None or verb not in ("ack", "escalate", "close"):
        return replies
    told = [replace(r, private=True) if isinstance(r, Text) else r for r in replies]
    if report.status == before and verb != "escalate":
        return told  # nothing changed (already acknowledged or closed)
    return [*told, status_card(report, ctx)]


def overdue_stage(
    report: RiskReport, today: date, handling_days: int, result_days: int
) -> str | None:
    """Which stage is overdue: イ (handling) after N working days, ウ (result) after M."""
    if report.status == "closed":
        return None
    days = working_days_between(jst(report.created_at).date(), today)
    if not report.handling and days >= handling_days:
        return "handling"
    if not report.result and days >= result_days:
        return "result"
    return None

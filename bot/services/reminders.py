"""Pre-use reminders: planned as rows with a due time, sent in business hours (JST).

Planning is idempotent (each reminder has a unique key), and sending claims due rows with
FOR UPDATE SKIP LOCKED: whichever replicas tick, each reminder is sent once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.business_time import BusinessHours, is_business_time, next_business_time
from bot.business_time import working_days_between as working_days
from bot.services.pre_use import is_renewal, person_state, standings
from bot.services.reports import overdue_stage, thread_key
from dialogs.context import JST, DialogContext, MunicipalityFacts
from dialogs.pre_use import reminder_card
from dialogs.risk_report import reporter_buttons
from dialogs.ui import Choices, Text
from storage.models import Person, Reminder
from storage.outbox import enqueue
from storage.reminders import claim_due, plan
from storage.reports import add_event, get_report, list_reports


async def plan_reminders(
    session: AsyncSession, town: MunicipalityFacts, now: datetime, hours: BusinessHours
) -> int:
    """Plan a reminder for everyone whose confirmation is due: at once for a yearly renewal,
    after `remind_after_days` working days (and every as many again) otherwise."""
    today = now.astimezone(JST).date()
    planned = 0
    for standing in await standings(session, town, today):
        if not standing.channel or standing.status(today, town) == "confirmed":
            continue  # a roster entry with no chat account cannot be written to
        renewal = is_renewal(standing.state)
        days = working_days(standing.since, today, hours)
        if days < (0 if renewal else town.remind_after_days):
            continue
        kind = "renewal" if renewal else "pre_use"
        round_ = days // town.remind_after_days
        key = (
            f"{kind}:{town.tenant_id}:{standing.channel}:{standing.user_id}:"
            f"{standing.state.last_major_seq}:{standing.since.isoformat()}:{round_}"
        )
        planned += await plan(
            session,
            town.tenant_id,
            key=key,
            channel=standing.channel,
            user_id=standing.user_id,
            kind=kind,
            due_at=next_business_time(now, hours),
        )
    for report in await list_reports(session, town.tenant_id):
        stage = overdue_stage(report, today, town.report_handling_days, town.report_result_days)
        if stage is None:
            continue
        planned += await plan(
            session,
            town.tenant_id,
            key=f"report:{report.id}:{stage}",
            channel=report.reporter_channel,
            user_id=report.reporter_user,
            kind=f"report_{stage}",
            due_at=next_business_time(now, hours),
            payload={"report_id": report.id},
        )
    return planned


async def send_due_reminders(
    session: AsyncSession,
    town: MunicipalityFacts,
    now: datetime,
    hours: BusinessHours,
    context_for: Callable[[str | None], DialogContext],
    shared_channel: str = "local",
    limit: int = 500,
) -> int:
    """Turn due reminders into outbox messages, in business hours only."""
    if not is_business_time(now, hours):
        return 0
    sent = 0
    today = now.astimezone(JST).date()
    for reminder in await claim_due(session, town.tenant_id, now, limit):
        reminder.sent_at = now
        session.add(reminder)
        if reminder.kind.startswith("report_"):
            sent += await _remind_report(session, town, reminder, now, context_for, shared_channel)
            continue
        state = await person_state(session, town, reminder.channel, reminder.user_id, today)
        if state.confirmed(today) and state.training_completed_on is not None:
            continue  # done since it was planned: nothing to remind
        person = await session.get(Person, (town.tenant_id, reminder.channel, reminder.user_id))
        ctx = context_for(person.locale if person else None)
        await enqueue(
            session,
            town.tenant_id,
            key=f"reminder:{reminder.id}",
            channel=reminder.channel,
            target=f"user:{reminder.user_id}",
            body=reminder_card(reminder.kind, ctx).to_dict(),
            not_before=now,  # due on the same clock as the reminder (tests pass their own)
        )
        sent += 1
    return sent


async def _remind_report(
    session: AsyncSession,
    town: MunicipalityFacts,
    reminder: Reminder,
    now: datetime,
    context_for: Callable[[str | None], DialogContext],
    shared_channel: str,
) -> int:
    """§4イ・ウ overdue: remind the reporter, and note it in the report's thread."""
    report = await get_report(session, town.tenant_id, int(reminder.payload["report_id"]))
    today = now.astimezone(JST).date()
    stage = reminder.kind.removeprefix("report_")
    if report is None or report.id is None:
        return 0
    if overdue_stage(report, today, town.report_handling_days, town.report_result_days) != stage:
        return 0  # added or closed since it was planned
    person = await session.get(Person, (town.tenant_id, reminder.channel, reminder.user_id))
    ctx = context_for(person.locale if person else None)
    await enqueue(
        session,
        town.tenant_id,
        key=f"reminder:{reminder.id}",
        channel=reminder.channel,
        target=f"user:{reminder.user_id}",
        body=Choices(
            ctx.t(f"report.told.remind_{stage}", number=report.number),
            reporter_buttons(report.id, ctx),
        ).to_dict(),
        not_before=now,
    )
    notes = context_for(None)
    await enqueue(
        session,
        town.tenant_id,
        key=f"reminder:{reminder.id}:thread",
        channel=shared_channel,
        target="policy",
        body=Text(notes.t(f"report.event.overdue_{stage}")).to_dict(),
        thread_key=thread_key(report),
        not_before=now,
    )
    await add_event(session, report, "reminded", "aiguide", {"stage": stage})
    return 1

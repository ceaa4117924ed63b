"""What `aiguide data purge` deletes and `aiguide data export --user` gathers, per municipality."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Confirmation,
    ConversationState,
    DesignationRequest,
    EntryCheckLog,
    Person,
    ProcessedEvent,
    ReportEvent,
    RiskReport,
)


async def closed_reports_before(
    session: AsyncSession, tenant_id: str, before: datetime
) -> list[RiskReport]:
    statement = select(RiskReport).where(
        col(RiskReport.tenant_id) == tenant_id,
        col(RiskReport.status) == "closed",
        col(RiskReport.updated_at) < before,
    )
    return list((await session.exec(statement)).all())


async def conversations_before(
    session: AsyncSession, tenant_id: str, before: datetime
) -> list[ConversationState]:
    statement = select(ConversationState).where(
        col(ConversationState.tenant_id) == tenant_id,
        col(ConversationState.updated_at) < before,
    )
    return list((await session.exec(statement)).all())


async def delete_reports(session: AsyncSession, reports: list[RiskReport]) -> None:
    ids = [r.id for r in reports]
    if ids:
        await session.exec(delete(ReportEvent).where(col(ReportEvent.report_id).in_(ids)))  # type: ignore[call-overload]
        await session.exec(delete(RiskReport).where(col(RiskReport.id).in_(ids)))  # type: ignore[call-overload]


async def delete_conversations(session: AsyncSession, tenant_id: str, before: datetime) -> None:
    await session.exec(
        delete(ConversationState).where(  # type: ignore[call-overload]
            col(ConversationState.tenant_id) == tenant_id,
            col(ConversationState.updated_at) < before,
        )
    )
    await session.exec(
        delete(ProcessedEvent).where(  # type: ignore[call-overload]
            col(ProcessedEvent.tenant_id) == tenant_id, col(ProcessedEvent.created_at) < before
        )
    )


def _plain(row: Any) -> dict[str, Any]:
    return row.model_dump(mode="json")


async def records_of(session: AsyncSession, tenant_id: str, user_id: str) -> dict[str, Any]:
    """A person's own records on every channel of this municipality (a disclosure request
    under the Personal Information Protection Act): profile, confirmations, entry checks
    asked, reports filed with their timelines, designation requests."""
    people = list(
        (
            await session.exec(
                select(Person).where(
                    col(Person.tenant_id) == tenant_id, col(Person.user_id) == user_id
                )
            )
        ).all()
    )
    accounts = [(p.channel, p.user_id) for p in people]
    found: dict[str, Any] = {"people": [_plain(p) for p in people]}
    confirmations, checks, reports, requests = [], [], [], []
    for channel, uid in accounts:
        confirmations += (
            await session.exec(
                select(Confirmation).where(
                    col(Confirmation.tenant_id) == tenant_id,
                    col(Confirmation.channel) == channel,
                    col(Confirmation.user_id) == uid,
                )
            )
        ).all()
        checks += (
            await session.exec(
                select(EntryCheckLog).where(
                    col(EntryCheckLog.tenant_id) == tenant_id,
                    col(EntryCheckLog.channel) == channel,
                    col(EntryCheckLog.user_id) == uid,
                )
            )
        ).all()
        reports += (
            await session.exec(
                select(RiskReport).where(
                    col(RiskReport.tenant_id) == tenant_id,
                    col(RiskReport.reporter_channel) == channel,
                    col(RiskReport.reporter_user) == uid,
                )
            )
        ).all()
        requests += (
            await session.exec(
                select(DesignationRequest).where(
                    col(DesignationRequest.tenant_id) == tenant_id,
                    col(DesignationRequest.applicant_channel) == channel,
                    col(DesignationRequest.applicant) == uid,
                )
            )
        ).all()
    found["confirmations"] = [_plain(c) for c in confirmations]
    found["entry_checks"] = [_plain(c) for c in checks]
    found["reports"] = []
    for report in reports:
        events = (
            await session.exec(select(ReportEvent).where(col(ReportEvent.report_id) == report.id))
        ).all()
        found["reports"].append({**_plain(report), "timeline": [_plain(e) for e in events]})
    found["designation_requests"] = [_plain(r) for r in requests]
    return found

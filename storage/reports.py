"""Risk reports: numbering per fiscal year, the reports themselves and their timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ReportCounter, ReportEvent, RiskReport, utcnow
from storage.upsert import insert_if_absent


async def next_number(session: AsyncSession, tenant_id: str, fiscal_year: int) -> int:
    """The next report number of the fiscal year. The counter row is updated in place
    (UPDATE … SET last = last + 1), which locks it: two replicas filing at once get 7 and 8."""
    await insert_if_absent(
        session, ReportCounter, tenant_id=tenant_id, fiscal_year=fiscal_year, last=0
    )
    statement = (
        update(ReportCounter)
        .where(
            col(ReportCounter.tenant_id) == tenant_id,
            col(ReportCounter.fiscal_year) == fiscal_year,
        )
        .values(last=ReportCounter.last + 1)
        .returning(ReportCounter.last)
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(result.scalar_one())


async def add_report(session: AsyncSession, report: RiskReport) -> RiskReport:
    session.add(report)
    await session.flush()
    return report


async def get_report(session: AsyncSession, tenant_id: str, report_id: int) -> RiskReport | None:
    report = await session.get(RiskReport, report_id)
    return report if report is not None and report.tenant_id == tenant_id else None


async def report_by_number(session: AsyncSession, tenant_id: str, number: str) -> RiskReport | None:
    statement = select(RiskReport).where(
        col(RiskReport.tenant_id) == tenant_id, col(RiskReport.number) == number
    )
    return (await session.exec(statement)).first()


async def list_reports(
    session: AsyncSession,
    tenant_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RiskReport]:
    statement = select(RiskReport).where(col(RiskReport.tenant_id) == tenant_id)
    if since is not None:
        statement = statement.where(col(RiskReport.created_at) >= since)
    if until is not None:
        statement = statement.where(col(RiskReport.created_at) < until)
    return list((await session.exec(statement.order_by(col(RiskReport.id)))).all())


async def add_event(
    session: AsyncSession,
    report: RiskReport,
    kind: str,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> ReportEvent:
    assert report.id is not None
    event = ReportEvent(
        tenant_id=report.tenant_id,
        report_id=report.id,
        kind=kind,
        actor=actor,
        detail=detail or {},
    )
    session.add(event)
    report.updated_at = utcnow()
    session.add(report)
    await session.flush()
    return event


async def events_of(session: AsyncSession, report_id: int) -> list[ReportEvent]:
    statement = (
        select(ReportEvent)
        .where(col(ReportEvent.report_id) == report_id)
        .order_by(col(ReportEvent.id))
    )
    return list((await session.exec(statement)).all())

"""Published guideline versions (§5), in the order they were published."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GuidelineVersion


async def list_versions(session: AsyncSession, tenant_id: str) -> list[GuidelineVersion]:
    statement = (
        select(GuidelineVersion)
        .where(col(GuidelineVersion.tenant_id) == tenant_id)
        .order_by(col(GuidelineVersion.seq))
    )
    return list((await session.exec(statement)).all())


async def add_version(
    session: AsyncSession,
    tenant_id: str,
    *,
    version: str,
    kind: str,
    approver: str,
    approver_role: str,
    effective_on: date,
    summary: str,
    published_by: str,
) -> GuidelineVersion:
    """Store the next version. Two publications at once collide on (tenant, seq): the
    transaction of the second fails instead of both getting the same number."""
    latest = await session.exec(
        select(func.max(GuidelineVersion.seq)).where(col(GuidelineVersion.tenant_id) == tenant_id)
    )
    row = GuidelineVersion(
        tenant_id=tenant_id,
        seq=(latest.one() or 0) + 1,
        version=version,
        kind=kind,
        approver=approver,
        approver_role=approver_role,
        effective_on=effective_on,
        summary=summary,
        published_by=published_by,
    )
    session.add(row)
    await session.flush()
    return row

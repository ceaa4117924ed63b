"""Tenants: the municipalities this deployment serves, their settings, and which Slack
workspace or Microsoft 365 tenant belongs to which of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Tenant, TenantLink, utcnow
from storage.upsert import insert_if_absent

# What a link can name; the channels resolve their own ids through these.
PLATFORMS = ("slack_team", "slack_enterprise", "teams_tenant")


async def add_tenant(
    session: AsyncSession, tenant_id: str, name: str, settings: dict[str, Any]
) -> bool:
    """Add a municipality; False when the id exists (nothing changed). Two replicas adding
    the same one at the same instant both succeed, and exactly one gets True."""
    now = utcnow()
    return await insert_if_absent(
        session,
        Tenant,
        id=tenant_id,
        name=name,
        settings=settings,
        revision=1,
        created_at=now,
        updated_at=now,
    )


async def get_tenant(session: AsyncSession, tenant_id: str) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    return list((await session.exec(select(Tenant).order_by(col(Tenant.id)))).all())


async def tenant_ids(session: AsyncSession) -> list[str]:
    statement = select(Tenant.id).order_by(col(Tenant.id))
    return list((await session.exec(statement)).all())


async def revision_of(session: AsyncSession, tenant_id: str) -> int | None:
    """The tenant's revision (one indexed read a turn), or None when there is no such tenant."""
    statement = select(Tenant.revision).where(col(Tenant.id) == tenant_id)
    return (await session.exec(statement)).first()


async def update_settings(
    session: AsyncSession, tenant: Tenant, name: str, settings: dict[str, Any]
) -> None:
    tenant.name = name
    tenant.settings = settings
    tenant.revision += 1
    tenant.updated_at = utcnow()
    session.add(tenant)
    await session.flush()


async def rename_tenant(session: AsyncSession, tenant_id: str, name: str) -> None:
    statement = (
        update(Tenant)
        .where(col(Tenant.id) == tenant_id)
        .values(name=name, revision=Tenant.revision + 1, updated_at=utcnow())
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def bump_revision(session: AsyncSession, tenant_id: str) -> None:
    """Something cached per tenant changed (its 別表, its versions): every replica reloads."""
    statement = (
        update(Tenant)
        .where(col(Tenant.id) == tenant_id)
        .values(revision=Tenant.revision + 1, updated_at=utcnow())
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def linked_tenant(session: AsyncSession, platform: str, external_id: str) -> str | None:
    link = await session.get(TenantLink, (platform, external_id))
    return link.tenant_id if link else None


async def link(session: AsyncSession, tenant_id: str, platform: str, external_id: str) -> str:
    """Link a workspace to a municipality: "linked", "already" (to this one), or the id of
    the other municipality it already belongs to (a workspace belongs to at most one)."""
    if await insert_if_absent(
        session,
        TenantLink,
        platform=platform,
        external_id=external_id,
        tenant_id=tenant_id,
        created_at=utcnow(),
    ):
        return "linked"
    owner = await linked_tenant(session, platform, external_id)
    return "already" if owner == tenant_id else (owner or "linked")


async def unlink(session: AsyncSession, tenant_id: str, platform: str, external_id: str) -> bool:
    current = await session.get(TenantLink, (platform, external_id))
    if current is None or current.tenant_id != tenant_id:
        return False
    await session.delete(current)
    await session.flush()
    return True


async def links_of(session: AsyncSession, tenant_id: str) -> list[TenantLink]:
    statement = (
        select(TenantLink)
        .where(col(TenantLink.tenant_id) == tenant_id)
        .order_by(col(TenantLink.platform), col(TenantLink.external_id))
    )
    return list((await session.exec(statement)).all())

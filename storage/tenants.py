"""Tenants: the municipalities this deployment serves."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Tenant


async def ensure_tenant(session: AsyncSession, tenant_id: str, name: str) -> bool:
    """Create or rename the tenant; True when anything changed (a second run changes nothing)."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        session.add(Tenant(id=tenant_id, name=name))
        await session.flush()
        return True
    if tenant.name != name:
        tenant.name = name
        session.add(tenant)
        await session.flush()
        return True
    return False

"""The first start: the municipality of the municipality file, with its systems file."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.files.registry_io import read_registry
from bot.services.tenants import add_from_file, settings_dict
from bot.settings import Settings, load_municipality
from dialogs.catalog import Catalogs
from storage.db import transaction
from storage.systems import save_systems
from storage.tenants import get_tenant, tenant_ids, update_settings


async def load_sample_data(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    catalogs: Catalogs,
    today: date,
) -> bool:
    """With no municipality yet, add the one of the municipality file, its first
    guideline version and, while its 別表 is empty, the systems file. Idempotent: a
    second start (or a second replica starting at the same instant) changes nothing.
    ConfigError for a bad municipality file, RegistryFileError for a bad systems file:
    the bot never starts with half a municipality."""
    async with transaction(sessions) as session:
        if await tenant_ids(session):
            return await _fill_settings_of_upgraded(settings, session)
        town, added = await add_from_file(session, settings.municipality_file, today)
        if not added:  # another replica added it first
            return False
        facts = town.facts()
        path = settings.systems_file
        if path is not None and path.is_file():
            entries = read_registry(path, facts, catalogs.for_locale("ja"))
            await save_systems(session, facts.tenant_id, entries)
        return True


async def _fill_settings_of_upgraded(settings: Settings, session: AsyncSession) -> bool:
    """A database from before settings lived in it has a tenant row without them: take
    them from the municipality file once."""
    path = settings.municipality_file
    if not path.is_file():
        return False
    town = load_municipality(path)
    tenant = await get_tenant(session, town.municipality.id)
    if tenant is None or tenant.settings:
        return False
    await update_settings(session, tenant, town.municipality.name, settings_dict(town))
    return True

"""Municipalities: their settings come in and go out as TOML, live in the database, and are
read on the hot path from a cache that one indexed read per turn keeps fresh.

The cache is keyed by tenant and checked against `tenant.revision`, which every change of
the settings (and of anything else cached per tenant) increments: another replica sees the
change on its next turn, and no restart is needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.pre_use import ensure_first_version
from bot.settings import ConfigError, MunicipalityFile, load_municipality
from dialogs.context import JST, MunicipalityFacts
from storage.admin import audit
from storage.tenants import add_tenant, get_tenant, revision_of, update_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantEntry:
    """One municipality as the runtime uses it: its validated settings and their facts."""

    revision: int
    settings: MunicipalityFile
    facts: MunicipalityFacts

    @property
    def tenant_id(self) -> str:
        return self.settings.municipality.id


class TenantCache:
    """Each tenant's settings, reloaded only when its revision moved."""

    def __init__(self) -> None:
        self._entries: dict[str, TenantEntry] = {}

    async def get(self, session: AsyncSession, tenant_id: str) -> TenantEntry | None:
        return await self.at(session, tenant_id, await revision_of(session, tenant_id))

    def cached(self, tenant_id: str, revision: int | None) -> TenantEntry | None:
        """The entry if the one kept is of this revision (no database needed)."""
        cached = self._entries.get(tenant_id)
        return cached if cached is not None and cached.revision == revision else None

    async def at(
        self, session: AsyncSession, tenant_id: str, revision: int | None
    ) -> TenantEntry | None:
        """The entry for a revision already read (a turn reads it with everything else)."""
        if revision is None:
            return None
        cached = self.cached(tenant_id, revision)
        if cached is not None:
            return cached
        tenant = await get_tenant(session, tenant_id)
        if tenant is None:
            return None
        settings = _settings_of(tenant.id, tenant.settings)
        entry = TenantEntry(tenant.revision, settings, settings.facts())
        self._entries[tenant_id] = entry
        return entry


def _settings_of(tenant_id: str, stored: dict[str, Any]) -> MunicipalityFile:
    try:
        return MunicipalityFile.model_validate(stored)
    except ValidationError as error:
        # Only ever written validated; a row edited by hand is a deployment error.
        raise ConfigError(f"tenant {tenant_id}: stored settings are invalid: {error}") from None


def settings_dict(settings: MunicipalityFile) -> dict[str, Any]:
    return settings.model_dump(mode="json")


async def add_from_file(
    session: AsyncSession, path: Path, today: date | None = None
) -> tuple[MunicipalityFile, bool]:
    """Add the municipality of a TOML file with its first guideline version; (its settings,
    whether it was added). ConfigError names every bad key with its line; an existing id is
    left as it is."""
    settings = load_municipality(path)
    added = await add_tenant(
        session, settings.municipality.id, settings.municipality.name, settings_dict(settings)
    )
    if added:
        await ensure_first_version(session, settings.facts(), today or datetime.now(JST).date())
    return settings, added


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Every changed key as (dotted key, before, after), in a stable order."""
    found: list[tuple[str, Any, Any]] = []

    def walk(prefix: str, old: Any, new: Any) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new), key=str):
                walk(f"{prefix}.{key}" if prefix else str(key), old.get(key), new.get(key))
        elif old != new:
            found.append((prefix, old, new))

    walk("", before, after)
    return found


async def update_from_file(
    session: AsyncSession, path: Path, actor: str
) -> tuple[str, list[tuple[str, Any, Any]]] | None:
    """Replace a municipality's settings with the file's; (its id, what changed), None when
    there is no such municipality. Audited in that municipality's log."""
    settings = load_municipality(path)
    tenant = await get_tenant(session, settings.municipality.id)
    if tenant is None:
        return None
    new = settings_dict(settings)
    changed = changes_between(tenant.settings, new)
    if changed:
        before = dict(tenant.settings)
        await update_settings(session, tenant, settings.municipality.name, new)
        await audit(
            session,
            tenant.id,
            channel="cli",
            actor=actor,
            action="tenant.update",
            target=f"tenant:{tenant.id}",
            before={key: _plain(before, key) for key, _, _ in changed},
            after={key: _plain(new, key) for key, _, _ in changed},
        )
    return tenant.id, changed


def _plain(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node

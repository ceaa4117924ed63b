"""People's profiles and display languages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import TurnUnit
from storage.hot_sql import HotStatement, execute_hot
from storage.models import Person, utcnow
from storage.upsert import insert_if_absent

# Built once (a first contact runs it on the turn's connection, no ORM session): building and
# cache-keying an insert costs more CPU than running it.
_PERSON_COLUMNS = (
    *("tenant_id", "channel", "user_id", "display_name", "division", "contact", "email"),
    *("staff_number", "locale", "created_at", "updated_at"),
)
_INSERT_PERSON: dict[str, HotStatement] = {
    name: HotStatement(
        dialect.insert(Person.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
        _PERSON_COLUMNS,
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def get_person(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str
) -> Person | None:
    return await session.get(Person, (tenant_id, channel, user_id))


async def update_person(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str, **changes: str | None
) -> Person:
    person = await get_person(session, tenant_id, channel, user_id)
    if person is None:
        person = Person(tenant_id=tenant_id, channel=channel, user_id=user_id)
    for name, value in changes.items():
        setattr(person, name, value)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    return person


async def find_person(session: AsyncSession, tenant_id: str, user_id: str) -> Person | None:
    statement = select(Person).where(
        col(Person.tenant_id) == tenant_id, col(Person.user_id) == user_id
    )
    return (await session.exec(statement)).first()


async def ensure_person(
    session: AsyncSession,
    tenant_id: str,
    channel: str,
    user_id: str,
    *,
    display_name: str = "",
    division: str = "",
    email: str = "",
) -> Person:
    """The person, created when first seen (with what the platform says of them). Two replicas
    seeing someone new at the same instant both get the one row (INSERT … ON CONFLICT DO
    NOTHING, then read)."""
    values = _first_seen(tenant_id, channel, user_id, display_name, division, email)
    await insert_if_absent(session, Person, **values)
    person = await get_person(session, tenant_id, channel, user_id)
    assert person is not None
    if email and person.email != email.strip().lower():
        # The platform's directory is the authority on the address (it ties the accounts).
        person.email = email.strip().lower()
        person.updated_at = values["updated_at"]
        session.add(person)
    return person


def _first_seen(
    tenant_id: str, channel: str, user_id: str, display_name: str, division: str, email: str
) -> dict[str, Any]:
    """A new person's row: what the platform says of them, the rest empty, seen now."""
    now = utcnow()
    return {
        "tenant_id": tenant_id,
        "channel": channel,
        "user_id": user_id,
        "display_name": display_name,
        "division": division,
        "contact": "",
        "email": email.strip().lower(),
        "staff_number": "",
        "locale": None,
        "created_at": now,
        "updated_at": now,
    }


async def write_person(
    unit: TurnUnit,
    tenant_id: str,
    channel: str,
    user_id: str,
    *,
    first_seen: bool,
    display_name: str = "",
    division: str = "",
    email: str = "",
) -> None:
    """A turn's person as the platform describes them. First seen: one insert on the turn's
    connection (no ORM session, the common case); `ensure_person` when another replica wrote
    the row first, or when the directory's address changed."""
    if first_seen:
        values = _first_seen(tenant_id, channel, user_id, display_name, division, email)
        insert = _INSERT_PERSON[unit.connection.dialect.name]
        if await execute_hot(unit.connection, insert, values):
            return
    await ensure_person(
        unit.session,
        tenant_id,
        channel,
        user_id,
        display_name=display_name,
        division=division,
        email=email,
    )


async def accounts_of(session: AsyncSession, person: Person) -> list[Person]:
    """Every account of the same member of staff in this municipality (same e-mail)."""
    if not person.email:
        return [person]
    statement = select(Person).where(
        col(Person.tenant_id) == person.tenant_id, col(Person.email) == person.email
    )
    return list((await session.exec(statement)).all()) or [person]


async def display_names(
    session: AsyncSession, tenant_id: str, user_ids: set[str]
) -> dict[str, str]:
    """The names people gave (or their platform shows) for these user ids; ids without a
    name are left out, so a caller shows the id itself."""
    if not user_ids:
        return {}
    statement = select(Person).where(
        col(Person.tenant_id) == tenant_id, col(Person.user_id).in_(sorted(user_ids))
    )
    return {
        p.user_id: p.display_name for p in (await session.exec(statement)).all() if p.display_name
    }

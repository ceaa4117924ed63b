"""Training records (the roster) and pre-use confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Confirmation, Person, TrainingRecord, utcnow


class RosterEntry(NamedTuple):
    person: str
    email: str
    division: str
    completed_on: date
    imported_at: datetime


class ConfirmationFacts(NamedTuple):
    channel: str
    user_id: str
    guideline_seq: int
    training_completed_on: date | None
    confirmed_at: datetime


class PersonFacts(NamedTuple):
    channel: str
    user_id: str
    division: str
    email: str
    staff_number: str
    created_at: datetime
    updated_at: datetime


async def training_record(
    session: AsyncSession, tenant_id: str, person: str
) -> TrainingRecord | None:
    return await session.get(TrainingRecord, (tenant_id, person))


async def save_roster(
    session: AsyncSession, tenant_id: str, records: Sequence[TrainingRecord]
) -> tuple[int, int]:
    """(added, changed); an unchanged row is not touched, so a re-import changes nothing."""
    added = changed = 0
    for record in records:
        current = await session.get(TrainingRecord, (tenant_id, record.person))
        if current is None:
            session.add(
                TrainingRecord(
                    tenant_id=tenant_id,
                    person=record.person,
                    email=record.email.lower(),
                    name=record.name,
                    division=record.division,
                    completed_on=record.completed_on,
                )
            )
            added += 1
        elif (current.name, current.division, current.completed_on, current.email) != (
            record.name,
            record.division,
            record.completed_on,
            record.email.lower(),
        ):
            current.name, current.division = record.name, record.division
            current.email = record.email.lower()
            current.completed_on = record.completed_on
            current.imported_at = utcnow()
            session.add(current)
            changed += 1
    await session.flush()
    return added, changed


async def roster(session: AsyncSession, tenant_id: str) -> list[RosterEntry]:
    """The whole roster as plain rows: the reminder planning reads it every few minutes, and
    thousands of ORM objects at once were its memory's high-water mark."""
    table = TrainingRecord
    statement = select(
        table.person, table.email, table.division, table.completed_on, table.imported_at
    ).where(col(table.tenant_id) == tenant_id)
    return [RosterEntry(*row) for row in (await session.exec(statement)).all()]


async def latest_confirmation(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str
) -> Confirmation | None:
    statement = (
        select(Confirmation)
        .where(
            col(Confirmation.tenant_id) == tenant_id,
            col(Confirmation.channel) == channel,
            col(Confirmation.user_id) == user_id,
        )
        .order_by(col(Confirmation.guideline_seq).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def latest_confirmation_of(
    session: AsyncSession, tenant_id: str, accounts: Sequence[tuple[str, str]]
) -> Confirmation | None:
    """The newest confirmation given from any of one person's accounts (channel, user id)."""
    found: Confirmation | None = None
    for channel, user_id in accounts:
        latest = await latest_confirmation(session, tenant_id, channel, user_id)
        if latest is not None and (found is None or latest.guideline_seq > found.guideline_seq):
            found = latest
    return found


class RosterIndex:
    """A roster row for a person: by staff number, by e-mail, or (older rosters) by the chat
    user id. The roster an HR office exports knows no chat ids. Indexed once, so matching
    everyone the bot knows is not a scan of the roster per person."""

    def __init__(self, entries: Sequence[RosterEntry]) -> None:
        self.entries = entries
        self._by_person: dict[str, RosterEntry] = {}
        self._by_email: dict[str, RosterEntry] = {}
        for entry in entries:
            self._by_person.setdefault(entry.person, entry)
            if entry.email:
                self._by_email.setdefault(entry.email.lower(), entry)

    def match(self, user_id: str, staff_number: str, email: str) -> RosterEntry | None:
        if staff_number and (found := self._by_person.get(staff_number)):
            return found
        if email and (found := self._by_email.get(email.lower())):
            return found
        return self._by_person.get(user_id)


async def training_record_for(
    session: AsyncSession, tenant_id: str, user_id: str, staff_number: str, email: str
) -> TrainingRecord | None:
    if staff_number and (found := await training_record(session, tenant_id, staff_number)):
        return found
    if email:
        statement = select(TrainingRecord).where(
            col(TrainingRecord.tenant_id) == tenant_id, col(TrainingRecord.email) == email
        )
        if found := (await session.exec(statement)).first():
            return found
    return await training_record(session, tenant_id, user_id)


async def save_confirmation(session: AsyncSession, confirmation: Confirmation) -> None:
    """Record (or renew) a person's confirmations for a guideline version."""
    key = (
        confirmation.tenant_id,
        confirmation.channel,
        confirmation.user_id,
        confirmation.guideline_seq,
    )
    current = await session.get(Confirmation, key)
    if current is None:
        session.add(confirmation)
    else:
        current.items = confirmation.items
        current.training_completed_on = confirmation.training_completed_on
        current.confirmed_at = utcnow()
        session.add(current)
    await session.flush()


async def all_confirmations(session: AsyncSession, tenant_id: str) -> list[ConfirmationFacts]:
    """Every confirmation as plain rows (see `roster`): what a person's state needs."""
    table = Confirmation
    statement = select(
        table.channel,
        table.user_id,
        table.guideline_seq,
        table.training_completed_on,
        table.confirmed_at,
    ).where(col(table.tenant_id) == tenant_id)
    return [ConfirmationFacts(*row) for row in (await session.exec(statement)).all()]


async def all_people(session: AsyncSession, tenant_id: str) -> list[PersonFacts]:
    """Every account as plain rows (see `roster`): who they are and when they were seen."""
    table = Person
    statement = select(
        table.channel,
        table.user_id,
        table.division,
        table.email,
        table.staff_number,
        table.created_at,
        table.updated_at,
    ).where(col(table.tenant_id) == tenant_id)
    return [PersonFacts(*row) for row in (await session.exec(statement)).all()]


async def recipients(session: AsyncSession, tenant_id: str) -> list[tuple[str, str, str | None]]:
    """Everyone to notify, as (channel, user id, locale): three columns, not whole rows (a
    broadcast reads thousands)."""
    statement = (
        select(Person.channel, Person.user_id, Person.locale)
        .where(col(Person.tenant_id) == tenant_id)
        .order_by(col(Person.channel), col(Person.user_id))
    )
    return [(c, u, loc) for c, u, loc in (await session.exec(statement)).all()]

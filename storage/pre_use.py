"""Training records (the roster) and pre-use confirmations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Confirmation, Person, TrainingRecord, utcnow


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


async def roster(session: AsyncSession, tenant_id: str) -> list[TrainingRecord]:
    statement = select(TrainingRecord).where(col(TrainingRecord.tenant_id) == tenant_id)
    return list((await session.exec(statement)).all())


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


def roster_match(
    records: Sequence[TrainingRecord], user_id: str, staff_number: str, email: str
) -> TrainingRecord | None:
    """A roster row for this person: by staff number, by e-mail, or (older rosters) by the
    chat user id. The roster an HR office exports knows no chat ids."""
    for record in records:
        if staff_number and record.person == staff_number:
            return record
    for record in records:
        if email and record.email and record.email.lower() == email.lower():
            return record
    return next((r for r in records if r.person == user_id), None)


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


async def all_confirmations(session: AsyncSession, tenant_id: str) -> list[Confirmation]:
    statement = select(Confirmation).where(col(Confirmation.tenant_id) == tenant_id)
    return list((await session.exec(statement)).all())


async def all_people(session: AsyncSession, tenant_id: str) -> list[Person]:
    statement = select(Person).where(col(Person.tenant_id) == tenant_id)
    return list((await session.exec(statement)).all())


async def recipients(session: AsyncSession, tenant_id: str) -> list[tuple[str, str, str | None]]:
    """Everyone to notify, as (channel, user id, locale): three columns, not whole rows (a
    broadcast reads thousands)."""
    statement = (
        select(Person.channel, Person.user_id, Person.locale)
        .where(col(Person.tenant_id) == tenant_id)
        .order_by(col(Person.channel), col(Person.user_id))
    )
    return [(c, u, loc) for c, u, loc in (await session.exec(statement)).all()]

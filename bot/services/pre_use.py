"""Pre-use records from storage: a person's state, the version in force, the summary per
division, and publishing a version with its notifications (§3(1)1, §5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.business_time import working_days_between
from bot.services.home_changes import homes_changed
from dialogs.context import JST, DialogContext, MunicipalityFacts
from dialogs.effects import PublishGuideline
from dialogs.guideline import APPROVER_ROLE, DivisionCounts
from dialogs.pre_use import PreUseState, day_text
from dialogs.ui import Button, Fact, FactCard
from storage.addresses import PersonAddress
from storage.admin import audit
from storage.guideline import add_version, list_versions
from storage.models import Broadcast, Confirmation, GuidelineVersion, Person, TrainingRecord
from storage.outbox_bulk import NewMessage, enqueue_many
from storage.people import accounts_of, get_person
from storage.pre_use import (
    ConfirmationFacts,
    PersonFacts,
    RosterEntry,
    RosterIndex,
    all_confirmations,
    all_people,
    latest_confirmation_of,
    recipients,
    roster,
    training_record_for,
)


@dataclass(frozen=True)
class Versions:
    """The published versions: the one in force, the last major one, and the newest major
    one to take effect next (to be confirmed by its 施行日; a confirmation counts for every
    version published before it was given)."""

    current: GuidelineVersion
    last_major: GuidelineVersion
    upcoming: GuidelineVersion | None = None

    @classmethod
    def of(cls, versions: Sequence[GuidelineVersion], today: date) -> Versions:
        effective = [v for v in versions if v.effective_on <= today] or list(versions[:1])
        current = effective[-1]
        majors = [v for v in effective if v.kind == "major"] or [effective[0]]
        # "not in effective": the first version counts as in force even when dated ahead.
        coming = [v for v in versions if v.kind == "major" and v.effective_on > today]
        coming = [v for v in coming if v not in effective]
        return cls(current=current, last_major=majors[-1], upcoming=coming[0] if coming else None)


async def ensure_first_version(session: AsyncSession, town: MunicipalityFacts, today: date) -> bool:
    """The version named in the settings becomes version 1 the first time (idempotent)."""
    if await list_versions(session, town.tenant_id):
        return False
    await add_version(
        session,
        town.tenant_id,
        version=town.guideline_version,
        kind="major",
        approver="",
        approver_role="caio",
        effective_on=today,
        summary="",
        published_by="settings",
    )
    return True


def state_of(
    town: MunicipalityFacts,
    versions: Versions,
    record: TrainingRecord | RosterEntry | None,
    confirmation: Confirmation | ConfirmationFacts | None,
    seqs: dict[int, str],
) -> PreUseState:
    return PreUseState(
        training_source=town.training_source,
        roster_completed_on=record.completed_on if record else None,
        declared_completed_on=confirmation.training_completed_on if confirmation else None,
        confirmed_seq=confirmation.guideline_seq if confirmation else None,
        confirmed_version=seqs.get(confirmation.guideline_seq) if confirmation else None,
        confirmed_at=confirmation.confirmed_at if confirmation else None,
        current_seq=versions.current.seq,
        current_version=versions.current.version,
        last_major_seq=versions.last_major.seq,
        renewal_days=town.renewal_days,
        latest_seq=max(seqs),
        latest_version=seqs[max(seqs)],
        published=tuple(seqs.values()),
        upcoming_seq=versions.upcoming.seq if versions.upcoming else None,
        upcoming_version=versions.upcoming.version if versions.upcoming else "",
        upcoming_on=versions.upcoming.effective_on if versions.upcoming else None,
    )


async def person_state(
    session: AsyncSession,
    town: MunicipalityFacts,
    channel: str,
    user_id: str,
    today: date,
    first_seen: Person | None = None,
) -> PreUseState:
    """`first_seen`: the person as the platform describes them, not stored yet (their first
    turn), whose e-mail may already tie them to accounts on other channels."""
    all_versions = await list_versions(session, town.tenant_id)
    versions = Versions.of(all_versions, today)
    # One member of staff on several channels: the accounts sharing an e-mail are one person.
    person = await get_person(session, town.tenant_id, channel, user_id) or first_seen
    accounts = await accounts_of(session, person) if person else []
    ids = [(a.channel, a.user_id) for a in accounts] or [(channel, user_id)]
    record = await training_record_for(
        session,
        town.tenant_id,
        user_id,
        person.staff_number if person else "",
        person.email if person else "",
    )
    confirmation = await latest_confirmation_of(session, town.tenant_id, ids)
    seqs = {v.seq: v.version for v in all_versions}
    return state_of(town, versions, record, confirmation, seqs)


@dataclass(frozen=True, slots=True)
class Standing:
    """One person's place in the summary."""

    channel: str
    user_id: str
    division: str
    state: PreUseState
    since: date  # when their confirmation became due

    def status(self, today: date, town: MunicipalityFacts) -> str:
        if self.state.confirmed(today) and self.state.training_completed_on is not None:
            return "confirmed"
        late = working_days_between(self.since, today) > town.remind_after_days
        return "overdue" if late else "pending"


async def standings(session: AsyncSession, town: MunicipalityFacts, today: date) -> list[Standing]:
    """Everyone the bot knows: people who talked to it, and roster entries who have not."""
    all_versions = await list_versions(session, town.tenant_id)
    versions = Versions.of(all_versions, today)
    seqs = {v.seq: v.version for v in all_versions}
    records = await roster(session, town.tenant_id)
    index = RosterIndex(records)
    latest: dict[tuple[str, str], ConfirmationFacts] = {}
    for c in await all_confirmations(session, town.tenant_id):
        key = (c.channel, c.user_id)
        if key not in latest or c.guideline_seq > latest[key].guideline_seq:
            latest[key] = c
    found: list[Standing] = []
    seen: set[str] = set()
    for accounts in _staff(await all_people(session, town.tenant_id)):
        person = accounts[0]  # the account seen most recently is the one written to
        record = index.match(person.user_id, person.staff_number, person.email)
        confirmations = [c for a in accounts if (c := latest.get((a.channel, a.user_id)))]
        confirmation = max(confirmations, key=lambda c: c.guideline_seq, default=None)
        state = state_of(town, versions, record, confirmation, seqs)
        division = person.division or (record.division if record else "")
        first_seen = min(_day(a.created_at) for a in accounts)
        since = _due_since(state, versions, first_seen)
        found.append(Standing(person.channel, person.user_id, division, state, since))
        if record is not None:
            seen.add(record.person)
    for record in records:
        person_id = record.person
        if person_id not in seen:
            state = state_of(town, versions, record, None, seqs)
            since = _due_since(state, versions, _day(record.imported_at))
            found.append(Standing("", person_id, record.division, state, since))
    return found


def _staff(people: Sequence[PersonFacts]) -> list[list[PersonFacts]]:
    """People grouped into members of staff: accounts with the same e-mail are one, newest
    first; an account without an e-mail is a member of staff of its own."""
    groups: dict[tuple[str, str], list[PersonFacts]] = defaultdict(list)
    for person in people:
        key = ("email", person.email) if person.email else (person.channel, person.user_id)
        groups[key].append(person)
    return [
        sorted(accounts, key=lambda a: (a.updated_at, a.created_at), reverse=True)
        for accounts in groups.values()
    ]


def _due_since(state: PreUseState, versions: Versions, known_since: date) -> date:
    """When the person's confirmation became due: their yearly renewal, or the later of the
    last major version and when the bot first knew them."""
    current = state.confirmed_seq is not None and state.confirmed_seq >= state.last_major_seq
    if current and state.renewal_due_on is not None:
        return state.renewal_due_on
    return max(versions.last_major.effective_on, known_since)


def is_renewal(state: PreUseState) -> bool:
    """Confirmed for the version in force, but a year ago."""
    return state.confirmed_seq is not None and state.confirmed_seq >= state.last_major_seq


def _day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives naive UTC back
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST).date()


def summary_rows(
    people: Sequence[Standing], today: date, town: MunicipalityFacts
) -> list[DivisionCounts]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for standing in people:
        counts[standing.division][standing.status(today, town)] += 1
        if standing.state.upcoming_seq is not None:
            ahead = not standing.state.needs_upcoming()
            counts[standing.division]["upcoming_confirmed" if ahead else "upcoming_pending"] += 1
    order = {name: i for i, name in enumerate(town.divisions)}
    return [
        DivisionCounts(
            name,
            c["confirmed"],
            c["pending"],
            c["overdue"],
            upcoming_confirmed=c["upcoming_confirmed"],
            upcoming_pending=c["upcoming_pending"],
        )
        for name, c in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 999), kv[0]))
    ]


# --- publishing a version -------------------------------------------------------------------


def notice_card(version: GuidelineVersion, ctx: DialogContext) -> FactCard:
    """The announcement of a published version. A major one with a 施行日 to come says the
    same as every other place: it applies from that day, confirm before then (§5)."""
    major = version.kind == "major"
    coming = major and version.effective_on > ctx.now.date()
    title_key = (
        "notice.major_upcoming_title"
        if coming
        else "notice.major_title"
        if major
        else "notice.minor_title"
    )
    lines = [version.summary] if version.summary else []
    on = day_text(version.effective_on)
    if coming:
        lines.append(ctx.t("pre_use.upcoming", version=version.version, on=on))
    elif major:
        lines.append(ctx.t("notice.reconfirm"))
    return FactCard(
        title=ctx.t(title_key, version=version.version, on=on),
        facts=(
            Fact(ctx.t("notice.effective"), version.effective_on.isoformat()),
            Fact(ctx.t("notice.approver"), version.approver),
        ),
        lines=tuple(lines),
        tone="warn" if major else "info",
        buttons=(Button("menu:pre_use", ctx.t("pre_use.button.start"), "primary"),)
        if major
        else (),
    )


async def publish(
    session: AsyncSession,
    town: MunicipalityFacts,
    effect: PublishGuideline,
    ctx: DialogContext,
    channel: str,
    user_id: str,
) -> tuple[GuidelineVersion, Broadcast] | None:
    """Store the version and one notification per person (in this transaction); None when
    the version number is already taken."""
    existing = await list_versions(session, town.tenant_id)
    if any(v.version == effect.version for v in existing):
        return None
    version = await add_version(
        session,
        town.tenant_id,
        version=effect.version,
        kind=effect.kind,
        approver=effect.approver,
        approver_role=APPROVER_ROLE[effect.kind],
        effective_on=effect.effective_on,
        summary=effect.summary,
        published_by=user_id,
    )
    await audit(
        session,
        town.tenant_id,
        channel=channel,
        actor=user_id,
        action=f"guideline.publish.{effect.kind}",
        target=f"guideline:{version.version}",
        after={
            "version": version.version,
            "approver": version.approver,
            "approver_role": version.approver_role,
            "effective_on": version.effective_on.isoformat(),
        },
    )
    people = await recipients(session, town.tenant_id)
    broadcast = Broadcast(
        tenant_id=town.tenant_id,
        kind=f"guideline:{version.version}",
        started_by_channel=channel,
        started_by=user_id,
        total=len(people),
    )
    session.add(broadcast)
    await session.flush()
    # The card differs by language only: drawn once per language, not once per person.
    cards: dict[str, dict[str, Any]] = {}

    def card_for(locale: str) -> dict[str, Any]:
        if locale not in cards:
            cards[locale] = notice_card(version, ctx.with_locale(locale)).to_dict()
        return cards[locale]

    await enqueue_many(
        session,
        town.tenant_id,
        (
            NewMessage(
                key=f"guideline:{version.seq}:{person_channel}:{person_id}",
                channel=person_channel,
                address=PersonAddress(person_id),
                body=card_for(locale or ctx.locale),
            )
            for person_channel, person_id, locale in people
        ),
        broadcast_id=broadcast.id,
    )
    # Everyone's notice first, then their homes (a home is paced far slower than a post).
    by_channel: dict[str, list[str]] = defaultdict(list)
    for person_channel, person_id, _ in people:
        by_channel[person_channel].append(person_id)
    for person_channel, ids in sorted(by_channel.items()):
        await homes_changed(session, town.tenant_id, person_channel, ids)
    return version, broadcast

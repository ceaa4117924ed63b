"""What the dialogs know of a turn: the person's facts, role and pre-use state, in a context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dialogs.catalog import DEFAULT_LOCALE, Catalogs
from dialogs.context import DialogContext, MunicipalityFacts, PersonFacts
from dialogs.pre_use import PreUseState, readiness
from dialogs.turn import Turn
from storage.models import AISystem, Person


def build_context(
    catalogs: Catalogs,
    today: date,
    turn: Turn,
    town: MunicipalityFacts,
    person: Person | None,
    systems: Sequence[AISystem] = (),
    state: PreUseState | None = None,
    granted: set[str] | None = None,
) -> DialogContext:
    locale = (person.locale if person else None) or turn.locale or DEFAULT_LOCALE
    granted = granted or set()
    role = (
        "admin"
        if turn.user_id in town.admins or "admin" in granted
        else "caio"
        if turn.user_id in town.caio_users
        else "staff"
    )
    facts = PersonFacts(
        user_id=turn.user_id,
        display_name=(person.display_name if person else "") or (turn.user_name or ""),
        division=person.division if person else "",
        contact=person.contact if person else "",
        email=person.email if person else "",
        staff_number=person.staff_number if person else "",
        locale=locale,
        role=role,
        verified_division=turn.user_division or "",
        pre_use=state,
        **({"readiness": readiness(state, today)} if state else {}),
    )
    return DialogContext(
        catalogs=catalogs,
        municipality=town,
        person=facts,
        locale=locale,
        systems=tuple(systems),
        # The message whose button was pressed and whom the message mentions, for the
        # effects too (a report card replaced by its new status).
        pressed=turn.message_ref,
        mentions=turn.mentions,
    )


def notice_context(
    catalogs: Catalogs, town: MunicipalityFacts, locale: str | None
) -> DialogContext:
    """A context for what the bot says on its own (notices, reminders, progress)."""
    return DialogContext(
        catalogs=catalogs,
        municipality=town,
        person=PersonFacts(user_id=""),
        locale=locale or DEFAULT_LOCALE,
    )

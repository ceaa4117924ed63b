"""Effects on a person's own record: profile, display language, entry checks asked."""

from __future__ import annotations

from bot.effects import Applied, EffectHandlers
from dialogs.effects import SaveProfile, SetLocale
from dialogs.entry_check import LogEntryCheck
from storage.admin import log_entry_check
from storage.people import update_person


async def save_profile(done: Applied, effect: SaveProfile) -> None:
    await update_person(
        done.session,
        *done.who,
        display_name=effect.display_name,
        division=effect.division,
        contact=effect.contact,
        **({"email": effect.email} if effect.email else {}),
        **({"staff_number": effect.staff_number} if effect.staff_number else {}),
    )


async def set_locale(done: Applied, effect: SetLocale) -> None:
    await update_person(done.session, *done.who, locale=effect.locale)


async def log_check(done: Applied, effect: LogEntryCheck) -> None:
    """Who asked about which system (no content): whom to tell when it is suspended."""
    await log_entry_check(done.session, *done.who, effect.system_id)


def register(handlers: EffectHandlers) -> None:
    handlers.register(SaveProfile, save_profile)
    handlers.register(SetLocale, set_locale)
    handlers.register(LogEntryCheck, log_check)

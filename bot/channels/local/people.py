"""The personas of the page: which municipality, who they are, which shared channels they see.

The policy-division and CAIO channels hold every report's contents, which only the reporter,
the policy division and the CAIO may read: a persona sees them only as a member, that is as
an admin (bootstrap or granted) or the CAIO, and the API refuses them to anyone else.
"""

from __future__ import annotations

from bot.runtime import Runtime, TenantNotChosen
from bot.settings import Persona
from bot.town import Town
from storage.addresses import CAIO, POLICY, target_of
from storage.admin import roles_of
from storage.db import transaction
from storage.people import get_person

CHANNEL = "local"
# The shared channels as the local deliverer keeps their posts (the page asks for these keys).
SHARED_CHANNELS = (target_of(POLICY), target_of(CAIO))
LOCALES = ("ja", "en")


async def pick_town(runtime: Runtime, tenant: object) -> Town | None:
    """The municipality picked on the page; without a pick, the only (or the first) one."""
    try:
        return await runtime.town(str(tenant) if tenant else None)
    except TenantNotChosen as error:
        if tenant or not error.known:
            return None
        return await runtime.town(error.known[0])


def persona_of(town: Town | None, persona_id: object) -> Persona | None:
    if town is None or not isinstance(persona_id, str):
        return None
    return next((p for p in town.personas if p.id == persona_id), None)


def page_locale(value: object) -> str | None:
    return value if isinstance(value, str) and value in LOCALES else None


async def standing_of(town: Town, persona: Persona, asked: str | None) -> tuple[str, list[str]]:
    """The persona's language (their own choice, else the page's) and the shared channels
    they are a member of."""
    facts = town.facts
    async with transaction(town.runtime.sessions) as session:
        person = await get_person(session, town.tenant_id, CHANNEL, persona.id)
        granted = await roles_of(session, town.tenant_id, CHANNEL, persona.id)
    locale = (person.locale if person else None) or asked or "ja"
    member = (
        persona.id in facts.admins
        or persona.id in facts.caio_users
        or bool(granted & {"admin", "caio"})
    )
    return locale, list(SHARED_CHANNELS) if member else []


async def may_see(town: Town, persona: Persona, channel_key: str) -> bool:
    _, channels = await standing_of(town, persona, None)
    return channel_key in channels

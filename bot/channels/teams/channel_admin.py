"""An admin chooses, in Teams itself, which channel is the policy division's and the CAIO's:
`@aiguide channel policy` (or `チャネル 政策`) in the channel concerned.

The choice is the municipality's setting `[channels]` (shared = "teams", policy/caio = the
channel id), stored like every other setting: with a new revision, so every replica's cache
reloads it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.services.tenants import settings_dict
from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.admin import roles_of
from storage.db import transaction
from storage.tenants import get_tenant, update_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

_COMMAND = re.compile(
    r"^\s*(?:channel|チャネル)\s+(policy|caio|政策|情報政策|情報政策課)\s*$", re.IGNORECASE
)
_WHICH = {"policy": "policy", "caio": "caio", "政策": "policy", "情報政策": "policy"}


def channel_command(text: str | None) -> str | None:
    """ "policy" or "caio" when the text is the command, else None."""
    found = _COMMAND.match(text or "")
    if found is None:
        return None
    word = found[1].lower()
    return _WHICH.get(word, "policy" if word.startswith("情報政策") else word)


async def choose_channel(runtime: Runtime, turn: Turn, channel_id: str, which: str) -> list[Reply]:
    msg = runtime.catalogs.for_locale(turn.locale)
    async with transaction(runtime.sessions) as session:
        entry = await runtime.tenants.get(session, turn.tenant_id)
        tenant = await get_tenant(session, turn.tenant_id)
        if entry is None or tenant is None:
            return []
        granted = await roles_of(session, turn.tenant_id, turn.channel, turn.user_id)
        if turn.user_id not in entry.facts.admins and "admin" not in granted:
            return [Text(msg.t("teams.channels_not_allowed"))]
        settings = entry.settings.model_copy(deep=True)
        settings.channels.shared = "teams"
        setattr(settings.channels, which, channel_id[:200])
        await update_settings(session, tenant, tenant.name, settings_dict(settings))
    names = {"policy": msg.t("teams.channel_name.policy"), "caio": msg.t("teams.channel_name.caio")}
    label = names[which]
    return [Text(msg.t("teams.channels_saved", which=label))]

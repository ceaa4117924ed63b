"""The team's channels, and which of them are the policy division's and the CAIO's.

When the app is installed in a team, the team's whole channel list is fetched from the Bot
Connector (the SDK's `TeamsInfo.get_team_channels`) and kept as channel references; a channel
created, renamed or deleted later arrives as a `conversationUpdate` (lifecycle.py). An admin then
chooses, in Teams itself:
- `@aiguide channel policy` (or `チャネル 政策`, `channel caio`) in the channel concerned, or
- `channels` / `チャネル設定` anywhere: a card with the kept channels in two choice sets,
  whose submission is checked (admin, a kept channel) and answered on the card if wrong.

The choice is the municipality's setting `[channels]` (shared = "teams", policy/caio = the
channel id), stored like every other setting: with a new revision, so every replica's cache
reloads it; each channel changed is audited (`teams.channel_chosen`), as `aiguide tenants
update` audits the same setting changed from a file.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import aiohttp
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.teams import TeamsInfo
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.tenants import settings_dict
from dialogs.catalog import Catalog
from dialogs.turn import Turn
from dialogs.ui import Button, FormInput, FormView, Option, Reply, Text
from storage.admin import audit, roles_of
from storage.db import transaction
from storage.teams import TeamsReference, channel_references, get_reference, save_reference
from storage.tenants import get_tenant, update_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SAVE = "teams:channels:save"
CANCEL = "teams:channels:cancel"
_COMMAND = re.compile(
    r"^\s*(?:channel|チャネル)\s+(policy|caio|政策|情報政策|情報政策課)\s*$", re.IGNORECASE
)
_LIST = re.compile(r"^\s*(?:channels|channel list|チャネル設定|チャネル一覧)\s*$", re.IGNORECASE)
CHOSEN = "teams.channel_chosen"  # the audit log's action
_WHICH = {"policy": "policy", "caio": "caio", "政策": "policy", "情報政策": "policy"}


def channel_command(text: str | None) -> str | None:
    """ "policy" or "caio" when the text is the command, else None."""
    found = _COMMAND.match(text or "")
    if found is None:
        return None
    word = found[1].lower()
    return _WHICH.get(word, "policy" if word.startswith("情報政策") else word)


def is_list_command(text: str | None) -> bool:
    return _LIST.match(text or "") is not None


def channel_reference(
    base: TeamsReference, channel_id: str, channel_name: str | None
) -> TeamsReference:
    """A channel of the team `base` was seen in; the General channel has the team's id and
    no name of its own."""
    return TeamsReference(
        tenant_id=base.tenant_id,
        kind="channel",
        key=channel_id[:200],
        service_url=base.service_url,
        conversation_id=channel_id[:500],
        teams_tenant=base.teams_tenant,
        bot_id=base.bot_id,
        team_id=base.team_id,
        name=(channel_name or "")[:200],
    )


async def fetch_team_channels(
    runtime: Runtime, context: TurnContext, base: TeamsReference
) -> list[TeamsReference]:
    """Every channel of the team, from the Bot Connector, kept; [] when it cannot say
    (the General channel the app was installed in is kept by the caller anyway)."""
    try:
        channels = await TeamsInfo.get_team_channels(context, base.team_id)
    except (aiohttp.ClientError, ValueError, TimeoutError) as error:
        log.warning("could not list the team's channels: %s", type(error).__name__)
        return []
    kept = [channel_reference(base, str(c.id), c.name) for c in channels if c.id]
    async with transaction(runtime.sessions) as session:
        for reference in kept:
            await save_reference(session, reference)
    return kept


async def _is_admin(session: AsyncSession, runtime: Runtime, turn: Turn, target: str) -> bool:
    """Whether an admin asks; anyone else's attempt is audited as refused (as every admin
    command's is)."""
    entry = await runtime.tenants.get(session, turn.tenant_id)
    if entry is None:
        return False
    granted = await roles_of(session, turn.tenant_id, turn.channel, turn.user_id)
    if turn.user_id in entry.facts.admins or "admin" in granted:
        return True
    await audit(
        session,
        turn.tenant_id,
        channel=turn.channel,
        actor=turn.user_id,
        action=CHOSEN,
        target=target,
        outcome="refused",
    )
    return False


def _label(reference: TeamsReference, msg: Catalog) -> str:
    if reference.key == reference.team_id and not reference.name:
        return msg.t("teams.general")
    return reference.name or reference.key


async def _save(
    session: AsyncSession, runtime: Runtime, turn: Turn, chosen: dict[str, str]
) -> bool:
    """The choice stored, each channel it changes audited (before/after, by the admin)."""
    entry = await runtime.tenants.get(session, turn.tenant_id)
    tenant = await get_tenant(session, turn.tenant_id)
    if entry is None or tenant is None:
        return False
    settings = entry.settings.model_copy(deep=True)
    settings.channels.shared = "teams"
    for which, channel_id in chosen.items():
        setattr(settings.channels, which, channel_id[:200])
    await update_settings(session, tenant, tenant.name, settings_dict(settings))
    was, now = entry.settings.channels, settings.channels
    for which in chosen:
        before, after = {"channel": getattr(was, which)}, {"channel": getattr(now, which)}
        if was.shared != now.shared:  # the channels were Slack's (or local) until now
            before, after = {**before, "shared": was.shared}, {**after, "shared": now.shared}
        if before != after:
            await audit(
                session,
                turn.tenant_id,
                channel=turn.channel,
                actor=turn.user_id,
                action=CHOSEN,
                target=f"channel:{which}",
                before=before,
                after=after,
            )
    return True


async def choose_channel(runtime: Runtime, turn: Turn, channel_id: str, which: str) -> list[Reply]:
    """`channel policy` in a channel: this channel becomes the policy division's (or CAIO's)."""
    msg = runtime.catalogs.for_locale(turn.locale)
    async with transaction(runtime.sessions) as session:
        if not await _is_admin(session, runtime, turn, f"channel:{which}"):
            return [Text(msg.t("teams.channels_not_allowed"))]
        if not await _save(session, runtime, turn, {which: channel_id}):
            return []
    names = {"policy": msg.t("teams.channel_name.policy"), "caio": msg.t("teams.channel_name.caio")}
    return [Text(msg.t("teams.channels_saved", which=names[which]))]


def _form(
    msg: Catalog,
    channels: list[TeamsReference],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> FormView:
    options = tuple(Option(c.key, _label(c, msg)) for c in channels)
    inputs = tuple(
        FormInput(
            which,
            msg.t(f"teams.channels_form.{which}"),
            "choice",
            True,
            values.get(which, ""),
            options,
        )
        for which in ("policy", "caio")
    )
    return FormView(
        msg.t("teams.channels_form.title"),
        inputs,
        submit=Button(SAVE, msg.t("teams.channels_form.save"), "primary"),
        cancel=Button(CANCEL, msg.t("teams.channels_form.cancel")),
        field_errors=errors or {},
    )


async def channels_form(runtime: Runtime, turn: Turn) -> list[Reply]:
    """The kept channels, with the current choice selected, for an admin to change."""
    msg = runtime.catalogs.for_locale(turn.locale)
    async with transaction(runtime.sessions) as session:
        if not await _is_admin(session, runtime, turn, "channels"):
            return [Text(msg.t("teams.channels_not_allowed"))]
        channels = await channel_references(session, turn.tenant_id)
        entry = await runtime.tenants.get(session, turn.tenant_id)
        facts = entry.facts if entry is not None else None
        current = {
            "policy": facts.policy_channel_id if facts else "",
            "caio": facts.caio_channel_id if facts else "",
        }
        # A chosen channel the bot can no longer post to: said so, and not preselected.
        notes: list[Reply] = []
        for which, key in current.items():
            chosen = await get_reference(session, turn.tenant_id, "channel", key) if key else None
            if chosen is not None and chosen.removed_at is not None:
                notes.append(Text(_gone_note(msg, which, chosen)))
                current[which] = ""
    if not channels:
        return [*notes, Text(msg.t("teams.channels_none"))]
    channels.sort(key=lambda c: (c.team_id, c.key != c.team_id, c.name, c.key))  # General first
    return [*notes, _form(msg, channels, current)]


def _gone_note(msg: Catalog, which: str, reference: TeamsReference) -> str:
    return msg.t(
        "teams.channels_gone",
        which=msg.t(f"teams.channel_name.{which}"),
        name=_label(reference, msg),
        why=msg.t(f"teams.channel_gone.why.{reference.removed_why}"),
    )


async def save_channels(runtime: Runtime, turn: Turn) -> list[Reply]:
    """The channels form submitted: each choice must be one of the team's kept channels."""
    msg = runtime.catalogs.for_locale(turn.locale)
    if turn.action == CANCEL:
        return [Text(msg.t("teams.channels_form.cancelled"))]
    chosen = {which: (turn.values.get(which) or "").strip() for which in ("policy", "caio")}
    async with transaction(runtime.sessions) as session:
        if not await _is_admin(session, runtime, turn, "channels"):
            return [Text(msg.t("teams.channels_not_allowed"))]
        channels = await channel_references(session, turn.tenant_id)
        channels.sort(key=lambda c: (c.team_id, c.key != c.team_id, c.name, c.key))
        known = {c.key: c for c in channels}
        errors = {
            which: msg.t("teams.channels_form.unknown")
            for which, channel_id in chosen.items()
            if channel_id not in known
        }
        if errors:
            return [_form(msg, channels, chosen, errors)]
        await _save(session, runtime, turn, chosen)
    return [
        Text(
            msg.t(
                "teams.channels_form.saved",
                policy=_label(known[chosen["policy"]], msg),
                caio=_label(known[chosen["caio"]], msg),
            )
        )
    ]

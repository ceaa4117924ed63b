"""The outbox → Slack's Web API: a person's DM, or a municipality's policy/CAIO channel.

`SlackPoster.post` is a plain async call (no database session held while Slack answers);
`SlackOutboxDeliverer` adapts it to the outbox's `Deliverer` protocol of today. Each post
carries the outbox key in its message metadata, so a re-sent message can be recognised. An
item asking for a person's home to be drawn again (bot.services.home_changes) publishes
their App Home instead of posting.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.channels.slack.home import republish_home
from bot.channels.slack.renderer import render_messages
from bot.channels.slack.webapi import Pacer, RateLimited
from bot.outbox.deliverers import Later, NoDestination, Outgoing, RetryAfter, Undeliverable
from bot.services.home_changes import HOME_CHANGED
from dialogs.context import MunicipalityFacts
from dialogs.ui import from_dict
from storage.addresses import Address, PersonAddress, target_of
from storage.db import read_transaction

METADATA_EVENT = "aiguide_outbox"
_HOMES_PER_SECOND = 100 / 60
# chat.postMessage allows about one message per second into one channel (Slack's "special"
# tier); the workspace's own limit is the setting. A broadcast goes to 5,000 different DMs,
# so only the workspace pace binds it; a busy report thread keeps to its channel's second.
_PER_CHANNEL_PER_SECOND = 1.0
# A municipality's channel ids and workspace token, read once per this many seconds rather
# than once per message (a broadcast is thousands of them).
_FACTS_SECONDS = 10.0
# A home redraw waits in place this long at most; longer, it is put off (Later).
_HOME_WAIT_IN_PLACE = 1.0
_HOME_SLOTS_KEPT = 20_000


# Slack's answers that no retry can change: the channel deleted or archived, the bot no
# longer in it, the person's account gone, the app uninstalled or its token revoked. The
# message is dead at once, and a shared channel's post is mailed to the policy contact
# (bot/outbox/dead.py) instead of being retried for hours.
GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "team_access_not_granted",
        "team_not_found",
    }
)


def slack_error(error: SlackApiError) -> str:
    data = getattr(error.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


class NoSlackWorkspace(Exception):
    """The municipality has no Slack workspace yet: installing the app (or `aiguide tenants
    link`) is all it takes for the same post to arrive, so the outbox tries again later."""


def channel_id(target: str, facts: MunicipalityFacts) -> str:
    """ "user:U…" → U… (posting to a user id opens the app's DM); "policy"/"caio" → the
    municipality's channel ids (its [channels] table). `NoDestination` when none is set:
    no retry can set one, so the post is dead at once and mailed saying how to set it."""
    if target.startswith("user:"):
        return target.removeprefix("user:")
    found = {"policy": facts.policy_channel_id, "caio": facts.caio_channel_id}.get(target)
    if found is None:
        return target
    if not found:
        raise NoDestination(f"no Slack channel id for {target} ([channels] {target} = …)")
    return found


class SlackPoster:
    def __init__(self, channel: Any, per_second: float) -> None:
        self.channel = channel
        self.pacer = Pacer(per_second)
        # No pace (0, the tests' setting) paces no channel either.
        self.channel_pacer = Pacer(_PER_CHANNEL_PER_SECOND if per_second else 0.0)
        # The outbox hands over about a second of posts at a time; the pacers keep the pace.
        self.batch_size = max(1, min(100, round(per_second))) if per_second else 50
        self._facts: dict[str, tuple[float, MunicipalityFacts, tuple[str, str]]] = {}
        # An outbox key → the moment reserved for its home's redraw (it comes back then).
        self._home_slots: dict[str, float] = {}
        # views.publish has a limit of its own (Slack's tier 4, 100+ a minute per workspace).
        self.home_pacer = Pacer(_HOMES_PER_SECOND)

    async def post(
        self,
        tenant_id: str,
        target: str,
        body: dict[str, Any],
        thread_ref: str | None,
        key: str,
        facts: MunicipalityFacts | None = None,
    ) -> str:
        """Post one outbox message; its ts (the thread's ts for the messages that open one).
        RateLimited / SlackApiError / NoSlackWorkspace: the outbox tries again later;
        NoDestination (no policy/CAIO channel set): dead at once."""
        cached, found = await self._tenant(tenant_id)
        try:
            where = channel_id(target, facts or cached)
        except NoDestination:  # maybe set a moment ago (`aiguide tenants update`): read again
            cached, found = await self._tenant(tenant_id, fresh=True)
            where = channel_id(target, facts or cached)
        if found is None:  # checked after the channel: no installation brings a channel
            raise NoSlackWorkspace(f"{tenant_id} has no Slack workspace linked")
        team, token = found
        first: str | None = None
        for message in render_messages([from_dict(body)]):
            await self.channel_pacer.wait(f"{team}/{where}")
            await self.pacer.wait(team)
            data = await self.channel.api.call(
                token,
                "chat.postMessage",
                channel=where,
                thread_ts=thread_ref or first if (thread_ref or first) else None,
                text=message["text"],
                blocks=message["blocks"],
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            )
            first = first or str(data.get("ts", ""))
        return first or ""

    async def _tenant(
        self, tenant_id: str, fresh: bool = False
    ) -> tuple[MunicipalityFacts, tuple[str, str] | None]:
        """The municipality's facts and (team, token) — None with no workspace linked yet —
        kept `_FACTS_SECONDS` unless `fresh`."""
        now = time.monotonic()
        kept = self._facts.get(tenant_id)
        if kept is not None and kept[0] > now and not fresh:
            return kept[1], kept[2]
        async with read_transaction(self.channel.runtime.sessions) as session:
            tenant = await self.channel.runtime.tenants.get(session, tenant_id)
        if tenant is None:
            raise NoSlackWorkspace(f"no municipality {tenant_id}")
        found = await self.channel.team_token_of_tenant(tenant_id)
        if found is not None:  # not yet installed: read again, the install may come any time
            self._facts[tenant_id] = (now + _FACTS_SECONDS, tenant.facts, found)
        return tenant.facts, found

    async def republish_home(self, tenant_id: str, address: Address, key: str = "") -> str:
        """A person's App Home, drawn again (bot.services.home_changes asked for it). Homes
        have a pace of their own (1.7 a second): a redraw further off than
        `_HOME_WAIT_IN_PLACE` is put off to its reserved moment (Later) rather than waited
        for, so a broadcast's thousand homes do not hold its posts to their pace."""
        if not isinstance(address, PersonAddress):
            raise NoSlackWorkspace(f"a home is a person's, not {target_of(address)}")
        found = await self.channel.team_token_of_tenant(tenant_id)
        if found is None:
            raise NoSlackWorkspace(f"{tenant_id} has no Slack workspace linked")
        team, token = found
        now = time.monotonic()
        slot = self._home_slots.pop(key, None) if key else None
        if slot is None:
            slot = self.home_pacer.reserve(team)
        if slot - now > _HOME_WAIT_IN_PLACE:
            if len(self._home_slots) < _HOME_SLOTS_KEPT:
                self._home_slots[key] = slot
            raise Later(slot - now)
        await asyncio.sleep(max(0.0, slot - now))
        return await republish_home(self.channel, team, token, tenant_id, address.user_id)


class SlackOutboxDeliverer:
    """The outbox's deliverer protocol (bot/outbox/deliverers.py) over `SlackPoster`: called
    with no transaction open."""

    def __init__(self, poster: SlackPoster) -> None:
        self.poster = poster
        self.batch_size = poster.batch_size

    async def deliver(self, message: Outgoing) -> str:
        try:
            if message.body.get("type") == HOME_CHANGED:
                return await self.poster.republish_home(
                    message.tenant_id, message.address, message.key
                )
            return await self.poster.post(
                message.tenant_id,
                target_of(message.address),
                dict(message.body),
                message.thread_ref,
                message.key,
                None,
            )
        except RateLimited as limited:  # the workspace's lane waits; no attempt is counted
            raise RetryAfter(limited.retry_after) from None
        except SlackApiError as error:
            if slack_error(error) in GONE_ERRORS:
                raise Undeliverable(f"Slack answered {slack_error(error)}") from None
            raise

"""The outbox → the Bot Connector: proactive messages to people, posts in the shared channels.

`TeamsPoster.post` is the plain async API (no database): an address, a body, the thread to
reply in, the outbox key; it returns the reference of what it posted (an activity id, or for
a new channel thread its conversation id `…;messageid=…`). `TeamsDeliverer` adapts it to
today's `Deliverer` protocol (bot/outbox/delivery.py) by resolving the address from the
stored conversation references.

The outbox key travels with the activity (an entity of type `aiguide/outbox`), so a message
sent again after a crash can be recognised as the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from microsoft_agents.activity import Activity
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.teams.connector import BotConnector, RetryLater
from bot.channels.teams.renderer import render
from bot.outbox.deliverers import NoDestination, Outgoing, RetryAfter, Undeliverable
from dialogs.catalog import Catalogs
from dialogs.ui import from_dict
from storage.addresses import target_of
from storage.db import transaction
from storage.teams import TeamsReference, channel_references, get_reference

if TYPE_CHECKING:
    from bot.runtime import Runtime

OUTBOX_ENTITY = "aiguide/outbox"
_GONE = (403, 404)


class NoReference(Exception):
    """Nowhere to post yet: the person has not talked to the bot, or the app is in no team."""


@dataclass(frozen=True)
class TeamsAddress:
    service_url: str
    conversation_id: str  # a person's chat, or a channel id (a new thread is opened there)
    is_channel: bool = False
    teams_tenant: str = ""
    bot_id: str = ""


class TeamsPoster:
    def __init__(self, connector: BotConnector, catalogs: Catalogs) -> None:
        self.connector = connector
        self.words = catalogs.for_locale("ja")

    async def post(
        self, address: TeamsAddress, body: dict[str, Any], thread_ref: str | None, key: str
    ) -> str:
        activities = render(from_dict(body), self.words)
        first = ""
        for index, payload in enumerate(activities):
            payload = {
                **payload,
                "entities": [{"type": OUTBOX_ENTITY, "key": key, "part": index}],
            }
            activity = Activity.model_validate(payload)
            if thread_ref is not None:
                ref = await self.connector.send(address.service_url, thread_ref, activity)
            elif address.is_channel:
                # A post that is not inside a thread opens one; the rest of a split card
                # follows inside it.
                thread_ref = await self.connector.open_thread(
                    address.service_url,
                    address.conversation_id,
                    address.teams_tenant,
                    address.bot_id,
                    activity,
                )
                ref = thread_ref
            else:
                ref = await self.connector.send(
                    address.service_url, address.conversation_id, activity
                )
            first = first or ref
        return first


async def resolve(
    session: AsyncSession,
    runtime: Runtime,
    tenant_id: str,
    target: str,
    thread_ref: str | None = None,
) -> TeamsAddress:
    """Where an outbox target ("user:<id>", "policy", "caio") is on Teams. `Undeliverable`
    when the bot can no longer post there (the person removed the app; the channel, or the
    channel the thread is in, was deleted or its team archived), `NoDestination` when no
    channel is chosen for it: never retried."""
    if target.startswith("user:"):
        person = await get_reference(session, tenant_id, "user", target.removeprefix("user:"))
        if person is None:
            raise NoReference(f"no Teams conversation with {target[:80]} yet")
        if person.removed_at is not None:
            raise Undeliverable(f"{person.removed_why}: the app was removed from this chat")
        return TeamsAddress(
            person.service_url, person.conversation_id, False, person.teams_tenant, person.bot_id
        )
    tenant = await runtime.tenants.get(session, tenant_id)
    facts = tenant.facts if tenant is not None else None
    channel_id = ""
    if facts is not None:
        channel_id = {"policy": facts.policy_channel_id, "caio": facts.caio_channel_id}.get(
            target, ""
        )
    if not channel_id:  # not a passing failure: dead at once, mailed saying to choose one
        raise NoDestination(f"no Teams channel chosen for {target[:40]}")
    if thread_ref is not None:  # a reply goes where its thread is, maybe a former channel
        _gone(await get_reference(session, tenant_id, "channel", thread_ref.split(";")[0]), target)
    known = await get_reference(session, tenant_id, "channel", channel_id)
    _gone(known, target)
    if known is None:  # chosen in the settings but not seen yet: any channel of the tenant
        seen = await channel_references(session, tenant_id)
        if not seen:
            raise NoReference("the app is not installed in a team yet")
        known = seen[0]
    return TeamsAddress(known.service_url, channel_id, True, known.teams_tenant, known.bot_id)


def _gone(reference: TeamsReference | None, target: str) -> None:
    if reference is not None and reference.removed_at is not None:
        raise Undeliverable(f"{reference.removed_why}: the {target[:40]} channel is gone")


class TeamsDeliverer:
    """The outbox's deliverer protocol (bot/outbox/deliverers.py) on top of `TeamsPoster`:
    called with no transaction open; the conversation reference is read in a short one."""

    def __init__(self, runtime: Runtime, poster: TeamsPoster) -> None:
        self.runtime = runtime
        self.poster = poster

    async def deliver(self, message: Outgoing) -> str:
        async with transaction(self.runtime.sessions) as session:
            address = await resolve(
                session,
                self.runtime,
                message.tenant_id,
                target_of(message.address),
                message.thread_ref,
            )
        try:
            return await self.poster.post(
                address, dict(message.body), message.thread_ref, message.key
            )
        except RetryLater as throttled:  # the lane waits as Teams asked; no attempt counted
            raise RetryAfter(throttled.seconds) from None
        except aiohttp.ClientResponseError as refused:
            # 403 (the bot is not in the conversation: removed, blocked) or 404 (no such
            # conversation): a change we were not told of. Trying again cannot help.
            if refused.status in _GONE:
                raise Undeliverable(f"the Bot Connector answered {refused.status}") from None
            raise

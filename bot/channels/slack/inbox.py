"""Text turns (a DM, a mention) recorded in the inbox before Slack's acknowledgement.

`accept` runs inside the listener, before bolt answers Slack (process_before_response): one
short insert, then the turn runs after the acknowledgement and deletes the row when done. A
crash in between leaves the row; `sweep` (at start and then periodically) runs rows whose
lease ran out again. A turn already run is not answered twice: the runtime's processed-event
ledger refuses its event id. Only ids are ever logged: the stored event is what was typed.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.channels.slack import adapter, interactions
from bot.channels.slack.adapter import workspace_of
from bot.channels.slack.inbox_writes import InboxWrites
from storage import inbox
from storage.db import transaction

if TYPE_CHECKING:
    from bot.channels.slack.channel import SlackChannel

log = logging.getLogger(__name__)
# Longer than a turn takes: a live worker's row is not run again by another replica.
LEASE = timedelta(seconds=120)
SWEEP_SECONDS = 30.0
_MAX_ATTEMPTS = 5
_KEPT = ("event_id", "team_id", "enterprise_id", "is_enterprise_install", "authorizations")


_writes: weakref.WeakKeyDictionary[SlackChannel, InboxWrites] = weakref.WeakKeyDictionary()


def writes_of(channel: SlackChannel) -> InboxWrites:
    """The channel's grouped inbox writes (one per process and channel)."""
    writes = _writes.get(channel)
    if writes is None:
        writes = _writes[channel] = InboxWrites(channel.runtime.sessions, LEASE)
    return writes


def envelope(body: dict[str, Any], bot_user: str | None, retry: bool) -> dict[str, Any]:
    """What the turn needs from Slack's envelope, nothing more."""
    kept = {key: body[key] for key in _KEPT if key in body}
    return {**kept, "event": body.get("event") or {}, "bot_user": bot_user, "retry": retry}


async def accept(channel: SlackChannel, stored: dict[str, Any]) -> None:
    """Record, then hand the turn over. An unknown workspace, or a database that cannot
    record, keeps the in-memory path (its answer is a refusal or an apology anyway)."""
    event_id = str(stored.get("event_id", ""))
    tenant: str | None = None
    if event_id:
        try:
            tenant = await channel.tenant_for(workspace_of(stored))
        except Exception:
            tenant = None
    if tenant is None:
        channel.spawn(run(channel, stored))
        return
    try:
        recorded = await writes_of(channel).record(tenant, event_id, stored)
    except Exception as error:
        log.warning("Slack inbox record failed (%s): %s", event_id, type(error).__name__)
        channel.spawn(run(channel, stored))
        return
    if recorded:
        channel.spawn(run_and_forget(channel, stored, event_id))
    # Not recorded: the same event (a Slack retry) is in the inbox and being run already.


async def run_and_forget(channel: SlackChannel, stored: dict[str, Any], event_id: str) -> None:
    await run(channel, stored)
    await writes_of(channel).done(event_id)


async def run(channel: SlackChannel, stored: dict[str, Any]) -> None:
    from bot.channels.slack.channel import Place

    if await interactions.run(channel, stored):  # a press or a slash command
        return

    event = dict(stored.get("event") or {})
    event_id = str(stored.get("event_id", ""))
    workspace = workspace_of(stored)
    bot_user = stored.get("bot_user")
    if event.get("type") == "app_mention":
        place = Place(
            channel=str(event.get("channel", "")),
            user=str(event.get("user", "")),
            thread_ts=str(event.get("thread_ts") or event.get("ts") or "") or None,
            user_team=_team(event.get("user_team")),
        )
    else:
        # A reply in a thread of the DM is answered in that thread, where the person looks.
        thread = event.get("thread_ts")
        place = Place(
            channel=str(event.get("channel", "")),
            user=str(event.get("user", "")),
            thread_ts=str(thread) if thread and thread != event.get("ts") else None,
            user_team=_team(event.get("user_team")),
        )
    await channel.run_turn(
        workspace,
        place,
        lambda tenant, profile: adapter.message_turn(
            tenant, event, event_id, profile, bot_user=bot_user
        ),
        retry=bool(stored.get("retry")),
    )


def _team(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


async def sweep(channel: SlackChannel) -> int:
    """Run again the events whose worker died (their lease ran out); how many were taken."""
    async with transaction(channel.runtime.sessions) as session:
        claimed = await inbox.claim_expired(session, LEASE)
    for item in claimed:
        if item.attempts > _MAX_ATTEMPTS:
            log.error("Slack inbox gave up on event %s", item.event_id)
            await writes_of(channel).done(item.event_id)
            continue
        channel.spawn(run_and_forget(channel, item.body, item.event_id))
    return len(claimed)


async def sweep_forever(channel: SlackChannel, every: float = SWEEP_SECONDS) -> None:
    while True:
        try:
            await sweep(channel)
        except Exception as error:  # the database away for a while: next round
            log.warning("Slack inbox sweep failed: %s", type(error).__name__)
        await asyncio.sleep(every)

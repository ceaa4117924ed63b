"""What the bot does with an authenticated Teams activity (the SDK's `Agent.on_turn`).

The municipality comes from the Microsoft 365 tenant; an unknown tenant gets one polite
refusal and nothing is stored. A message or a pressed card becomes a Turn for the runtime;
its replies go back through the SDK's TurnContext (as replies in the same conversation or
channel thread). A pressed card is replaced by its answer — through the invoke response
(Universal Actions) or `updateActivity` (the Action.Submit fallback) — so its buttons cannot
be pressed twice. Installing the app greets with the home view and captures where the bot may
post later; every turn refreshes the person's reference.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.core import TurnContext

from bot.channels.teams import adapter, channel_admin, invokes, lifecycle
from bot.channels.teams.connector import BotConnector, RetryLater, with_retry
from bot.channels.teams.renderer import CARD_TYPE, answered, render
from bot.channels.teams.threads import record_thread_reply
from bot.services.home import home_of
from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.addresses import PersonAddress
from storage.conversations import claim_event
from storage.db import transaction
from storage.models import utcnow
from storage.outbox import enqueue
from storage.teams import TeamsReference, restore_team, save_reference

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
_MEMBER_TTL = 6 * 3600.0
_CACHE_MAX = 20_000
_LINK_TTL = 60.0
_REFUSAL_TTL = 3600.0  # longer than the Bot Connector goes on retrying


class TeamsAgent:
    def __init__(self, runtime: Runtime, connector: BotConnector) -> None:
        self.runtime = runtime
        self.connector = connector
        self._members: dict[tuple[str, str], tuple[float, str | None, str | None]] = {}
        self._links: dict[str, tuple[float, str | None]] = {}
        self._saved: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._refused: dict[str, float] = {}  # event id → until when a retry is ignored

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if adapter.is_own(activity):
            return
        guid = adapter.teams_tenant(activity)
        tenant_id = await self._tenant_of(guid) if guid else None
        if tenant_id is None:
            if activity.type in ("message", "invoke"):
                if self._first_refusal(activity):
                    replies = self.runtime.unknown_workspace("teams_tenant", guid or "-")
                    await self._send(context, replies, activity.locale)
                await self._invoke_done(context, None)
            return
        if activity.type in ("conversationUpdate", "installationUpdate"):
            await self._installed(context, tenant_id)
        elif activity.type == "message" or (
            activity.type == "invoke" and activity.name == adapter.CARD_ACTION
        ):
            await self._turn(context, tenant_id)
        elif activity.type == "invoke":
            words = self.runtime.catalogs.for_locale(adapter.locale(activity))
            response = invokes.unsupported(activity.name, words)
            await context.send_activity(Activity(type="invokeResponse", value=response))

    def _first_refusal(self, activity: Activity) -> bool:
        """False for a retry of an activity already refused. Kept in memory: nothing is
        stored for a tenant no municipality has claimed."""
        event = adapter.event_id(activity)
        if event is None:
            return True
        now = time.monotonic()
        if self._refused.get(event, 0.0) > now:
            return False
        if len(self._refused) > _CACHE_MAX:
            self._refused.clear()
        self._refused[event] = now + _REFUSAL_TTL
        return True

    async def _tenant_of(self, guid: str) -> str | None:
        """The municipality of a Microsoft 365 tenant; remembered for a minute, so a busy
        tenant costs no lookup per message (a new link or unlink counts within a minute)."""
        cached = self._links.get(guid)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        tenant_id = await self.runtime.tenant_for_workspace("teams_tenant", guid)
        if len(self._links) > _CACHE_MAX:
            self._links.clear()
        self._links[guid] = (time.monotonic() + _LINK_TTL, tenant_id)
        return tenant_id

    # --- turns -----------------------------------------------------------------------------

    async def _turn(self, context: TurnContext, tenant_id: str) -> None:
        activity = context.activity
        await self._remember(activity, tenant_id)
        name, email = await self._identity(activity)
        turn = adapter.to_turn(activity, tenant_id, user_name=name, user_email=email)
        if turn is None:
            await self._invoke_done(context, None)
            return
        in_channel = adapter.conversation_type(activity) == "channel"
        which = channel_admin.channel_command(turn.text) if in_channel else None
        channel_id, _ = adapter.channel_of(activity)
        if which is not None and channel_id:
            replies = await channel_admin.choose_channel(self.runtime, turn, channel_id, which)
            await self._send(context, replies, turn.locale)
            return
        root = adapter.thread_root(str(activity.conversation.id))
        if root and in_channel and turn.text is not None:
            replies = await record_thread_reply(self.runtime, turn, root)
            if replies is not None:
                await self._send(context, replies, turn.locale)
                return
        replies = await self._own(turn)
        if replies is None:
            replies = await self.runtime.handle(turn)
        button = adapter.pressed(activity)
        if button is not None and adapter.conversation_type(activity) != "channel":
            await self._replace_pressed(context, button)
        else:
            # A channel post (a report's summary with the policy division's buttons) stays as
            # it is for everyone; pressing it twice is answered by the report itself.
            await self._invoke_done(context, None)
        await self._send(context, replies, turn.locale, tenant_id)

    async def _own(self, turn: Turn) -> list[Reply] | None:
        """What this channel answers itself (the channels form); None for the runtime."""
        if turn.action in (channel_admin.SAVE, channel_admin.CANCEL):
            return await channel_admin.save_channels(self.runtime, turn)
        if turn.text is not None and channel_admin.is_list_command(turn.text):
            return await channel_admin.channels_form(self.runtime, turn)
        return None

    async def _replace_pressed(self, context: TurnContext, button: adapter.Pressed) -> None:
        card = answered(button.question, button.label or button.action)
        if context.activity.type == "invoke":
            await self._invoke_done(context, card)
            return
        if button.card_activity_id:
            reply = Activity(
                type="message",
                attachments=[{"contentType": CARD_TYPE, "content": card}],
                conversation=context.activity.conversation,
            )
            try:
                await self.connector.update(
                    str(context.activity.service_url),
                    str(context.activity.conversation.id),
                    button.card_activity_id,
                    reply,
                )
            except Exception as error:  # the answer still goes out; only the old card stays
                log.info("could not replace a pressed card: %s", type(error).__name__)

    async def _invoke_done(self, context: TurnContext, card: dict[str, Any] | None) -> None:
        """The answer to an `adaptiveCard/action` invoke: the card that replaces the pressed
        one (Universal Actions refresh), or a plain acknowledgement."""
        if context.activity.type != "invoke":
            return
        if card is None:
            body: dict[str, Any] = {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "",
            }
        else:
            body = {"statusCode": 200, "type": CARD_TYPE, "value": card}
        await context.send_activity(
            Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
        )

    async def _send(
        self,
        context: TurnContext,
        replies: list[Reply],
        locale: str | None,
        tenant_id: str | None = None,
    ) -> None:
        if not replies:
            return
        words = self.runtime.catalogs.for_locale(locale if locale in ("ja", "en") else None)
        for index, reply in enumerate(replies):
            for payload in render(reply, words):
                activity = Activity.model_validate(payload)
                try:
                    await with_retry(lambda activity=activity: context.send_activity(activity))
                except RetryLater as throttled:
                    await self._later(context, tenant_id, replies[index:], throttled.seconds)
                    return

    async def _later(
        self, context: TurnContext, tenant_id: str | None, replies: list[Reply], seconds: float
    ) -> None:
        """Throttled for long: the rest of a personal chat's replies go to the outbox, to be
        sent once Teams accepts them again (nothing is lost)."""
        activity = context.activity
        if tenant_id is None or adapter.conversation_type(activity) != "personal":
            log.warning("Teams throttled a reply for %.0f s; it was not sent", seconds)
            return
        user = adapter.user_id(activity)
        not_before = utcnow() + timedelta(seconds=seconds)
        async with transaction(self.runtime.sessions) as session:
            for index, reply in enumerate(replies):
                await enqueue(
                    session,
                    tenant_id,
                    key=f"teams-reply:{adapter.event_id(activity)}:{index}",
                    channel=adapter.CHANNEL,
                    address=PersonAddress(user),
                    body=reply.to_dict(),
                    not_before=not_before,
                )
        log.info("Teams throttled replies for %.0f s; %d queued", seconds, len(replies))

    # --- identity and references -----------------------------------------------------------

    async def _identity(self, activity: Activity) -> tuple[str | None, str | None]:
        """Display name and e-mail (or UPN) from the member lookup, cached for a while."""
        sender = activity.from_property
        assert sender is not None
        key = (adapter.teams_tenant(activity) or "", str(sender.id))
        cached = self._members.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        member = await self.connector.member(
            str(activity.service_url), str(activity.conversation.id), str(sender.id)
        )
        name = (member.name if member else None) or sender.name
        email = (member.email or member.user_principal_name) if member else None
        if len(self._members) > _CACHE_MAX:
            self._members.clear()
        self._members[key] = (time.monotonic() + _MEMBER_TTL, name, email)
        return name, email

    async def _remember(self, activity: Activity, tenant_id: str, *, force: bool = False) -> None:
        """Keep where to reach this person (or channel) proactively; written when it changed.
        The fields are compared as plain values first: building the ORM row costs more than
        the rest of this channel's work on a turn, and it is nearly always unchanged."""
        references: list[dict[str, str]] = []
        service_url = str(activity.service_url or "")
        bot_id = str(activity.recipient.id) if activity.recipient else ""
        guid = adapter.teams_tenant(activity) or ""
        kind = adapter.conversation_type(activity)
        if kind == "personal" and activity.from_property is not None:
            references.append(
                {
                    "kind": "user",
                    "key": adapter.user_id(activity),
                    "conversation_id": str(activity.conversation.id)[:500],
                }
            )
        channel_id, channel_name = adapter.channel_of(activity)
        if kind == "channel" and channel_id:
            team_id, _ = adapter.team_of(activity)
            references.append(
                {
                    "kind": "channel",
                    "key": channel_id,
                    "conversation_id": channel_id,
                    "team_id": team_id,
                    "name": channel_name,
                }
            )
        fresh = []
        for fields in references:
            key = (tenant_id, fields["kind"], fields["key"])
            value = (service_url, fields["conversation_id"])
            if force or self._saved.get(key) != value:
                fresh.append((key, value, fields))
        if not fresh:
            return
        async with transaction(self.runtime.sessions) as session:
            for _, _, fields in fresh:
                reference = TeamsReference(
                    tenant_id=tenant_id,
                    service_url=service_url,
                    teams_tenant=guid,
                    bot_id=bot_id,
                    **fields,
                )
                await save_reference(session, reference)
        if len(self._saved) > _CACHE_MAX:
            self._saved.clear()
        for key, value, _ in fresh:
            self._saved[key] = value

    def _team_reference(self, activity: Activity, tenant_id: str) -> TeamsReference | None:
        """Where the team of a channel activity is: its service URL, tenant and bot."""
        team_id, _ = adapter.team_of(activity)
        if not team_id:
            return None
        return TeamsReference(
            tenant_id=tenant_id,
            kind="channel",
            key=team_id,
            service_url=str(activity.service_url or ""),
            conversation_id=team_id,
            teams_tenant=adapter.teams_tenant(activity) or "",
            bot_id=str(activity.recipient.id) if activity.recipient else "",
            team_id=team_id,
        )

    async def _installed(self, context: TurnContext, tenant_id: str) -> None:
        """Installed (or the bot added to a conversation): keep the references — in a team,
        every channel of it — and greet: a person with their home view, a group chat or a
        team with a short introduction."""
        activity = context.activity
        team = self._team_reference(activity, tenant_id)
        marked = await lifecycle.lifecycle_event(self.runtime, activity, tenant_id, team)
        if marked is not None:
            for reference in marked:  # seen there again later: written again, not skipped
                self._saved.pop((tenant_id, reference.kind, reference.key), None)
            return
        added = [m.id for m in (activity.members_added or ())]
        bot_added = activity.recipient is not None and activity.recipient.id in added
        installed = activity.type == "installationUpdate" and (activity.action or "") in (
            "add",
            "add-upgrade",
        )
        if not (bot_added or installed):
            return
        kind = adapter.conversation_type(activity)
        if kind == "channel" and team is not None:
            channel_id, _ = adapter.channel_of(activity)
            if not channel_id:  # the team's General channel has the team's id
                data = dict(activity.channel_data or {})
                data["channel"] = {"id": team.team_id, "name": ""}
                activity.channel_data = data
            await channel_admin.fetch_team_channels(self.runtime, context, team)
            async with transaction(self.runtime.sessions) as session:
                await restore_team(session, tenant_id, team.team_id, lifecycle.READDED)
        # Written even when this process thinks it unchanged: another replica may have
        # marked it removed when the app was taken out.
        await self._remember(activity, tenant_id, force=True)
        if activity.from_property is None or kind not in ("personal", "groupChat", "channel"):
            return
        # Installing sends an installationUpdate and a conversationUpdate (the bot added),
        # each maybe retried: whichever comes first greets, once a day per conversation.
        greeting = adapter.greeting_id(activity, self.runtime.today())
        async with transaction(self.runtime.sessions) as session:
            if not await claim_event(session, tenant_id, adapter.CHANNEL, greeting):
                return
        town = await self.runtime.town(tenant_id)
        words = self.runtime.catalogs.for_locale(adapter.locale(activity))
        if kind != "personal":  # everyone there reads it: no one's home view, only how to ask
            intro = Text(words.t("teams.shared_greeting", municipality=town.facts.name))
            await self._send(context, [intro], adapter.locale(activity))
            return
        home = await home_of(
            town,
            adapter.CHANNEL,
            adapter.user_id(activity),
            adapter.locale(activity),
            user_name=activity.from_property.name,
        )
        greeting = Text(words.t("help.text", municipality=town.facts.name))
        await self._send(context, [greeting, home], adapter.locale(activity))

"""The Slack channel: workspaces → municipalities, turns through the runtime, replies posted.

Every listener acknowledges at once and does its work in a task this object tracks (so a
graceful stop waits for it); the only exception is a modal's submission, whose answer
(close, or errors by field) must be the acknowledgement itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.authorization import AuthorizeResult

from bot.channels.slack import adapter
from bot.channels.slack.adapter import Workspace
from bot.channels.slack.installations import DatabaseInstallationStore
from bot.channels.slack.renderer import render_messages, render_modal
from bot.channels.slack.webapi import Profile, SlackWebApi
from bot.runtime import Runtime
from bot.settings import Settings
from dialogs.turn import Turn
from dialogs.ui import Choices, FormView, Reply, Text
from storage.db import read_transaction, transaction
from storage.slack import modal_submit_action, remember_modal
from storage.tenants import link, linked_tenant, links_of, list_tenants

log = logging.getLogger(__name__)
# Work after acknowledgements in progress at once (the rest waits in memory), and of those,
# turns inside the runtime at once: few, so that a burst's turns, which share the event loop,
# leave it free often enough for the next acknowledgement; the Web API calls around a turn
# (users.info, the replies) wait on Slack and are not counted among them.
_CONCURRENT_WORK = 64
_CONCURRENT_TURNS = 8
_LINK_SECONDS = 30.0


@dataclass(frozen=True)
class Place:
    """Where the answers to a turn go."""

    channel: str  # a DM (D…), a channel, or a user id (posting there opens the app's DM)
    user: str
    thread_ts: str | None = None
    # Set: answer privately through the interaction's response_url (slash commands, buttons
    # pressed in a shared channel).
    response_url: str | None = None
    trigger_id: str | None = None  # lets a form open as a modal
    # The pressed message (a DM): replaced by its question and the chosen answer.
    pressed_ts: str | None = None
    pressed_blocks: tuple[dict[str, Any], ...] = ()
    pressed_label: str = ""
    # A button pressed in a shared channel: answers are private (the response_url), and a
    # question or a form for this one person continues in their DM, where they can type.
    dm_for_questions: bool = False
    locale: str | None = None  # the person's, once known (labels the channel adds itself)
    # The workspace of the person who acted, where Slack names it (a Slack Connect channel
    # shared with another organisation, another workspace of an Enterprise Grid org).
    user_team: str | None = None


class SlackChannel:
    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.api = SlackWebApi(settings.slack_api_url, division_field=settings.slack_division_field)
        self.bot_token = settings.slack_bot_token
        self.installations = None if self.bot_token else DatabaseInstallationStore(runtime.sessions)
        self.tasks: set[asyncio.Task[None]] = set()
        # Work after the acknowledgement waits its turn here: a burst of events queues in
        # memory instead of opening a database transaction each.
        self.slots = asyncio.Semaphore(_CONCURRENT_WORK)
        self.turn_slots = asyncio.Semaphore(_CONCURRENT_TURNS)
        self._links: dict[tuple[str, str], tuple[float, str]] = {}
        self._sweeper: asyncio.Future[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.api.start()
        if self.bot_token:
            await self._link_single_workspace(self.bot_token)
        # Events acknowledged but not answered by a replica that died: run again.
        from bot.channels.slack.inbox import sweep_forever

        self._sweeper = asyncio.ensure_future(sweep_forever(self))

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=self.settings.shutdown_timeout)
        await self.api.close()

    async def _link_single_workspace(self, token: str) -> None:
        """One workspace and one municipality: they belong together, unless linked already."""
        try:
            identity = await self.api.identity(token)
        except Exception as error:  # Slack unreachable at start: turns still resolve later
            log.warning("auth.test failed at start: %s", type(error).__name__)
            return
        async with transaction(self.runtime.sessions) as session:
            tenants = await list_tenants(session)
            if len(tenants) != 1:
                return
            if await linked_tenant(session, "slack_team", identity.team_id) is None:
                await link(session, tenants[0].id, "slack_team", identity.team_id)
                log.info("linked Slack team %s to %s", identity.team_id, tenants[0].id)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Work after the acknowledgement; a failure is logged (ids only), never raised."""
        task = asyncio.ensure_future(self._guarded(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            async with self.slots:
                await work
        except Exception:
            log.exception("Slack work after the acknowledgement failed")

    # --- workspaces -----------------------------------------------------------------------

    async def authorize_single(self) -> AuthorizeResult:
        """bolt's authorization for the one workspace: our cached auth.test, so a burst of
        first events does not ask Slack once each."""
        assert self.bot_token is not None
        identity = await self.api.identity(self.bot_token)
        return AuthorizeResult(
            enterprise_id=identity.enterprise_id,
            team_id=identity.team_id,
            bot_user_id=identity.bot_user_id,
            bot_id=identity.bot_id,
            bot_token=self.bot_token,
        )

    async def token_for(self, workspace: Workspace) -> str | None:
        if self.bot_token:
            return self.bot_token
        assert self.installations is not None
        bot = await self.installations.async_find_bot(
            enterprise_id=workspace.enterprise_id,
            team_id=workspace.team_id,
            is_enterprise_install=workspace.is_enterprise_install,
        )
        return bot.bot_token if bot else None

    async def tenant_for(self, workspace: Workspace) -> str | None:
        """An Enterprise org's link wins over its workspace's: one org, one municipality."""
        if workspace.enterprise_id:
            found = await self._linked("slack_enterprise", workspace.enterprise_id)
            if found is not None:
                return found
        if not workspace.team_id:
            return None
        return await self._linked("slack_team", workspace.team_id)

    async def _linked(self, platform: str, external_id: str) -> str | None:
        """A workspace's municipality, remembered a little while: every event asks, and a
        link changes only by `aiguide tenants link` (seen here within `_LINK_SECONDS`). Only
        found links are remembered, so a workspace linked just now is served at once."""
        key = (platform, external_id)
        cached = self._links.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        async with read_transaction(self.runtime.sessions) as session:
            found = await linked_tenant(session, platform, external_id)
        if found is not None:
            self._links[key] = (now + _LINK_SECONDS, found)
        else:
            self._links.pop(key, None)
        return found

    async def team_token_of_tenant(self, tenant_id: str) -> tuple[str, str] | None:
        """The (team id, bot token) a municipality's messages are posted with."""
        if self.bot_token:
            identity = await self.api.identity(self.bot_token)
            return identity.team_id, self.bot_token
        async with read_transaction(self.runtime.sessions) as session:
            # Read inside: the snapshot's rows expire when it ends.
            links = [(f.platform, f.external_id) for f in await links_of(session, tenant_id)]
        for platform, external_id in links:
            if platform not in ("slack_team", "slack_enterprise"):
                continue
            enterprise = external_id if platform == "slack_enterprise" else None
            team = external_id if platform == "slack_team" else ""
            workspace = Workspace(team, enterprise, is_enterprise_install=not team)
            token = await self.token_for(workspace)
            if token:
                return team or (enterprise or ""), token
        return None

    # --- a turn ---------------------------------------------------------------------------

    async def run_turn(
        self,
        workspace: Workspace,
        place: Place,
        make_turn: Any,
        *,
        retry: bool = False,
    ) -> list[Reply] | None:
        """Resolve the municipality and the person, handle the turn, post the replies.
        `make_turn(tenant_id, profile)` builds the Turn. None when nothing was handled."""
        if not is_person(place.user):
            return None  # nobody to answer (Slack names who acted): not a turn
        token = await self.token_for(workspace)
        if token is None:
            log.warning("no Slack installation for team %s", workspace.team_id)
            return None
        try:
            tenant = await self.tenant_for(workspace)
        except Exception as error:
            # The database is unreachable (restarting, failing over): the event was already
            # acknowledged, so say so instead of leaving the person with silence.
            log.warning("no turn for Slack team %s: %s", workspace.team_id, type(error).__name__)
            sorry = self.runtime.catalogs.for_locale("ja").t("fallback.error")
            await self.send(token, place, [Text(sorry)])
            return None
        if tenant is None:
            if not retry:  # one refusal per event, not one per Slack retry
                replies = self.runtime.unknown_workspace("slack_team", workspace.team_id)
                await self.send(token, place, replies)
            return None
        staff, profile = await self.person(token, workspace, tenant, place.user, place.user_team)
        if not staff:
            if not retry:
                await self.send(token, place, [self.outsider_text()])
            return None
        if profile is not None and profile.is_bot:
            return None
        turn: Turn = make_turn(tenant, profile)
        replies = await self.handle(turn)
        await self.send(token, replace(place, locale=turn.locale), replies)
        return replies

    async def person(
        self, token: str, workspace: Workspace, tenant: str, user: str, user_team: str | None
    ) -> tuple[bool, Profile | None]:
        """Whether the person is the municipality's staff, and what the directory says of
        them. A payload's team of the person (events, presses) decides before anything is
        asked about them, except on Enterprise Grid, where a team not the workspace's may be
        the org's or a Slack Connect guest's. Without one (a slash command names only the
        workspace it was typed in, which guests share), users.info tells."""
        asks = not user_team or (user_team != workspace.team_id and bool(workspace.enterprise_id))
        profile = await self.profile(token, workspace, user) if asks else None
        if not await self.belongs(workspace, tenant, user_team, profile):
            return False, profile
        if not asks:
            profile = await self.profile(token, workspace, user)
        return True, profile

    async def belongs(
        self, workspace: Workspace, tenant: str, user_team: str | None, profile: Profile | None
    ) -> bool:
        """Someone from another organisation (a Slack Connect channel) or from a workspace
        of the org linked to another municipality is not its staff, whichever workspace's
        channel they wrote in. Nothing known of them: the workspace's own person."""
        if user_team and user_team == workspace.team_id:
            return True
        if profile is not None and not (profile.team_id or profile.enterprise_id):
            profile = None  # the directory names no team: as if it said nothing
        if user_team and (profile is None or not workspace.enterprise_id):
            return await self.tenant_for(Workspace(user_team, workspace.enterprise_id)) == tenant
        if profile is None:
            return True
        if profile.team_id == workspace.team_id:
            return True
        # Their home workspace; an org-level Grid user has the org's id there, and the
        # org's workspaces they are in stand for it.
        homes = [profile.team_id] if profile.team_id.startswith("T") else list(profile.teams)
        for home in homes or [""]:
            if await self.tenant_for(Workspace(home, profile.enterprise_id)) == tenant:
                return True
        return False

    def outsider_text(self) -> Text:
        return Text(self.runtime.catalogs.for_locale("ja").t("tenant.outsider"))

    async def handle(self, turn: Turn) -> list[Reply]:
        async with self.turn_slots:
            return await self.runtime.handle(turn)

    async def profile(self, token: str, workspace: Workspace, user: str) -> Profile | None:
        return await self.api.profile(token, workspace.team_id, user)

    # --- posting --------------------------------------------------------------------------

    async def send(self, token: str, place: Place, replies: Sequence[Reply]) -> None:
        """Forms open as a modal when there is a trigger to open one with; the rest are
        messages, privately through the response_url where the place says so."""
        if place.pressed_ts and replies:
            await self._replace_pressed(token, place)
        if place.dm_for_questions and any(_asks(r) for r in replies):
            place = Place(
                channel=place.user,
                user=place.user,
                trigger_id=place.trigger_id,
                locale=place.locale,
            )
        trigger = place.trigger_id
        for reply in replies:
            if isinstance(reply, FormView) and trigger:
                metadata = {
                    "submit": reply.submit.id,
                    "cancel": reply.cancel.id,
                    "channel": place.channel,
                }
                view = render_modal(reply, metadata, self.later_label(place.locale))
                opened = await self.api.call(token, "views.open", trigger_id=trigger, view=view)
                view_id = str((opened.get("view") or {}).get("id", ""))
                if view_id:
                    await self.remember_modal(view_id, reply.submit.id)
                trigger = None  # a trigger opens one view
                continue
            for message in render_messages([reply]):
                await self._post(token, place, message)

    async def _post(self, token: str, place: Place, message: Mapping[str, Any]) -> None:
        if place.response_url:
            await self._respond(place.response_url, {**message, "response_type": "ephemeral"})
            return
        await self.api.call(
            token,
            "chat.postMessage",
            channel=place.channel,
            thread_ts=place.thread_ts,
            text=message["text"],
            blocks=message["blocks"],
        )

    async def _respond(self, url: str, payload: Mapping[str, Any]) -> None:
        session = self.api.session
        assert session is not None
        async with session.post(url, json=dict(payload)) as response:
            if response.status >= 400:
                log.warning("response_url answered %s", response.status)

    async def _replace_pressed(self, token: str, place: Place) -> None:
        """The pressed question keeps its text and shows the chosen answer instead of its
        buttons, so they cannot be pressed twice."""
        kept = [b for b in place.pressed_blocks if b.get("type") not in ("actions", "input")]
        chosen = {
            "type": "context",
            "elements": [{"type": "plain_text", "text": f"✔ {place.pressed_label}"[:2000]}],
        }
        await self.api.call(
            token,
            "chat.update",
            channel=place.channel,
            ts=place.pressed_ts,
            text=place.pressed_label or " ",
            blocks=[*kept, chosen][:50],
        )

    async def remember_modal(self, view_id: str, submit_action: str) -> None:
        async with transaction(self.runtime.sessions) as session:
            await remember_modal(session, view_id[:64], submit_action[:300])

    async def modal_submit_action(self, view_id: str) -> str | None:
        async with read_transaction(self.runtime.sessions) as session:
            return await modal_submit_action(session, view_id[:64])

    def later_label(self, locale: str | None) -> str:
        """A modal's close button: closing it keeps what was typed (see listeners)."""
        return self.runtime.catalogs.for_locale(locale).t("form.button.later")


def _asks(reply: Reply) -> bool:
    """A reply the person answers (a question with buttons, a form)."""
    return isinstance(reply, Choices | FormView)


def is_person(user: str) -> bool:
    """A Slack user id (U…, or W… on Enterprise Grid): who a turn belongs to."""
    return bool(user) and user[0] in "UW" and user.isalnum()


def is_direct(channel_id: str) -> bool:
    return channel_id.startswith("D")


__all__ = ["Place", "SlackChannel", "adapter", "is_direct", "is_person"]

"""What the bot listens to in Slack, on slack-bolt's AsyncApp.

Names listened to here are the ones the manifest must declare (tests/…/test_manifest.py
compares them): `EVENTS`, `COMMANDS`, and interactivity for the actions and the modal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse

from bot.channels.slack import adapter, inbox, interactions
from bot.channels.slack.adapter import workspace_of
from bot.channels.slack.channel import Place, SlackChannel, is_direct, is_person
from bot.channels.slack.home import publish_home
from bot.channels.slack.installations import DatabaseStateStore
from bot.channels.slack.lifecycle import (
    CHANNEL_EVENTS,
    WORKSPACE_EVENTS,
    bot_removed,
    channel_gone,
    forget_installation,
    workspace_removed,
)
from bot.channels.slack.renderer import (
    BUTTON_PREFIX,
    FORM_CALLBACK,
    SELECT_PREFIX,
    modal_errors,
    render_modal,
)
from bot.channels.slack.threads import record_thread_reply
from dialogs.ui import FormView

log = logging.getLogger(__name__)

EVENTS = (
    "message.im",
    "app_mention",
    "app_home_opened",
    "message.channels",
    "message.groups",
    # The policy/CAIO channel going away, and the app leaving the workspace (lifecycle.py).
    *CHANNEL_EVENTS,
    *WORKSPACE_EVENTS,
)
COMMANDS = ("/aiguide",)
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
)
# Loggers that print request bodies below WARNING (bolt's, and the SDK's under it).
_BODY_LOGGERS = ("slack_bolt", "slack_sdk")
# A modal's answer must come within Slack's 3 seconds; past this, it closes and the answer
# goes to the person's DM.
_VIEW_ANSWER_SECONDS = 2.0


def build_bolt_app(channel: SlackChannel) -> AsyncApp:
    settings = channel.settings
    oauth = None
    if channel.installations is not None:
        oauth = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            redirect_uri=settings.slack_redirect_uri,
            installation_store=channel.installations,
            installation_store_bot_only=True,
            state_store=DatabaseStateStore(channel.runtime.sessions),
        )
    # bolt logs at DEBUG/INFO the bodies it skips or answers (a message's text among them),
    # and its loggers copy this one's level when the app is built: held at WARNING first.
    for name in _BODY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret or "",
        client=channel.api.client(channel.bot_token),
        oauth_settings=oauth,
        authorize=_single_workspace(channel) if channel.bot_token else None,
        installation_store_bot_only=True if oauth else None,
        request_verification_enabled=bool(settings.slack_signing_secret),
        # Every listener only hands its work to the channel (or, for a modal, waits for its
        # answer): running it before the response spares bolt a task and a 10 ms ack poll
        # per request, and the acknowledgement still leaves before the work.
        process_before_response=True,
        # What nothing here listens to (an event we do not use, a shortcut, an old modal)
        # reaches `refuse_unreadable` below and is acknowledged: Slack counts a 404 as a
        # failure (it retries events, shows the person an error, and in the end disables the
        # app's event subscriptions).
        raise_error_for_unhandled_request=True,
        logger=logging.getLogger("slack_bolt"),
    )
    # Uninstalled, or its token revoked: the stored installation goes (bolt's own listeners
    # would take these events before ours), and the policy contact is told (lifecycle.py).
    _listen(app, channel)

    @app.error
    async def refuse_unreadable(error: Exception, response: BoltResponse) -> None:
        body = getattr(error, "body", None)
        body = body if isinstance(body, dict) else {}
        # A payload of Slack's shape (an event, an interaction, a command) that no listener
        # takes is acknowledged; a body that is no such payload at all is refused.
        shaped = isinstance(body.get("type"), str) or isinstance(body.get("command"), str)
        if isinstance(error, BoltUnhandledRequestError) and shaped:
            event = body.get("event") if isinstance(body.get("event"), dict) else {}
            kind = f"{body.get('type')}/{event.get('type', '')}"[:80]
            log.info("acknowledged a Slack request nothing handles (%s)", kind)
            response.status = 200
            response.body = ""
            return
        # Reached only by a signed request (the signature is checked first) that bolt or a
        # listener cannot read, a field of the wrong type: refused, not a 500. The type only:
        # the request may hold what a person typed.
        log.warning("refused a Slack request that could not be read (%s)", type(error).__name__)
        response.status = 400
        response.body = '{"error": "malformed request"}'
        response.headers["content-type"] = ["application/json"]

    return app


def _single_workspace(channel: SlackChannel) -> Any:
    # bolt passes arguments by the names a function declares; a bound method's `self` clashes.
    async def authorize(enterprise_id: str | None, team_id: str | None) -> Any:
        return await channel.authorize_single()

    return authorize


def _listen(app: AsyncApp, channel: SlackChannel) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any], request: Any) -> None:
        if adapter.is_from_a_bot(event) or not _well_formed(event):
            return
        workspace = workspace_of(body)
        event_id = str(body.get("event_id", ""))
        retry = bool(request.headers.get("x-slack-retry-num"))
        if event.get("channel_type") == "im":
            # Awaited: the acknowledgement leaves only once the event is recorded.
            await inbox.accept(channel, inbox.envelope(body, None, retry))
        elif event.get("thread_ts") and event.get("thread_ts") != event.get("ts"):
            channel.spawn(record_thread_reply(channel, workspace, event, event_id))

    @app.event("app_mention")
    async def on_mention(
        body: dict[str, Any], event: dict[str, Any], context: Any, request: Any
    ) -> None:
        if adapter.is_from_a_bot(event) or not _well_formed(event):
            return
        retry = bool(request.headers.get("x-slack-retry-num"))
        bot_user = context.get("bot_user_id")
        await inbox.accept(channel, inbox.envelope(body, bot_user, retry))

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        channel.spawn(publish_home(channel, workspace_of(body), str(event.get("user", ""))))

    @app.event("channel_deleted")
    @app.event("channel_archive")
    @app.event("channel_left")
    @app.event("group_deleted")
    @app.event("group_archive")
    @app.event("group_left")
    async def on_channel_gone(body: dict[str, Any], event: dict[str, Any]) -> None:
        event_id = str(body.get("event_id", ""))
        channel.spawn(channel_gone(channel, workspace_of(body), event, event_id))

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    async def on_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not bot_removed(event):
            return
        workspace = workspace_of(body)
        # Awaited, as bolt's own listener does: the installation is gone once acknowledged.
        await forget_installation(channel, workspace)
        event_id = str(body.get("event_id", ""))
        channel.spawn(workspace_removed(channel, workspace, event, event_id))

    @app.command("/aiguide")
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        # Awaited like a message: recorded before the acknowledgement leaves, so a command
        # acknowledged just before a crash is run after the restart, not lost.
        await inbox.accept(channel, interactions.stored_command(body))

    @app.action(re.compile(f"^({re.escape(BUTTON_PREFIX)}|{re.escape(SELECT_PREFIX)})"))
    async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await inbox.accept(channel, interactions.stored_press(body, action))

    @app.view(FORM_CALLBACK)
    async def on_submission(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await _submitted(channel, ack, body, view)

    @app.view_closed(FORM_CALLBACK)
    async def on_closed(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Closing is "later", not "cancel": what was typed becomes the form's saved
        # progress, so resuming it (or opening the modal again) starts from there.
        await ack()
        channel.spawn(_closed(channel, body, view))


def _well_formed(event: dict[str, Any]) -> bool:
    """Slack always says who wrote, where, and the text as a string: an event without them
    (or with another type) is not a turn, whoever signed it."""
    return all(
        isinstance(event.get(key), str) and event[key] for key in ("user", "channel")
    ) and isinstance(event.get("text", ""), str)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _answer_channel(metadata: dict[str, Any], user: str) -> str:
    """Where a modal's answers go: the DM it was opened from, else the person's own DM (the
    user id). Never a shared channel: what a form answers is for this person only."""
    found = metadata.get("channel")
    return found if isinstance(found, str) and is_direct(found) else user


async def _closed(channel: SlackChannel, body: dict[str, Any], view: dict[str, Any]) -> None:
    metadata = _metadata(view)
    user = str((body.get("user") or {}).get("id", ""))
    view_id = str(view.get("id", ""))
    submit = await channel.modal_submit_action(view_id) or str(metadata.get("submit", ""))
    if not submit:
        return
    place = Place(channel=_answer_channel(metadata, user), user=user, user_team=_team_of(body))
    await channel.run_turn(
        workspace_of(body),
        place,
        lambda tenant, profile: adapter.view_turn(tenant, body, submit, profile, closed=True),
    )


def _team_of(body: dict[str, Any]) -> str | None:
    """The workspace of the person who sent or closed a modal, where Slack names it."""
    team = (body.get("user") or {}).get("team_id")
    return team if isinstance(team, str) and team else None


async def _submitted(
    channel: SlackChannel, ack: Any, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """The modal's answer is the acknowledgement: errors by field keep it open."""
    metadata = _metadata(view)
    user = str((body.get("user") or {}).get("id", ""))
    if not is_person(user):
        await ack()
        return
    place = Place(channel=_answer_channel(metadata, user), user=user)
    workspace = workspace_of(body)
    outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    acknowledged = False
    locale: str | None = None

    async def work() -> None:
        nonlocal acknowledged, locale
        token = await channel.token_for(workspace)
        tenant = await channel.tenant_for(workspace)
        if token is None or tenant is None:
            if not outcome.done():
                outcome.set_result(None)
            return
        staff, profile = await channel.person(token, workspace, tenant, user, _team_of(body))
        if not staff:  # another organisation's: the modal closes, nothing of it is kept
            if not outcome.done():
                outcome.set_result(None)
            await channel.send(token, place, [channel.outsider_text()])
            return
        view_id = str(view.get("id", ""))
        submit = await channel.modal_submit_action(view_id) or str(metadata.get("submit", ""))
        turn = adapter.view_turn(tenant, body, submit, profile)
        locale = turn.locale
        replies = await channel.handle(turn)
        form = next((r for r in replies if isinstance(r, FormView) and r.errors), None)
        if form is not None and view_id:
            # The form with its errors has a new submit button; the modal stays open.
            await channel.remember_modal(view_id, form.submit.id)
        if not acknowledged:
            outcome.set_result(form)
            if form is not None:
                return
            replies = [r for r in replies if not isinstance(r, FormView)]
        # Too late to keep the modal open: the errors go to the DM with the form in it.
        await channel.send(token, replace(place, locale=locale), replies)

    channel.spawn(work())
    try:
        form = await asyncio.wait_for(asyncio.shield(outcome), _VIEW_ANSWER_SECONDS)
    except TimeoutError:
        form = None
    acknowledged = True
    if isinstance(form, FormView):
        errors = modal_errors(form)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        view = render_modal(form, metadata, channel.later_label(locale))
        await ack(response_action="update", view=view)
        return
    await ack()

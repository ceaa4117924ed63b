"""App Home: where the person stands (pre-use confirmation, open reports) and quick actions.

Read-only: opening the tab changes no conversation and stores nothing. Published when the
person opens the tab, and again when something on it changes (an outbox item left by
bot.services.home_changes, delivered by `republish_home`).
"""

from __future__ import annotations

from typing import Any

from bot.channels.slack.adapter import CHANNEL, Workspace
from bot.channels.slack.renderer import Blocks, joined
from bot.services.pre_use import person_state
from dialogs.pre_use import status_card
from dialogs.turn import Turn
from dialogs.ui import Button, Choices, Fact, FactCard, Reply
from storage.admin import roles_of
from storage.db import transaction
from storage.people import get_person
from storage.reports import list_reports

QUICK_ACTIONS = ("pre_use", "entry_check", "risk_report", "my_status", "help")
_MAX_HOME_BLOCKS = 100


async def home_replies(channel: Any, tenant_id: str, user: str, locale: str | None) -> list[Reply]:
    runtime = channel.runtime
    async with transaction(runtime.sessions) as session:
        tenant = await runtime.tenants.get(session, tenant_id)
        if tenant is None:
            return []
        person = await get_person(session, tenant_id, CHANNEL, user)
        state = await person_state(session, tenant.facts, CHANNEL, user, runtime.today())
        granted = await roles_of(session, tenant_id, CHANNEL, user)
        reports = [
            r
            for r in await list_reports(session, tenant_id)
            if r.reporter_channel == CHANNEL and r.reporter_user == user and r.status != "closed"
        ]
    turn = Turn(tenant_id, CHANNEL, user, "home", locale=locale)
    ctx = runtime.context(turn, tenant.facts, person, (), state, granted)
    mine = FactCard(
        title=ctx.t("menu.item.risk_report"),
        facts=tuple(Fact(r.number, ctx.t(f"report.export.statuses.{r.status}")) for r in reports),
    )
    actions = Choices(
        ctx.t("slack.home.actions"),
        tuple(Button(f"menu:{key}", ctx.t(f"menu.item.{key}")) for key in QUICK_ACTIONS),
    )
    return [status_card(ctx), *([mine] if reports else []), actions]


def home_view(replies: list[Reply]) -> dict[str, Any]:
    blocks: Blocks = joined(replies)
    return {"type": "home", "blocks": blocks[:_MAX_HOME_BLOCKS]}


async def publish_home(channel: Any, workspace: Workspace, user: str) -> None:
    """The tab was opened."""
    from bot.channels.slack.channel import is_person

    if not is_person(user):
        return
    token = await channel.token_for(workspace)
    if token is None:
        return
    tenant_id = await channel.tenant_for(workspace)
    replies: list[Reply]
    if tenant_id is None:
        replies = channel.runtime.unknown_workspace("slack_team", workspace.team_id)
    else:
        # app_home_opened names no team of the person: the directory says whose they are.
        staff, profile = await channel.person(token, workspace, tenant_id, user, None)
        if staff:
            locale = profile.locale if profile else None
            replies = await home_replies(channel, tenant_id, user, locale)
        else:
            replies = [channel.outsider_text()]
    await channel.api.call(token, "views.publish", user_id=user, view=home_view(replies))


async def republish_home(channel: Any, team: str, token: str, tenant_id: str, user: str) -> str:
    """Something on the person's home changed: publish it anew, as it is now."""
    profile = await channel.profile(token, Workspace(team), user)
    replies = await home_replies(channel, tenant_id, user, profile.locale if profile else None)
    await channel.api.call(token, "views.publish", user_id=user, view=home_view(replies))
    return f"home:{user}"

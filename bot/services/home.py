"""A person's home view from storage, read-only (Slack's App Home, a Teams welcome card,
the local web chat's home panel). Nothing is written: not even the person is registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.pre_use import person_state
from dialogs.home import OpenReport, home_view
from dialogs.turn import Turn
from dialogs.ui import HomeView
from storage.admin import roles_of
from storage.db import transaction
from storage.models import RiskReport
from storage.people import get_person
from storage.reports import list_reports

if TYPE_CHECKING:
    from bot.town import Town


async def open_reports_of(
    session: AsyncSession, tenant_id: str, channel: str, user_id: str
) -> list[RiskReport]:
    reports = await list_reports(session, tenant_id)
    return [
        r
        for r in reports
        if r.reporter_channel == channel and r.reporter_user == user_id and r.status != "closed"
    ]


async def home_of(
    town: Town,
    channel: str,
    user_id: str,
    locale: str | None = None,
    user_name: str | None = None,
) -> HomeView:
    """What `user_id` on `channel` sees on their home, in their language; `user_name` is what
    the platform's directory calls them (used until they register a profile)."""
    runtime, tenant = town.runtime, town.tenant_id
    async with transaction(runtime.sessions) as session:
        person = await get_person(session, tenant, channel, user_id)
        state = await person_state(session, town.facts, channel, user_id, runtime.today())
        granted = await roles_of(session, tenant, channel, user_id)
        reports = await open_reports_of(session, tenant, channel, user_id)
    # The context is built as for a turn of this person, so the words and roles match.
    turn = Turn(
        tenant_id=tenant,
        channel=channel,
        user_id=user_id,
        conversation_id="home",
        locale=locale,
        user_name=user_name,
    )
    ctx = runtime.context(turn, town.facts, person, (), state, granted)
    return home_view(
        ctx,
        [
            OpenReport(
                number=r.number,
                status=r.status,
                category=ctx.t(f"forms.risk_report.categories.{r.detection.get('category')}")
                if r.detection.get("category")
                else "",
            )
            for r in reports
        ],
    )

"""Slack installations (the OAuth flow of a deployment serving several workspaces) and the
OAuth flow's one-time states, kept in the bot's own database so every replica sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UtcDateTime, utcnow
from storage.upsert import insert_if_absent


class SlackInstallation(SQLModel, table=True):
    """The bot of one workspace (or of one Enterprise org, for an org-wide install)."""

    __tablename__ = "slack_installation"

    # "" where Slack gives none: a workspace outside Enterprise Grid, or an org-wide install.
    enterprise_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(primary_key=True, max_length=32)
    is_enterprise_install: bool = False
    bot_token: str = Field(max_length=255)
    bot_id: str = Field(default="", max_length=32)
    bot_user_id: str = Field(default="", max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    installed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class SlackOAuthState(SQLModel, table=True):
    """A state parameter the install page handed out; consumed once by the redirect."""

    __tablename__ = "slack_oauth_state"

    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class SlackModal(SQLModel, table=True):
    """An open modal's current submit button: a submission with errors gets a new form
    (a new button id) that the modal's metadata, fixed when it opened, cannot carry."""

    __tablename__ = "slack_modal"

    view_id: str = Field(primary_key=True, max_length=64)
    submit_action: str = Field(max_length=300)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


async def remember_modal(session: AsyncSession, view_id: str, submit_action: str) -> None:
    row = await session.get(SlackModal, view_id)
    if row is None:
        row = SlackModal(view_id=view_id, submit_action=submit_action)
    row.submit_action = submit_action
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def modal_submit_action(session: AsyncSession, view_id: str) -> str | None:
    row = await session.get(SlackModal, view_id)
    return row.submit_action if row else None


def _key(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    return (enterprise_id or "", team_id or "")


async def save_installation(
    session: AsyncSession,
    *,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool,
    bot_token: str,
    bot_id: str,
    bot_user_id: str,
    data: dict[str, Any],
) -> None:
    """A new install replaces the workspace's previous one (a reinstall gives a new token)."""
    row = await session.get(SlackInstallation, _key(enterprise_id, team_id))
    if row is None:
        row = SlackInstallation(
            enterprise_id=enterprise_id or "", team_id=team_id or "", bot_token=bot_token
        )
    row.is_enterprise_install = is_enterprise_install
    row.bot_token = bot_token
    row.bot_id = bot_id
    row.bot_user_id = bot_user_id
    row.data = data
    row.installed_at = utcnow()
    session.add(row)
    await session.flush()


async def find_installation(
    session: AsyncSession,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool = False,
) -> SlackInstallation | None:
    """The workspace's install; for an org-wide install, the org's (team id "")."""
    if is_enterprise_install or not team_id:
        return await session.get(SlackInstallation, _key(enterprise_id, None))
    found = await session.get(SlackInstallation, _key(enterprise_id, team_id))
    if found is None and enterprise_id:
        found = await session.get(SlackInstallation, _key(enterprise_id, None))
    return found


async def delete_installation(
    session: AsyncSession, enterprise_id: str | None, team_id: str | None
) -> None:
    enterprise, team = _key(enterprise_id, team_id)
    statement = delete(SlackInstallation).where(
        col(SlackInstallation.enterprise_id) == enterprise,
        col(SlackInstallation.team_id) == team,
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def installed_teams(session: AsyncSession) -> list[SlackInstallation]:
    statement = select(SlackInstallation).order_by(col(SlackInstallation.team_id))
    return list((await session.exec(statement)).all())


async def issue_state(session: AsyncSession, state: str, lifetime: timedelta) -> None:
    await insert_if_absent(session, SlackOAuthState, state=state, expires_at=utcnow() + lifetime)


async def consume_state(session: AsyncSession, state: str) -> bool:
    """True once per state that was issued and has not expired."""
    row = await session.get(SlackOAuthState, state)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return row.expires_at > utcnow()


async def thread_key_at(session: AsyncSession, tenant_id: str, ref: str) -> str | None:
    """Which thread (e.g. "report:12:policy") was posted at this Slack ts."""
    from storage.models import ThreadRef

    statement = select(ThreadRef.thread_key).where(
        col(ThreadRef.tenant_id) == tenant_id,
        col(ThreadRef.channel) == "slack",
        col(ThreadRef.ref) == ref,
    )
    return (await session.exec(statement)).first()

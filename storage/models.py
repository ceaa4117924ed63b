"""SQLModel tables. Every table carries the tenant: the municipality a row belongs to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class Tenant(SQLModel, table=True):
    """A municipality; a Slack workspace or a Teams tenant maps onto one."""

    __tablename__ = "tenant"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = _timestamp()


class Person(SQLModel, table=True):
    """A person as known on one channel: profile and display language."""

    __tablename__ = "person"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=128)
    display_name: str = Field(default="", max_length=200)
    division: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200)
    locale: str | None = Field(default=None, max_length=8)
    updated_at: datetime = _timestamp()


class ConversationState(SQLModel, table=True):
    """A conversation's state. `version` grows with every save: a writer that read an older
    version is refused, so two replicas cannot overwrite each other's step silently."""

    __tablename__ = "conversation_state"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=128)
    conversation_id: str = Field(primary_key=True, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)
    updated_at: datetime = _timestamp()


class ProcessedEvent(SQLModel, table=True):
    """Event ids already handled: a retried delivery of the same event is answered once."""

    __tablename__ = "processed_event"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=200)
    created_at: datetime = _timestamp()


class ChannelPost(SQLModel, table=True):
    """A message in a shared channel of the local channel (policy division, CAIO).

    A post with `thread_id` is a reply inside the thread started by that post.
    """

    __tablename__ = "channel_post"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    channel_key: str = Field(max_length=32)
    thread_id: int | None = Field(default=None, foreign_key="channel_post.id")
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _timestamp()

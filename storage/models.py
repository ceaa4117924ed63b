"""SQLModel tables. Every table carries the tenant: the municipality a row belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Times stored in UTC and read back in UTC on every database.

    SQLite keeps no time zone: an aware JST value would be stored as its local clock time and
    compared as if it were UTC, nine hours off. Converting on the way in (and marking UTC on
    the way out) makes every comparison, e.g. "reminders due now", right on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class Tenant(SQLModel, table=True):
    """A municipality: its settings (what its TOML file holds) live here, so replicas share
    them and a change needs no restart. `revision` grows with every change of its settings or
    its 別表, so each replica's cache of its facts notices the change on the next turn."""

    __tablename__ = "tenant"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    revision: int = 1
    created_at: datetime = _timestamp()
    updated_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class TenantLink(SQLModel, table=True):
    """A Slack workspace (`slack_team`), an Enterprise Grid org (`slack_enterprise`) or a
    Microsoft 365 tenant (`teams_tenant`) that belongs to a municipality; at most one each."""

    __tablename__ = "tenant_link"

    platform: str = Field(primary_key=True, max_length=32)
    external_id: str = Field(primary_key=True, max_length=128)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
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
    # One member of staff on several channels is one person for training and confirmations:
    # the e-mail address (from the platform's directory or the profile) ties the accounts.
    email: str = Field(default="", max_length=254)
    staff_number: str = Field(default="", max_length=64)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = _timestamp()  # first seen: pre-use reminders count from here
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


class AISystem(SQLModel, table=True):
    """One row of the 別表: a designated generative-AI system and what may go into it (§2).

    Lists (aliases, divisions, purposes) are JSON; dates of the provider confirmations of the
    guideline's closing note are kept because class 2 or higher is allowed only with both.
    """

    __tablename__ = "ai_system"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    service_type: str = Field(max_length=32)  # public_terms | contracted | on_premises
    owner_division: str = Field(max_length=200)
    owner_contact: str = Field(default="", max_length=200)
    users_all_staff: bool = True
    user_divisions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    users_note: str = Field(default="", max_length=500)
    purposes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    prohibited_purposes: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    max_class: str = Field(max_length=8)
    personal_info: bool = False
    personal_info_condition: str = Field(default="", max_length=500)
    server_location: str = Field(default="domestic", max_length=16)  # domestic | abroad
    ml_exclusion_confirmed_on: date | None = None
    no_audit_confirmed_on: date | None = None
    cloud_permission_on: date | None = None  # security policy 8.4, for public_terms
    status: str = Field(default="designated", max_length=16)  # designated | suspended
    manual_url: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=2000)
    updated_at: datetime = _timestamp()


class GuidelineVersion(SQLModel, table=True):
    """A published version of the guideline (§5). `seq` orders them; a major version makes
    every earlier confirmation stale, a minor (formal) one does not."""

    __tablename__ = "guideline_version"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    version: str = Field(max_length=32)
    kind: str = Field(max_length=8)  # major | minor
    approver: str = Field(max_length=200)
    approver_role: str = Field(max_length=32)  # caio | policy_head
    effective_on: date
    summary: str = Field(default="", max_length=2000)
    published_by: str = Field(default="", max_length=128)
    published_at: datetime = _timestamp()


class TrainingRecord(SQLModel, table=True):
    """The policy division's roster: who completed the designated training, and when."""

    __tablename__ = "training_record"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    person: str = Field(primary_key=True, max_length=128)  # staff number (or chat user id)
    email: str = Field(default="", max_length=254)
    name: str = Field(max_length=200)
    division: str = Field(max_length=200)
    completed_on: date
    imported_at: datetime = _timestamp()


class Confirmation(SQLModel, table=True):
    """A person's pre-use confirmations (§3(1)1) for one guideline version."""

    __tablename__ = "confirmation"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=128)
    guideline_seq: int = Field(primary_key=True)
    training_completed_on: date | None = None  # self-declared (or from the roster)
    items: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confirmed_at: datetime = _timestamp()


class Reminder(SQLModel, table=True):
    """Something to tell a person at a due time; the scheduler only ticks and sends what is
    due. `key` makes each reminder unique, so planning it twice plans it once."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_reminder_tenant_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    key: str = Field(max_length=200)
    channel: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    kind: str = Field(max_length=32)
    due_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A message to deliver (to a person or a shared channel), written in the same transaction
    as the change it tells of, and delivered — retried with backoff — until it is sent.
    `key` is the idempotency key: one event, one message."""

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_outbox_message_tenant_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    key: str = Field(max_length=200)
    channel: str = Field(max_length=32)  # where the recipient lives: local, slack, teams
    target: str = Field(max_length=200)  # "user:<id>" or a shared channel ("policy", "caio")
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    broadcast_id: int | None = Field(default=None, index=True)
    # Threads: the message that starts a thread records where it landed (ThreadRef); a reply
    # waits (is retried) until its thread exists, so it never becomes a top-level message.
    thread_key: str | None = Field(default=None, max_length=200)
    opens_thread: bool = False
    attempts: int = 0
    next_attempt_at: datetime = _timestamp()
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _timestamp()


class Broadcast(SQLModel, table=True):
    """A message to many (a new guideline version): its progress, reported to who started it."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    kind: str = Field(max_length=32)
    started_by_channel: str = Field(max_length=32)
    started_by: str = Field(max_length=128)
    total: int = 0
    reported: int = 0  # how many sent when progress was last reported
    created_at: datetime = _timestamp()
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class ThreadRef(SQLModel, table=True):
    """Where a thread lives on a channel (a post id, a Slack ts, a Teams activity id), so every
    later event of, say, a report is posted as a reply in the same thread."""

    __tablename__ = "thread_ref"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    thread_key: str = Field(primary_key=True, max_length=200)
    channel: str = Field(max_length=32)
    ref: str = Field(max_length=200)
    created_at: datetime = _timestamp()


class ReportCounter(SQLModel, table=True):
    """The last report number given per municipality and fiscal year (April to March)."""

    __tablename__ = "report_counter"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    fiscal_year: int = Field(primary_key=True)
    last: int = 0


class RiskReport(SQLModel, table=True):
    """A generative-AI risk case (§4, 別紙1): detection (ア), handling (イ), result (ウ)."""

    __tablename__ = "risk_report"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    number: str = Field(max_length=32)  # RC-2026-0007, unique per tenant
    reporter_channel: str = Field(max_length=32)
    reporter_user: str = Field(max_length=128)
    status: str = Field(default="open", max_length=16)  # open | acknowledged | closed
    serious: bool = False
    serious_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    security_incident: bool = False
    # The reporter's part of 別紙1 and the later stages, as answered.
    detection: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    handling: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    caio_notified_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class ReportEvent(SQLModel, table=True):
    """The report's timeline: every filing, action, update and reminder, with who and when."""

    __tablename__ = "report_event"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    report_id: int = Field(foreign_key="risk_report.id", index=True)
    kind: str = Field(max_length=32)
    actor: str = Field(default="", max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _timestamp()


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, where, from what to what — appended, never changed or deleted
    (the storage module has no function that would). Refused attempts are recorded too."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    at: datetime = _timestamp()
    channel: str = Field(max_length=32)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=200)
    outcome: str = Field(default="done", max_length=16)  # done | refused
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RoleGrant(SQLModel, table=True):
    """Roles given in chat (`admin add @user`), beyond the bootstrap admins of the settings."""

    __tablename__ = "role_grant"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=128)
    role: str = Field(primary_key=True, max_length=16)
    granted_by: str = Field(default="", max_length=128)
    granted_at: datetime = _timestamp()


class EntryCheckLog(SQLModel, table=True):
    """Who asked about which system, when (no content): people to tell when it is suspended."""

    __tablename__ = "entry_check_log"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    channel: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    system_id: str = Field(max_length=64)
    at: datetime = _timestamp()


class DesignationRequest(SQLModel, table=True):
    """A division's application to designate a new system (§2), with the provider's answers."""

    __tablename__ = "designation_request"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    applicant_channel: str = Field(max_length=32)
    applicant: str = Field(max_length=128)
    status: str = Field(default="pending", max_length=16)  # pending | approved | rejected
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

"""Pre-use confirmations, training roster, guideline versions, reminders, outbox, broadcasts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _tenant(primary_key: bool = True) -> sa.Column:
    return sa.Column(
        "tenant_id",
        sa.String(64),
        sa.ForeignKey("tenant.id"),
        primary_key=primary_key,
        nullable=False,
    )


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # SQLite cannot ALTER TABLE ADD COLUMN with a non-constant default: copy the table there.
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("person", recreate=recreate) as person:
        person.add_column(
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )
    op.create_table(
        "guideline_version",
        _tenant(),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("approver_role", sa.String(32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(2000), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=False),
        _at("published_at"),
    )
    op.create_table(
        "training_record",
        _tenant(),
        sa.Column("person", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("division", sa.String(200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        _at("imported_at"),
    )
    op.create_table(
        "confirmation",
        _tenant(),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("guideline_seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("training_completed_on", sa.Date(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        _at("confirmed_at"),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(primary_key=False),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _at("due_at"),
        _at("sent_at", nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_reminder_tenant_id", "reminder", ["tenant_id"])
    op.create_index("ix_reminder_due", "reminder", ["sent_at", "due_at"])
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(primary_key=False),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("sent_at", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_outbox_message_tenant_id", "outbox_message", ["tenant_id"])
    op.create_index("ix_outbox_message_broadcast_id", "outbox_message", ["broadcast_id"])
    op.create_index("ix_outbox_pending", "outbox_message", ["sent_at", "next_attempt_at"])
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(primary_key=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started_by_channel", sa.String(32), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("finished_at", nullable=True),
    )
    op.create_index("ix_broadcast_tenant_id", "broadcast", ["tenant_id"])


def downgrade() -> None:
    for table in (
        "broadcast",
        "outbox_message",
        "reminder",
        "confirmation",
        "training_record",
        "guideline_version",
    ):
        op.drop_table(table)
    with op.batch_alter_table("person") as person:
        person.drop_column("created_at")

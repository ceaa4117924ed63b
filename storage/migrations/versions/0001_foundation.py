"""Foundation: tenants, people, conversation state, processed events, local channel posts.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        _timestamp("created_at"),
    )
    op.create_table(
        "person",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("division", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(8), nullable=True),
        _timestamp("updated_at"),
    )
    op.create_table(
        "conversation_state",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("conversation_id", sa.String(200), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("updated_at"),
    )
    op.create_table(
        "processed_event",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        _timestamp("created_at"),
    )
    op.create_table(
        "channel_post",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("channel_key", sa.String(32), nullable=False),
        sa.Column("thread_id", sa.Integer(), sa.ForeignKey("channel_post.id"), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_channel_post_tenant_id", "channel_post", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_post_tenant_id", table_name="channel_post")
    for table in ("channel_post", "processed_event", "conversation_state", "person", "tenant"):
        op.drop_table(table)

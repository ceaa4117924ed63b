"""Slack inbox: events recorded before their acknowledgement, deleted once answered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_inbox",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_inbox_tenant_id", "slack_inbox", ["tenant_id"])
    op.create_index("ix_slack_inbox_lease_until", "slack_inbox", ["lease_until"])


def downgrade() -> None:
    op.drop_table("slack_inbox")

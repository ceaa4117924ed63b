"""Teams conversation references (people's personal chats, channels of installed teams).

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_reference",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("service_url", sa.String(500), nullable=False),
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("teams_tenant", sa.String(64), nullable=False, server_default=""),
        sa.Column("bot_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("team_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("teams_reference")

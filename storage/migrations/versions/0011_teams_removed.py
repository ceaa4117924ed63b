"""Teams references the bot can no longer post to (a channel deleted, a team archived, the app
removed): marked, not forgotten, so a post there is dead-lettered at once and adding the app
again restores them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams_reference") as table:
        table.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("removed_why", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("teams_reference") as table:
        table.drop_column("removed_why")
        table.drop_column("removed_at")

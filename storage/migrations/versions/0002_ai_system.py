"""The 別表: designated generative-AI systems.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_system",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("service_type", sa.String(32), nullable=False),
        sa.Column("owner_division", sa.String(200), nullable=False),
        sa.Column("owner_contact", sa.String(200), nullable=False),
        sa.Column("users_all_staff", sa.Boolean(), nullable=False),
        sa.Column("user_divisions", sa.JSON(), nullable=False),
        sa.Column("users_note", sa.String(500), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("prohibited_purposes", sa.JSON(), nullable=False),
        sa.Column("max_class", sa.String(8), nullable=False),
        sa.Column("personal_info", sa.Boolean(), nullable=False),
        sa.Column("personal_info_condition", sa.String(500), nullable=False),
        sa.Column("server_location", sa.String(16), nullable=False),
        sa.Column("ml_exclusion_confirmed_on", sa.Date(), nullable=True),
        sa.Column("no_audit_confirmed_on", sa.Date(), nullable=True),
        sa.Column("cloud_permission_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("manual_url", sa.String(500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ai_system")

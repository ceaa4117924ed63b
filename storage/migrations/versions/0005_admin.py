"""Admin: audit log, role grants, entry-check log, designation requests; system description.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _tenant(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=primary_key
    )


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("ai_system", recreate=recreate) as systems:
        systems.add_column(
            sa.Column("description", sa.String(2000), nullable=False, server_default="")
        )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(),
        _at("at"),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_tenant_id", "audit_log", ["tenant_id"])
    op.create_table(
        "role_grant",
        _tenant(primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("granted_by", sa.String(128), nullable=False),
        _at("granted_at"),
    )
    op.create_table(
        "entry_check_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        _at("at"),
    )
    op.create_index("ix_entry_check_log_tenant_id", "entry_check_log", ["tenant_id"])
    op.create_table(
        "designation_request",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("applicant_channel", sa.String(32), nullable=False),
        sa.Column("applicant", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_designation_request_tenant_id", "designation_request", ["tenant_id"])


def downgrade() -> None:
    for table in ("designation_request", "entry_check_log", "role_grant", "audit_log"):
        op.drop_table(table)
    with op.batch_alter_table("ai_system") as systems:
        systems.drop_column("description")

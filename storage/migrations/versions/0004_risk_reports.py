"""Risk-case reports (§4), their timeline and numbering; threads for the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _tenant(primary_key: bool = True) -> sa.Column:
    return sa.Column(
        "tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=primary_key
    )


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("outbox_message", recreate=recreate) as outbox:
        outbox.add_column(sa.Column("thread_key", sa.String(200), nullable=True))
        outbox.add_column(
            sa.Column("opens_thread", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "thread_ref",
        _tenant(),
        sa.Column("thread_key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "report_counter",
        _tenant(),
        sa.Column("fiscal_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "risk_report",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _tenant(primary_key=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("reporter_channel", sa.String(32), nullable=False),
        sa.Column("reporter_user", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("serious_reasons", sa.JSON(), nullable=False),
        sa.Column("security_incident", sa.Boolean(), nullable=False),
        sa.Column("detection", sa.JSON(), nullable=False),
        sa.Column("handling", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        _at("caio_notified_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_risk_report_number"),
    )
    op.create_index("ix_risk_report_tenant_id", "risk_report", ["tenant_id"])
    op.create_table(
        "report_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("risk_report.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_report_event_report_id", "report_event", ["report_id"])


def downgrade() -> None:
    for table in ("report_event", "risk_report", "report_counter", "thread_ref"):
        op.drop_table(table)
    with op.batch_alter_table("outbox_message") as outbox:
        outbox.drop_column("opens_thread")
        outbox.drop_column("thread_key")

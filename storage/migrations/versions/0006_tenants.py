"""Tenants first-class: settings in the database, workspace links, staff identity by e-mail,
and keys unique per municipality (not across the deployment).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# SQLite keeps the inline UNIQUE of 0003 unnamed; a naming convention lets batch mode find it.
_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    recreate = "always" if sqlite else "auto"
    with op.batch_alter_table("tenant", recreate=recreate) as tenant:
        tenant.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))
        tenant.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        tenant.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "tenant_link",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("external_id", sa.String(128), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tenant_link_tenant_id", "tenant_link", ["tenant_id"])
    with op.batch_alter_table("person", recreate=recreate) as person:
        person.add_column(sa.Column("email", sa.String(254), nullable=False, server_default=""))
        person.add_column(
            sa.Column("staff_number", sa.String(64), nullable=False, server_default="")
        )
    op.create_index("ix_person_email", "person", ["tenant_id", "email"])
    with op.batch_alter_table("training_record", recreate=recreate) as record:
        record.add_column(sa.Column("email", sa.String(254), nullable=False, server_default=""))
    for table in ("reminder", "outbox_message"):
        with op.batch_alter_table(table, recreate=recreate, naming_convention=_CONVENTION) as batch:
            batch.drop_constraint(
                f"uq_{table}_key" if sqlite else f"{table}_key_key", type_="unique"
            )
            batch.create_unique_constraint(f"uq_{table}_tenant_key", ["tenant_id", "key"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    recreate = "always" if sqlite else "auto"
    for table in ("reminder", "outbox_message"):
        with op.batch_alter_table(table, recreate=recreate) as batch:
            batch.drop_constraint(f"uq_{table}_tenant_key", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_key", ["key"])
    with op.batch_alter_table("training_record", recreate=recreate) as record:
        record.drop_column("email")
    op.drop_index("ix_person_email", "person")
    with op.batch_alter_table("person", recreate=recreate) as person:
        person.drop_column("staff_number")
        person.drop_column("email")
    op.drop_index("ix_tenant_link_tenant_id", "tenant_link")
    op.drop_table("tenant_link")
    with op.batch_alter_table("tenant", recreate=recreate) as tenant:
        tenant.drop_column("updated_at")
        tenant.drop_column("revision")
        tenant.drop_column("settings")

"""Outbox: leases, priority, dead messages, the platform's reference; addresses that fit.

A delivery now claims a message by a lease and calls the platform outside any transaction;
`priority` lets a serious case pass a broadcast; `dead_at` ends retrying. `channel_post.
channel_key` and `outbox_message.target` grow to hold "mail:" and a whole e-mail address
(VARCHAR(32) refused `mail:caio@city.sakura.example.lg.jp` on PostgreSQL), and mail targets
get the "mail:" prefix every other address kind already has.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_PENDING = "sent_at IS NULL AND dead_at IS NULL"


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("outbox_message", recreate=recreate) as outbox:
        outbox.alter_column("target", type_=sa.String(300), existing_nullable=False)
        outbox.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="10"))
        outbox.add_column(_at("leased_until"))
        outbox.add_column(sa.Column("lease", sa.String(32), nullable=True))
        outbox.add_column(sa.Column("sent_ref", sa.String(200), nullable=False, server_default=""))
        outbox.add_column(_at("failed_at"))
        outbox.add_column(_at("dead_at"))
    with op.batch_alter_table("channel_post", recreate=recreate) as posts:
        posts.alter_column("channel_key", type_=sa.String(300), existing_nullable=False)
    op.execute(
        "UPDATE outbox_message SET target = 'mail:' || target "
        "WHERE channel = 'email' AND target NOT LIKE 'mail:%'"
    )
    op.create_index(
        "ix_outbox_message_pending",
        "outbox_message",
        ["channel", "tenant_id", "priority", "id"],
        postgresql_where=sa.text(_PENDING),
        sqlite_where=sa.text(_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_pending", table_name="outbox_message")
    op.execute(
        "UPDATE outbox_message SET target = substr(target, 6) "
        "WHERE channel = 'email' AND target LIKE 'mail:%'"
    )
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("channel_post", recreate=recreate) as posts:
        posts.alter_column("channel_key", type_=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("outbox_message", recreate=recreate) as outbox:
        for column in ("dead_at", "failed_at", "sent_ref", "lease", "leased_until", "priority"):
            outbox.drop_column(column)
        outbox.alter_column("target", type_=sa.String(200), existing_nullable=False)

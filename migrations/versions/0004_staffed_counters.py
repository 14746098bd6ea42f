"""staffed counters, no dead-end tickets, service start rule

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_issuing_without_counter",
                sa.Boolean(),
                server_default=sa.text("false"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "service_starts_at",
                sa.String(length=8),
                server_default=sa.text("'call'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "terminal_grace_minutes", sa.Integer(), server_default=sa.text("3"), nullable=False
            )
        )
    with op.batch_alter_table("counters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terminal_seen_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_timed_from", sa.String(length=8), nullable=True))
    # Services already finished were timed from Start, or from a Start set at
    # the finish (0 s): the latter keep no service time rather than a false one.
    op.execute(
        "UPDATE tickets SET service_timed_from = 'start' "
        "WHERE started_at IS NOT NULL AND finished_at IS NOT NULL AND started_at < finished_at"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("service_timed_from")
    with op.batch_alter_table("counters", schema=None) as batch_op:
        batch_op.drop_column("terminal_seen_at")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("terminal_grace_minutes")
        batch_op.drop_column("service_starts_at")
        batch_op.drop_column("is_issuing_without_counter")

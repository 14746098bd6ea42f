"""ticket holder's token

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 17:00:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_token", sa.String(length=32), nullable=True))
    # Every ticket gets a secret of its own; the legs of one visit share the
    # first leg's (a leg's parent always has a smaller id).
    connection = op.get_bind()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("parent_id", sa.Integer),
        sa.column("access_token", sa.String),
    )
    tokens: dict[int, str] = {}
    rows = connection.execute(sa.select(tickets.c.id, tickets.c.parent_id).order_by(tickets.c.id))
    for ticket_id, parent_id in rows.all():
        tokens[ticket_id] = tokens.get(parent_id) or secrets.token_urlsafe(16)
    if tokens:
        connection.execute(
            tickets.update()
            .where(tickets.c.id == sa.bindparam("ticket_id"))
            .values(access_token=sa.bindparam("token")),
            [{"ticket_id": key, "token": value} for key, value in tokens.items()],
        )
    op.create_index("ix_tickets_access_token", "tickets", ["access_token"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_access_token", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("access_token")

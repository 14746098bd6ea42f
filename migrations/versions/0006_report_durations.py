"""durations kept on each leg, closed days packed for the reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:00:00.000000
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DURATIONS = ("wait_ms", "walk_ms", "service_ms", "total_ms")
BATCH = 5000
MILLISECOND = timedelta(milliseconds=1)


def _ms(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    # Whole milliseconds, rounded down (as ``timedelta // timedelta`` does).
    return (end - start) // MILLISECOND


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in DURATIONS:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), nullable=True))
    op.create_table(
        "report_days",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("built_from", sa.Integer(), nullable=False),
        sa.Column("layout", sa.Integer(), nullable=False),
        sa.Column("targets", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("legs", sa.LargeBinary(), nullable=False),
        sa.Column("leg_count", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("served", sa.Integer(), nullable=False),
        sa.Column("no_show", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Integer(), nullable=False),
        sa.Column("low_scores", sa.Integer(), nullable=False),
        sa.Column("wait_count", sa.Integer(), nullable=False),
        sa.Column("wait_sum_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"]),
        sa.PrimaryKeyConstraint("office_id", "service_day"),
    )
    op.create_table(
        "report_day_changes",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"]),
        sa.PrimaryKeyConstraint("office_id", "service_day"),
    )
    _backfill()


def _backfill() -> None:
    """Work out the durations of the legs already recorded, as the
    application does for every leg from now on."""
    connection = op.get_bind()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("is_time_accurate", sa.Boolean),
        sa.column("issued_at", sa.DateTime),
        sa.column("first_called_at", sa.DateTime),
        sa.column("started_at", sa.DateTime),
        sa.column("finished_at", sa.DateTime),
        sa.column("no_show_at", sa.DateTime),
        sa.column("cancelled_at", sa.DateTime),
        *(sa.column(name, sa.BigInteger) for name in DURATIONS),
    )
    update = (
        tickets.update()
        .where(tickets.c.id == sa.bindparam("leg"))
        .values({name: sa.bindparam(f"new_{name}") for name in DURATIONS})
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(
                tickets.c.id,
                tickets.c.state,
                tickets.c.is_time_accurate,
                tickets.c.issued_at,
                tickets.c.first_called_at,
                tickets.c.started_at,
                tickets.c.finished_at,
                tickets.c.no_show_at,
                tickets.c.cancelled_at,
            )
            .where(tickets.c.id > last, tickets.c.is_time_accurate.is_(True))
            .order_by(tickets.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            end = {
                "done": row.finished_at,
                "transferred": row.finished_at,
                "no_show": row.no_show_at,
                "cancelled": row.cancelled_at,
            }.get(row.state)
            served = row.state in ("done", "transferred")
            values.append(
                {
                    "leg": row.id,
                    "new_wait_ms": _ms(row.issued_at, row.first_called_at),
                    "new_walk_ms": _ms(row.first_called_at, row.started_at),
                    "new_service_ms": _ms(row.started_at, row.finished_at) if served else None,
                    "new_total_ms": _ms(row.issued_at, end),
                }
            )
        connection.execute(update, values)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("report_day_changes")
    op.drop_table("report_days")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in reversed(DURATIONS):
            batch_op.drop_column(name)

"""booking ahead: appointments, slots per service, check-in windows per office

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: on SQLite a batch would rebuild
    # tables that the tickets refer to.
    for name, default in (
        ("booking_horizon_days", "14"),
        ("check_in_early_minutes", "30"),
        ("check_in_late_minutes", "15"),
    ):
        op.add_column(
            "offices",
            sa.Column(name, sa.Integer(), server_default=sa.text(default), nullable=False),
        )
    op.add_column(
        "offices",
        sa.Column(
            "is_one_booking_per_phone", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
    )
    for name in ("slot_minutes", "slot_capacity"):
        op.add_column(
            "services", sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("access_token", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("missed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_appointments_slot", "appointments", ["service_id", "start"])
    op.create_index("ix_appointments_access_token", "appointments", ["access_token"])
    op.create_index("ix_appointments_day", "appointments", ["office_id", "service_day", "state"])
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_idempotency_keys_appointment_id", "appointments", ["appointment_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_idempotency_keys_appointment_id", type_="foreignkey")
        batch_op.drop_column("appointment_id")
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_appointments_day", table_name="appointments")
    op.drop_index("ix_appointments_access_token", table_name="appointments")
    op.drop_index("ix_appointments_slot", table_name="appointments")
    op.drop_table("appointments")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("slot_capacity")
        batch_op.drop_column("slot_minutes")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        for name in (
            "is_one_booking_per_phone",
            "check_in_late_minutes",
            "check_in_early_minutes",
            "booking_horizon_days",
        ):
            batch_op.drop_column(name)

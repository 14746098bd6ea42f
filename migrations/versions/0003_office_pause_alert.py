"""office pause alert

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:20:16.653620
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pause_alert_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("pause_alert_minutes")

"""an office's address, for the citizens who booked

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: on SQLite a batch would rebuild a
    # table that the tickets refer to.
    op.add_column(
        "offices",
        sa.Column("address", sa.String(length=300), server_default=sa.text("''"), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("address")

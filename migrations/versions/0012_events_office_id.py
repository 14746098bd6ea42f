"""the office's newest event found by an index: it tells a process whether
the office's line changed since it last read it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 02:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_office_id", "events", ["office_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_office_id", table_name="events")

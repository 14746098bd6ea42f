"""a display's loudspeaker state and speech voice, as the display reports them

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN, as in 0009: no table rebuild.
    op.add_column(
        "displays",
        sa.Column(
            "speech_voice", sa.String(length=200), server_default=sa.text("''"), nullable=False
        ),
    )
    op.add_column("displays", sa.Column("sound_state", sa.String(length=16), nullable=True))
    op.add_column(
        "displays",
        sa.Column(
            "voice_in_use", sa.String(length=200), server_default=sa.text("''"), nullable=False
        ),
    )
    op.add_column(
        "displays",
        sa.Column("available_voices", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column("displays", sa.Column("last_seen_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("displays", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("available_voices")
        batch_op.drop_column("voice_in_use")
        batch_op.drop_column("sound_state")
        batch_op.drop_column("speech_voice")

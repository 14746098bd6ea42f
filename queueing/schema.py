"""Bringing a database to the current schema with Alembic's migrations."""

from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .database import Database
from .models import Base

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
#: Serialises concurrent upgrades of several server processes on PostgreSQL.
ADVISORY_LOCK = 0x4C554F54


def alembic_config(database: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["database"] = database
    return cfg


def upgrade(database: Database, revision: str = "head") -> None:
    cfg = alembic_config(database)
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK})
            try:
                command.upgrade(cfg, revision)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK})
                connection.commit()
    else:
        command.upgrade(cfg, revision)


def downgrade(database: Database, revision: str) -> None:
    command.downgrade(alembic_config(database), revision)


def ensure_schema(database: Database, mode: str) -> None:
    """``migrate`` runs the migrations; ``create`` creates the tables
    directly from the models (fast, for tests that need a blank database)."""
    if mode == "create":
        Base.metadata.create_all(database.engine)
    else:
        upgrade(database)

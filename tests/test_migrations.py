"""Alembic migrations: upgrade and downgrade run, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from queueing.database import Database
from queueing.models import Base
from queueing.schema import downgrade, upgrade


def test_upgrade_creates_the_models_schema_and_downgrade_removes_it(database_url):
    database = Database(database_url)
    try:
        upgrade(database)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
        downgrade(database, "base")
        tables = set(inspect(database.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade(database)
        assert "tickets" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()

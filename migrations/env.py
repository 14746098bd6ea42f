"""Alembic environment: the app's own engine, batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from queueing.models import Base

database = context.config.attributes["database"]

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

"""Every pooled connection in use: a request waits, then fails cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from queueing.database import Database, DatabaseBusy
from queueing.models import Base, Office
from tests.conftest import MORNING

#: The pool settings are PostgreSQL's (SQLite keeps its own pool sizes).
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

#: Seconds a request waits for a connection in these tests.
POOL_TIMEOUT_S = 0.2


@pytest.fixture
def one_connection(database_url):
    database = Database(database_url, pool_size=1, max_overflow=0, pool_timeout_s=POOL_TIMEOUT_S)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_a_write_waiting_past_the_pool_timeout_is_busy_and_changes_nothing(one_connection):
    held = one_connection.engine.connect()
    try:
        with pytest.raises(DatabaseBusy) as raised:
            one_connection.write(
                lambda session: session.add(Office(code="X", name="X", created_at=MORNING))
            )
        assert "every database connection is in use" in str(raised.value)
    finally:
        held.close()
    with one_connection.read() as session:
        assert session.scalars(select(Office)).all() == []


def test_a_read_waiting_past_the_pool_timeout_is_busy(one_connection):
    held = one_connection.engine.connect()
    try:
        with pytest.raises(DatabaseBusy), one_connection.read() as session:
            session.execute(text("SELECT 1"))
    finally:
        held.close()

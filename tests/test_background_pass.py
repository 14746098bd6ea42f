"""One process of an installation runs the background pass: on PostgreSQL,
the one holding its advisory lock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from queueing.database import Database
from web.jobs import BACKGROUND_PASS_LOCK, PassHolder


@pytest.fixture
def two_holders(database_url: str) -> Iterator[tuple[PassHolder, PassHolder, Database]]:
    """Two processes' holders on one database (each its own engine)."""
    first, second = Database(database_url), Database(database_url)
    holders = PassHolder(first), PassHolder(second)
    yield holders[0], holders[1], first
    for holder in holders:
        holder.release()
    first.dispose()
    second.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_process_runs_the_pass_and_another_takes_over_when_it_ends(two_holders):
    first, second, _database = two_holders
    assert first.holds()
    assert not second.holds()
    assert first.holds()
    # The first process ends: its connection closes and the lock is free.
    first.release()
    assert second.holds()
    assert not first.holds()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_holder_whose_connection_was_cut_gives_way_and_comes_back(two_holders):
    first, second, database = two_holders
    assert first.holds()
    with database.engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = :key"
            ),
            {"key": BACKGROUND_PASS_LOCK},
        )
    # The cut is noticed at the next pass, and nobody holds the lock then.
    assert not first.holds()
    assert second.holds()
    second.release()
    assert first.holds()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_sqlite_the_one_process_always_runs_the_pass(two_holders):
    first, second, _database = two_holders
    assert first.holds() and second.holds()

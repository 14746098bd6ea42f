"""Alembic migrations: upgrade and downgrade run, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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


def _office_and_service(connection):
    connection.execute(
        text(
            "INSERT INTO offices (id, code, name, name_en, timezone, opening_hours,"
            " holidays, priority_ratio, recall_limit, no_show_return_minutes,"
            " is_transfer_to_head, default_service_seconds, ticker_message, created_at)"
            " VALUES (1, 'X', 'X', '', 'UTC', '{}', '[]', 0, 1, 30, true, 300, '',"
            " '2026-11-23 02:00:00')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO services (id, office_id, code, name, name_en, prefix,"
            " number_start, number_end, is_number_wrapping, target_wait_minutes,"
            " description, description_en, documents, documents_en, group_name,"
            " group_name_en, is_active, sort_order)"
            " VALUES (1, 1, 'S', 'S', '', 'A', 1, 999, true, 15, '', '', '', '', '',"
            " '', true, 0)"
        )
    )


def test_tickets_issued_before_the_holder_token_get_one_each_shared_by_their_legs(database_url):
    database = Database(database_url)
    try:
        upgrade(database, "0004")
        with database.engine.begin() as connection:
            _office_and_service(connection)
            for ticket_id, sequence, parent_id in ((1, 1, None), (2, 2, None), (3, 1, 1)):
                connection.execute(
                    text(
                        "INSERT INTO tickets (id, office_id, service_id, service_day, sequence,"
                        " number, code, priority, channel, state, issued_at, queued_at,"
                        " is_queue_head, call_count, parent_id, is_time_accurate)"
                        " VALUES (:id, 1, 1, '2026-11-23', :sequence, :sequence, 'A001',"
                        " 'none', 'kiosk', 'waiting', '2026-11-23 02:00:00',"
                        " '2026-11-23 02:00:00', false, 0, :parent, true)"
                    ),
                    {"id": ticket_id, "sequence": sequence, "parent": parent_id},
                )
        upgrade(database)
        with database.engine.connect() as connection:
            tokens = dict(connection.execute(text("SELECT id, access_token FROM tickets")).all())
        assert len(tokens[1]) >= 16 and len(tokens[2]) >= 16
        assert tokens[1] != tokens[2]
        assert tokens[3] == tokens[1]
    finally:
        database.dispose()


def test_legs_recorded_before_durations_were_kept_get_theirs(database_url):
    """Whole milliseconds, rounded down; none where a figure does not apply
    or the day end closed the leg."""
    database = Database(database_url)
    legs = (
        # id, state, accurate, issued, called, started, finished, no-show, cancelled
        (1, "done", True, "02:00:00.000900", "02:05:00.000100", "02:05:10", "02:09:59.9999",
         None, None),
        (2, "cancelled", True, "02:00:00", None, None, None, None, "02:20:00.5"),
        (3, "no_show", True, "02:00:00", "02:01:00", None, None, "02:03:00", None),
        (4, "done", False, "02:00:00", "02:01:00", "02:02:00", "16:00:00", None, None),
        (5, "waiting", True, "02:00:00", None, None, None, None, None),
    )  # fmt: skip
    try:
        upgrade(database, "0005")
        with database.engine.begin() as connection:
            _office_and_service(connection)
            for leg_id, state, accurate, *times in legs:
                stamps = [None if t is None else f"2026-11-23 {t}" for t in times]
                connection.execute(
                    text(
                        "INSERT INTO tickets (id, office_id, service_id, service_day, sequence,"
                        " number, code, priority, channel, state, issued_at, queued_at,"
                        " first_called_at, started_at, finished_at, no_show_at, cancelled_at,"
                        " is_queue_head, call_count, is_time_accurate)"
                        " VALUES (:id, 1, 1, '2026-11-23', :id, :id, 'A001', 'none', 'kiosk',"
                        " :state, :issued, :issued, :called, :started, :finished, :missed,"
                        " :cancelled, false, 0, :accurate)"
                    ),
                    dict(
                        zip(
                            ("issued", "called", "started", "finished", "missed", "cancelled"),
                            stamps,
                            strict=True,
                        ),
                        id=leg_id,
                        state=state,
                        accurate=accurate,
                    ),
                )
        upgrade(database)
        with database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, wait_ms, walk_ms, service_ms, total_ms FROM tickets ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, 299_999, 9_999, 289_999, 599_999),
            (2, None, None, None, 1_200_500),
            (3, 60_000, None, None, 180_000),
            (4, None, None, None, None),
            (5, None, None, None, None),
        ]
    finally:
        database.dispose()

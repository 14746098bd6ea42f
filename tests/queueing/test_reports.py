"""Report arithmetic on a history built through the use cases."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from queueing import operations as ops
from queueing import reports
from queueing.operations import Actor
from queueing.rules import service_day

PUBLIC = Actor("public")


@pytest.fixture
def history(db, office, counters, clock):
    """Three HT tickets served at known times, one
    DD ticket left waiting and closed by the day end, two ratings."""
    start = clock()
    c1, c2, c3 = (c.id for c in counters)

    def at(seconds, operation, *args, **kwargs):
        clock.moment = start + timedelta(seconds=seconds)
        return db.write(lambda s: operation(s, *args, clock(), Actor("user:9"), **kwargs))

    def issue(seconds, service):
        clock.moment = start + timedelta(seconds=seconds)
        return db.write(lambda s: ops.issue_ticket(s, office.id, service, clock(), PUBLIC))[0]

    t1, t2, t3 = issue(0, "HT"), issue(0, "HT"), issue(0, "HT")
    t4 = issue(10, "DD")
    at(60, ops.call_next, c1)
    at(90, ops.start_service, c1)
    at(120, ops.call_next, c2)
    at(120, ops.start_service, c2)
    at(300, ops.finish, c2)
    at(390, ops.finish, c1)
    at(1200, ops.call_next, c3)
    at(1500, ops.finish, c3)
    db.write(lambda s: ops.rate(s, t1.id, 5, clock(), PUBLIC))
    db.write(lambda s: ops.rate(s, t2.id, 2, clock(), PUBLIC, reasons=["long_wait"]))
    clock.moment = start + timedelta(days=1)
    db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system()))
    day = service_day(start, office.timezone)
    return {"day": day, "tickets": (t1, t2, t3, t4)}


def test_summary_figures_are_exact(db, office, history):
    with db.read() as session:
        summary = reports.summary(session, office, history["day"], history["day"])
    assert summary["issued"] == 4
    assert summary["served"] == 3
    assert summary["no_show"] == 0
    assert summary["cancelled"] == 1
    assert summary["inaccurate"] == 1
    assert summary["wait_s"] == {
        "count": 3,
        "mean": 460.0,
        "median": 120.0,
        "p90": 984.0,
        "max": 1200.0,
    }
    # t3 was finished straight from its call: its service began at the
    # call (the office's default rule), so it walked 0 s and was served 300 s.
    assert summary["walk_s"]["mean"] == pytest.approx(10.0)  # 30, 0, 0
    assert summary["service_s"] == {
        "count": 3,
        "mean": 260.0,
        "median": 300.0,
        "p90": 300.0,
        "max": 300.0,
    }
    assert summary["service_level"] == pytest.approx(0.6667)
    assert summary["rating_mean"] == 3.5
    assert summary["rating_distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}


def test_summary_groups_by_service_counter_and_hour(db, office, history):
    with db.read() as session:
        summary = reports.summary(session, office, history["day"], history["day"])
    by_service = {row["service"]: row for row in summary["by_service"]}
    assert by_service["HT"]["issued"] == 3
    assert by_service["HT"]["served"] == 3
    assert by_service["DD"]["issued"] == 1
    assert by_service["DD"]["wait_s"]["count"] == 0
    by_counter = {row["number"]: row for row in summary["by_counter"]}
    assert by_counter[1]["service_s"]["mean"] == 300.0
    assert by_counter[2]["wait_s"]["mean"] == 120.0
    assert by_counter[3]["service_level"] == 0.0
    assert [row["hour"] for row in summary["by_hour"]] == [9]
    assert summary["by_hour"][0]["issued"] == 4


def test_summary_of_a_day_without_tickets_is_empty(db, office, history):
    later = history["day"] + timedelta(days=3)
    with db.read() as session:
        summary = reports.summary(session, office, later, later)
    assert summary["issued"] == 0
    assert summary["wait_s"]["mean"] is None
    assert summary["service_level"] is None


def test_tickets_csv_has_a_row_per_leg_with_durations(db, office, history):
    with db.read() as session:
        text = reports.tickets_csv(session, office, history["day"], history["day"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    first = rows[0]
    assert (first["code"], first["wait_s"], first["walk_s"], first["service_s"]) == (
        "A001",
        "60.0",
        "30.0",
        "300.0",
    )
    assert first["total_s"] == "390.0"
    assert first["rating"] == "5"
    closed = rows[3]
    assert (closed["state"], closed["is_time_accurate"], closed["wait_s"]) == (
        "cancelled",
        "False",
        "",
    )


def test_csv_cells_that_look_like_formulas_are_quoted():
    assert reports.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert reports.safe_cell("@SUM") == "'@SUM"
    assert reports.safe_cell("A001") == "A001"
    assert reports.safe_cell(-3) == -3


def test_the_report_says_how_each_service_time_was_measured(db, office, history):
    with db.read() as session:
        facts = reports.load_facts(session, office, history["day"], history["day"])
        timing = reports.service_timing(facts)
    # t1 and t2 pressed Start; t3 was finished straight from its call.
    assert timing == {"start": 2, "call": 1, "untimed": 0}

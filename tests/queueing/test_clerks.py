"""A clerk's own figures of today and the counter's line, on a controlled history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queueing import accounts, appointments, clerks
from queueing import operations as ops
from queueing.models import Counter, Office
from queueing.operations import Actor

PUBLIC = Actor("public")


@pytest.fixture
def clerk_ids(db, office, clock):
    """Two clerks of the office, Lan and Minh: their user ids."""

    def make(session):
        return tuple(
            accounts.create_user(
                session, name, "password-1", "clerk", clock(), office_id=office.id
            ).id
            for name in ("lan", "minh")
        )

    return db.write(make)


@pytest.fixture
def lan(clerk_ids):
    return Actor(f"user:{clerk_ids[0]}", clerk_id=clerk_ids[0])


@pytest.fixture
def minh(clerk_ids):
    return Actor(f"user:{clerk_ids[1]}", clerk_id=clerk_ids[1])


@pytest.fixture
def at(db, clock, lan):
    """``at(seconds, operation, *args, actor=...)``: run a use case at a
    moment counted from the start of the test's morning, by Lan unless told."""
    start = clock()

    def run(seconds, operation, *args, actor=lan, **kwargs):
        clock.moment = start + timedelta(seconds=seconds)
        return db.write(lambda s: operation(s, *args, clock(), actor, **kwargs))

    return run


def issue(at, office, seconds, service, **kwargs):
    ticket, _created = at(seconds, ops.issue_ticket, office.id, service, actor=PUBLIC, **kwargs)
    return ticket


def figures(db, office, clerk_id, clock):
    with db.read() as session:
        return clerks.clerk_figures(session, session.get(Office, office.id), clerk_id, clock())


def test_clerk_figures_are_exact(db, office, counters, clock, at, lan, minh):
    c1, c2, _c3 = (c.id for c in counters)
    t1 = issue(at, office, 0, "HT")
    issue(at, office, 10, "HT")
    issue(at, office, 20, "DD")
    issue(at, office, 30, "DD")
    issue(at, office, 40, "KD")
    # Lan calls t1 after 100 s, serves it 200 s.
    at(100, ops.call_next, c1)
    at(130, ops.start_service, c1)
    at(330, ops.finish, c1)
    # Minh calls t2 (waited 190 s) and serves it: not Lan's.
    at(200, ops.call_next, c2, actor=minh)
    at(200, ops.start_service, c2, actor=minh)
    at(260, ops.finish, c2, actor=minh)
    # Lan calls t3 (waited 380 s), recalls it, marks a no-show.
    at(400, ops.call_next, c1)
    at(430, ops.recall, c1)
    at(460, ops.mark_no_show, c1)
    # Lan calls t4 (waited 470 s), serves 60 s, transfers it to KD.
    at(500, ops.call_next, c1)
    at(510, ops.start_service, c1)
    at(570, ops.transfer, c1, service_code="KD")
    # Lan calls the transferred leg (head of KD; waited 30 s) and serves it 100 s.
    at(600, ops.call_next, c1)
    at(650, ops.start_service, c1)
    at(750, ops.finish, c1)

    lan = figures(db, office, lan.clerk_id, clock)
    assert lan.called == 4
    assert lan.served == 2
    assert lan.no_shows == 1
    assert lan.transferred == 1
    # Served legs: t1 200 s and the KD leg 100 s.
    assert lan.mean_service_s == 150.0
    # First calls by Lan: t1 100, t3 380, t4 470, the KD leg 30.
    assert lan.mean_wait_s == pytest.approx((100 + 380 + 470 + 30) / 4)
    assert lan.as_dict()["mean_wait_s"] == 245.0

    minh = figures(db, office, minh.clerk_id, clock)
    assert (minh.called, minh.served, minh.no_shows, minh.transferred) == (1, 1, 0, 0)
    assert (minh.mean_service_s, minh.mean_wait_s) == (60.0, 190.0)
    assert t1.code == "A001"


def test_a_recall_of_a_parked_ticket_is_not_a_first_call(
    db, office, counters, clock, at, lan, minh
):
    c1, c2, _c3 = (c.id for c in counters)
    ticket = issue(at, office, 0, "HT")
    at(60, ops.call_next, c1, actor=minh)
    at(90, ops.park, c1, actor=minh)
    at(300, ops.call_ticket, c2, ticket.id)
    at(320, ops.finish, c2)
    lan = figures(db, office, lan.clerk_id, clock)
    assert (lan.called, lan.served, lan.mean_wait_s) == (0, 1, None)
    # Finished straight from its call at 300 s: served from the call, 20 s.
    assert lan.mean_service_s == 20.0
    minh = figures(db, office, minh.clerk_id, clock)
    assert (minh.called, minh.served, minh.mean_wait_s) == (1, 0, 60.0)


def test_figures_count_only_today(db, office, counters, clock, at, lan, minh):
    c1 = counters[0].id
    issue(at, office, 0, "HT")
    at(60, ops.call_next, c1)
    at(120, ops.finish, c1)
    assert figures(db, office, lan.clerk_id, clock).served == 1
    clock.advance(24 * 3600)
    tomorrow = figures(db, office, lan.clerk_id, clock)
    assert tomorrow.as_dict() == {
        "called": 0,
        "served": 0,
        "no_shows": 0,
        "transferred": 0,
        "mean_service_s": None,
        "mean_wait_s": None,
    }


def test_counter_line_is_in_call_order(db, office, counters, clock, at, lan, minh):
    c1, c2, _c3 = (c.id for c in counters)
    first = issue(at, office, 0, "HT")
    second = issue(at, office, 10, "DD")
    elder = issue(at, office, 20, "KD", priority="elderly")
    moved = issue(at, office, 30, "LD")
    at(40, ops.call_ticket, c2, moved.id, actor=minh)
    at(50, ops.transfer, c2, target_counter_id=c1, actor=minh)
    with db.read() as session:
        counter = session.get(Counter, c1)
        line = clerks.counter_line(session, counter, clock())
        other = clerks.counter_line(session, session.get(Counter, c2), clock())
    # Transferred to counter 1 first, then priority, then arrival.
    assert [(t.code, t.service, t.is_reserved_here) for t in line] == [
        ("D001", "LD", True),
        ("C001", "KD", False),
        ("A001", "HT", False),
        ("B001", "DD", False),
    ]
    assert [t.id for t in line[1:]] == [elder.id, first.id, second.id]
    # Counter 2 does not see the leg reserved for counter 1.
    assert [t.code for t in other] == ["C001", "A001", "B001"]
    assert line[2].as_dict(office.timezone, clock())["waited_s"] == 50.0
    assert line[0].as_dict(office.timezone, clock())["issued_at"].endswith("+07:00")


def test_set_aside_lists_parked_and_returnable_no_shows(db, office, counters, clock, at):
    c1 = counters[0].id
    parked = issue(at, office, 0, "HT")
    gone = issue(at, office, 1, "HT")
    at(10, ops.call_ticket, c1, parked.id)
    at(20, ops.park, c1)
    at(30, ops.call_ticket, c1, gone.id)
    at(40, ops.recall, c1)
    at(50, ops.mark_no_show, c1)
    with db.read() as session:
        counter = session.get(Counter, c1)
        now_lists = clerks.set_aside(session, counter, clock())
        clock.advance(office.no_show_return_minutes * 60 + 1)
        later_lists = clerks.set_aside(session, counter, clock())
    assert [t.code for t in now_lists["parked"]] == ["A001"]
    assert [t.code for t in now_lists["no_shows"]] == ["A002"]
    assert now_lists["no_shows"][0].set_aside_at is not None
    # The no-show's return window has passed; the parked ticket stays.
    assert [t.code for t in later_lists["parked"]] == ["A001"]
    assert later_lists["no_shows"] == []


def test_the_counter_line_says_which_ticket_is_a_checked_in_booking(
    db, office, counters, clock, at
):
    walk_in = issue(at, office, 0, "HT")
    start = clock() + timedelta(minutes=15)
    booked = at(10, appointments.book, office.id, "HT", start, actor=PUBLIC)[0]
    _appointment, checked_in = at(20, appointments.check_in, booked.code, actor=PUBLIC)
    with db.read() as session:
        line = clerks.counter_line(session, session.get(Counter, counters[0].id), clock())

    listed = [ticket.as_dict(office.timezone, clock()) for ticket in line]
    assert [(t["id"], t["channel"]) for t in listed] == [
        (checked_in.id, "booking"),
        (walk_in.id, "kiosk"),
    ]

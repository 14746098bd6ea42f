"""The live board's figures at a given moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queueing import appointments, board, settings
from queueing import operations as ops
from queueing.models import Office
from queueing.operations import Actor

PUBLIC = Actor("public")
CLERK = Actor("user:7")


@pytest.fixture
def act(db, clock):
    def run(operation, *args, **kwargs):
        return db.write(lambda s: operation(s, *args, clock(), CLERK, **kwargs))

    return run


@pytest.fixture
def issue(db, office, clock):
    def issue_one(service="HT", **options):
        return db.write(
            lambda s: ops.issue_ticket(s, office.id, service, clock(), PUBLIC, **options)
        )[0]

    return issue_one


def read_board(db, office, clock):
    with db.read() as session:
        return board.board(session, session.get(Office, office.id), clock())


def test_waiting_line_longest_wait_and_estimate(db, office, clock, issue):
    issue("HT")
    clock.advance(60)
    issue("HT", priority="elderly")
    clock.advance(120)
    figures = read_board(db, office, clock)
    ht = next(s for s in figures["services"] if s["code"] == "HT")
    assert (ht["waiting"], ht["priority_waiting"]) == (2, 1)
    assert (ht["longest_wait_s"], ht["longest_code"]) == (180.0, "A001")
    # Two ahead of a newcomer and three idle counters: the third calls the
    # newcomer at once.
    assert (ht["people_ahead"], ht["estimated_wait_s"]) == (2, 0.0)
    issue("KD")
    issue("HT")
    figures = read_board(db, office, clock)
    ht = next(s for s in figures["services"] if s["code"] == "HT")
    # Four ahead, every counter serving every service: the first counter to
    # be free again (300 s default service time) calls the fourth, the next
    # one the newcomer.
    assert (ht["people_ahead"], ht["estimated_wait_s"]) == (4, 300.0)
    assert ht["target_wait_s"] == 900
    assert figures["totals"]["waiting"] == 4
    assert figures["alerts"] == []


def test_a_wait_past_the_target_raises_an_alert(db, office, clock, issue):
    issue("LD")  # target 10 minutes
    clock.advance(601)
    figures = read_board(db, office, clock)
    (alert,) = figures["alerts"]
    assert alert == {
        "kind": "wait_over_target",
        "service": "LD",
        "service_name": "Lao động – Thương binh và Xã hội",
        "service_name_en": "Labour, invalids and social affairs",
        "code": "D001",
        "count": 1,
        "waited_s": 601.0,
        "target_s": 600,
    }


def test_counters_show_clerk_ticket_and_time_in_service(db, office, counters, clock, issue, act):
    issue("HT")
    clock.advance(30)
    act(ops.call_next, counters[0].id)
    clock.advance(10)
    act(ops.start_service, counters[0].id)
    clock.advance(95)
    figures = read_board(db, office, clock)
    first = figures["counters"][0]
    assert (first["number"], first["state"], first["ticket"], first["ticket_state"]) == (
        1,
        "open",
        "A001",
        "serving",
    )
    assert first["ticket_for_s"] == 95.0
    assert figures["counters"][1]["ticket"] is None


def test_a_counter_paused_too_long_raises_an_alert(db, office, counters, clock, act):
    db.write(
        lambda s: settings.update_office(s, office.id, {"pause_alert_minutes": 5}, clock(), CLERK)
    )
    act(ops.pause_counter, counters[1].id, reason="Họp giao ban")
    clock.advance(299)
    assert read_board(db, office, clock)["alerts"] == []
    clock.advance(2)
    (alert,) = read_board(db, office, clock)["alerts"]
    assert alert["kind"] == "counter_paused_too_long"
    assert (alert["number"], alert["reason"], alert["paused_s"], alert["limit_s"]) == (
        2,
        "Họp giao ban",
        301.0,
        300,
    )


def test_todays_figures_and_service_level(db, office, counters, clock, issue, act):
    issue("HT")
    issue("HT")
    issue("DD")
    clock.advance(120)
    act(ops.call_next, counters[0].id)  # A001 after 120 s
    act(ops.finish, counters[0].id)
    clock.advance(1000)
    act(ops.call_next, counters[0].id)  # A002 after 1120 s: past 15 min
    act(ops.recall, counters[0].id)
    act(ops.mark_no_show, counters[0].id)
    figures = read_board(db, office, clock)
    ht = next(s for s in figures["services"] if s["code"] == "HT")
    assert (ht["served_today"], ht["no_show_today"], ht["issued_today"]) == (1, 1, 2)
    assert ht["wait_mean_today_s"] == 620.0
    assert ht["service_level_today"] == 0.5
    totals = figures["totals"]
    assert (totals["issued"], totals["served"], totals["no_show"], totals["waiting"]) == (
        3,
        1,
        1,
        1,
    )
    assert totals["service_level"] == 0.5
    assert figures["counters"][0]["served_today"] == 1


def test_yesterday_is_not_today(db, office, counters, clock, issue, act):
    issue("HT")
    act(ops.call_next, counters[0].id)
    act(ops.finish, counters[0].id)
    clock.advance(timedelta(days=1).total_seconds())
    totals = read_board(db, office, clock)["totals"]
    assert (totals["issued"], totals["served"]) == (0, 0)


def test_the_board_shows_who_works_each_counter_and_warns_of_a_silent_terminal(
    db, office, counters, clock
):
    from queueing import accounts

    db.write(lambda s: accounts.create_user(s, "lan", "a-long-password", "clerk", clock()))
    lan = Actor("user:1", clerk_id=1)
    db.write(lambda s: ops.open_counter(s, counters[0].id, clock(), lan))
    figures = read_board(db, office, clock)
    assert [(c["clerk"], c["worked_by"]) for c in figures["counters"]] == [
        ("lan", "terminal"),
        (None, "keypad"),
        (None, "keypad"),
    ]
    assert figures["alerts"] == []
    # Two beats missed: nobody is at the counter, though it is still open
    # until the office's grace period ends.
    clock.advance(2 * ops.TERMINAL_BEAT_SECONDS + 1)
    figures = read_board(db, office, clock)
    assert figures["counters"][0]["worked_by"] == "nobody"
    (alert,) = figures["alerts"]
    assert (alert["kind"], alert["number"], alert["clerk"], alert["silent_s"]) == (
        "counter_unattended",
        1,
        "lan",
        61.0,
    )


def test_the_board_warns_of_people_waiting_where_no_counter_is_open(db, office, counters, clock):
    db.write(lambda s: ops.issue_ticket(s, office.id, "LD", clock(), PUBLIC))
    for counter in counters:
        db.write(lambda s, c=counter.id: ops.pause_counter(s, c, clock(), PUBLIC))
    figures = read_board(db, office, clock)
    (alert,) = [a for a in figures["alerts"] if a["kind"] == "no_staffed_counter"]
    assert (alert["service"], alert["count"]) == ("LD", 1)
    ld = next(s for s in figures["services"] if s["code"] == "LD")
    assert (ld["open_counters"], ld["estimated_wait_s"]) == (0, None)


def test_a_counters_current_ticket_says_it_is_a_checked_in_booking(
    db, office, counters, clock, issue, act
):
    issue("HT")
    booked = db.write(
        lambda s: appointments.book(
            s, office.id, "HT", clock() + timedelta(minutes=15), clock(), PUBLIC
        )
    )[0]
    db.write(lambda s: appointments.check_in(s, booked.code, clock(), PUBLIC))
    act(ops.call_next, counters[0].id)
    act(ops.call_next, counters[1].id)

    figures = read_board(db, office, clock)

    first, second = figures["counters"][0], figures["counters"][1]
    assert (first["ticket"], first["ticket_channel"]) == ("A002", "booking")
    assert (second["ticket"], second["ticket_channel"]) == ("A001", "kiosk")
    assert figures["counters"][2]["ticket_channel"] is None

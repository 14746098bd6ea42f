"""A counter is capacity only while someone works it; a ticket is never
issued into a line nobody serves without saying so; service time means
something. Use cases against a real database, with an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from queueing import operations as ops
from queueing.errors import WrongState
from queueing.models import (
    COUNTER_OPEN,
    COUNTER_PAUSED,
    Counter,
    CounterService,
    Event,
    Office,
    Service,
    Ticket,
)
from queueing.operations import Actor
from queueing.queries import QueueView, service_closed_reason

PUBLIC = Actor("public")
KEYPAD = Actor("token:9")
LAN = Actor("user:1", clerk_id=1)
MINH = Actor("user:2", clerk_id=2)


@pytest.fixture
def users(db, clock):
    from queueing import accounts

    def work(session):
        for name in ("lan", "minh"):
            accounts.create_user(session, name, "a-long-password", "clerk", clock())

    db.write(work)


def run(db, clock, operation, *args, actor=KEYPAD, **options):
    return db.write(lambda s: operation(s, *args, clock(), actor, **options))


def counter(db, counter_id):
    with db.read() as session:
        return session.get(Counter, counter_id)


def issue(db, office, clock, code="HT", **options):
    return db.write(lambda s: ops.issue_ticket(s, office.id, code, clock(), PUBLIC, **options))[0]


def serve_only(db, office, service_code, counter_ids):
    """Let only ``counter_ids`` serve the service."""

    def work(session):
        service_id = session.scalar(
            select(Service.id).where(Service.office_id == office.id, Service.code == service_code)
        )
        for link in session.scalars(
            select(CounterService).where(CounterService.service_id == service_id)
        ):
            if link.counter_id not in counter_ids:
                session.delete(link)

    db.write(work)


def view_of(db, office, clock, work):
    with db.read() as session:
        return work(QueueView(session, session.get(Office, office.id), clock()), session)


def wait_of(db, office, clock, ticket):
    """The ticket's estimated wait in seconds, None when none is promised."""
    return view_of(
        db,
        office,
        clock,
        lambda view, session: view.place(session.get(Ticket, ticket.id)).wait_s(clock()),
    )


# -- who works a counter ------------------------------------------------------------


def test_a_clerk_opening_a_counter_holds_it_from_a_terminal_seen_now(db, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    stored = counter(db, counters[0].id)
    assert (stored.state, stored.clerk_id, stored.terminal_seen_at) == (COUNTER_OPEN, 1, clock())


def test_a_keypad_opening_a_counter_works_it_without_a_terminal(db, counters, clock):
    run(db, clock, ops.open_counter, counters[0].id, actor=KEYPAD)
    assert counter(db, counters[0].id).terminal_seen_at is None


def test_another_clerk_cannot_act_at_a_held_counter(db, office, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    issue(db, office, clock)
    with pytest.raises(WrongState) as refused:
        run(db, clock, ops.call_next, counters[0].id, actor=MINH)
    assert refused.value.code == "counter_taken"
    with db.read() as session:
        assert session.scalar(select(Ticket.state)) == "waiting"


def test_taking_a_counter_over_moves_it_and_logs_from_whom(db, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    clock.advance(30)
    run(db, clock, ops.take_counter, counters[0].id, actor=MINH)
    stored = counter(db, counters[0].id)
    assert (stored.clerk_id, stored.terminal_seen_at) == (2, clock())
    with db.read() as session:
        taken = session.scalars(select(Event).where(Event.kind == "counter_taken")).one()
    assert (taken.counter_id, taken.actor, taken.data) == (
        counters[0].id,
        "user:2",
        {"clerk_id": 2, "from_clerk_id": 1},
    )
    # The clerk it was taken from is told so at the next beat.
    with pytest.raises(WrongState) as refused:
        run(db, clock, ops.keep_counter, counters[0].id, actor=LAN)
    assert refused.value.code == "counter_taken"


def test_signing_out_pauses_the_counter_and_frees_it(db, office, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    clock.advance(60)
    run(db, clock, ops.leave_counter, counters[0].id, actor=LAN)
    stored = counter(db, counters[0].id)
    assert (stored.state, stored.clerk_id, stored.terminal_seen_at) == (COUNTER_PAUSED, None, None)
    assert stored.pause_reason == ops.PAUSED_SIGNED_OUT
    # Another clerk may take it at once, without a take-over.
    run(db, clock, ops.open_counter, counters[0].id, actor=MINH)
    assert counter(db, counters[0].id).clerk_id == 2


def test_signing_out_leaves_a_counter_someone_else_holds_alone(db, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=MINH)
    assert run(db, clock, ops.leave_counter, counters[0].id, actor=LAN) is None
    assert (counter(db, counters[0].id).state, counter(db, counters[0].id).clerk_id) == (
        COUNTER_OPEN,
        2,
    )


def test_a_silent_terminal_pauses_its_counter_after_the_grace(db, office, counters, clock, users):
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    grace_s = 3 * 60  # the office's default
    clock.advance(grace_s - 1)
    assert db.write(lambda s: ops.free_silent_counters(s, office.id, clock())) == 0
    run(db, clock, ops.keep_counter, counters[0].id, actor=LAN)  # a beat
    clock.advance(grace_s)
    assert db.write(lambda s: ops.free_silent_counters(s, office.id, clock())) == 0
    clock.advance(2)
    assert db.write(lambda s: ops.free_silent_counters(s, office.id, clock())) == 1
    stored = counter(db, counters[0].id)
    assert (stored.state, stored.clerk_id, stored.pause_reason) == (
        COUNTER_PAUSED,
        None,
        ops.PAUSED_TERMINAL_SILENT,
    )
    # Keypad-worked counters (the demo's) have no terminal to fall silent.
    assert counter(db, counters[1].id).state == COUNTER_OPEN


def test_only_offices_with_a_terminal_at_work_are_looked_at_for_silence(
    db, office, counters, clock, users
):
    def offices():
        with db.read() as session:
            return ops.offices_with_terminals(session)

    # Keypad-worked counters (the demo's) have no terminal to fall silent.
    assert offices() == []
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    assert offices() == [office.id]
    clock.advance(10 * 60)
    assert db.write(lambda s: ops.free_silent_counters(s, office.id, clock())) == 1
    assert offices() == []


def test_a_counter_paused_by_its_silent_terminal_is_no_capacity(db, office, counters, clock, users):
    for each in counters[1:]:
        run(db, clock, ops.pause_counter, each.id)
    run(db, clock, ops.open_counter, counters[0].id, actor=LAN)
    ticket = issue(db, office, clock)
    clock.advance(10 * 60)
    db.write(lambda s: ops.free_silent_counters(s, office.id, clock()))
    assert wait_of(db, office, clock, ticket) is None


# -- no dead-end tickets ---------------------------------------------------------------


def test_a_service_no_open_counter_serves_refuses_tickets(db, office, counters, clock):
    serve_only(db, office, "LD", [counters[2].id])
    run(db, clock, ops.pause_counter, counters[2].id)
    with pytest.raises(WrongState) as refused:
        issue(db, office, clock, "LD")
    assert refused.value.code == "no_open_counter"
    with db.read() as session:
        assert session.scalar(select(Ticket.id)) is None
    reason = view_of(
        db,
        office,
        clock,
        lambda view, session: service_closed_reason(
            view, session.scalar(select(Service).where(Service.code == "LD"))
        ),
    )
    assert reason == "no_open_counter"
    # Other services still issue.
    assert issue(db, office, clock, "HT").code == "A001"


def test_an_office_may_keep_issuing_with_no_wait_promised(db, office, counters, clock):
    db.write(lambda s: setattr(s.get(Office, office.id), "is_issuing_without_counter", True))
    serve_only(db, office, "LD", [counters[2].id])
    run(db, clock, ops.pause_counter, counters[2].id)
    first = issue(db, office, clock, "LD")
    second = issue(db, office, clock, "LD")

    def places(view, session):
        return [view.place(session.get(Ticket, t.id)) for t in (first, second)]

    first_place, second_place = view_of(db, office, clock, places)
    assert (first_place.position, first_place.call_at) == (0, None)
    assert (second_place.position, second_place.call_at) == (1, None)


def test_every_counter_paused_gives_no_wait_rather_than_zero(db, office, counters, clock):
    db.write(lambda s: setattr(s.get(Office, office.id), "is_issuing_without_counter", True))
    for each in counters:
        run(db, clock, ops.pause_counter, each.id)
    ticket = issue(db, office, clock)
    assert wait_of(db, office, clock, ticket) is None


# -- service time that means something ----------------------------------------------


def test_finish_from_the_call_starts_the_service_at_the_last_call(db, office, counters, clock):
    ticket = issue(db, office, clock)
    run(db, clock, ops.call_next, counters[0].id)
    clock.advance(20)
    run(db, clock, ops.recall, counters[0].id)
    called_again = clock()
    clock.advance(240)
    run(db, clock, ops.finish, counters[0].id)
    with db.read() as session:
        stored = session.get(Ticket, ticket.id)
    assert stored.started_at == called_again
    assert stored.finished_at - stored.started_at == timedelta(seconds=240)
    assert stored.service_timed_from == "call"


def test_finish_from_the_call_is_untimed_where_only_start_starts_a_service(
    db, office, counters, clock
):
    db.write(lambda s: setattr(s.get(Office, office.id), "service_starts_at", "start"))
    ticket = issue(db, office, clock)
    run(db, clock, ops.call_next, counters[0].id)
    clock.advance(240)
    run(db, clock, ops.finish, counters[0].id)
    with db.read() as session:
        stored = session.get(Ticket, ticket.id)
    assert (stored.state, stored.started_at, stored.service_timed_from) == ("done", None, None)


def test_start_marks_the_service_start(db, office, counters, clock):
    ticket = issue(db, office, clock)
    run(db, clock, ops.call_next, counters[0].id)
    clock.advance(45)
    run(db, clock, ops.start_service, counters[0].id)
    started = clock()
    clock.advance(100)
    run(db, clock, ops.finish, counters[0].id)
    with db.read() as session:
        stored = session.get(Ticket, ticket.id)
    assert (stored.started_at, stored.service_timed_from) == (started, "start")


def test_each_counter_s_own_pace_sets_its_calls(db, office, counters, clock):
    """Counter 1 has served HT in 600 s, counter 2 in 60 s (five services
    each, enough history to lean on their own pace)."""
    serve_only(db, office, "HT", [counters[0].id, counters[1].id])
    run(db, clock, ops.pause_counter, counters[2].id)
    for _ in range(5):
        for each, seconds in ((counters[0], 600), (counters[1], 60)):
            issue(db, office, clock)
            run(db, clock, ops.call_next, each.id)
            run(db, clock, ops.start_service, each.id)
            clock.advance(seconds)
            run(db, clock, ops.finish, each.id)
    clock.advance(3600)
    tickets = [issue(db, office, clock) for _ in range(4)]

    def waits(view, session):
        return [view.place(session.get(Ticket, t.id)).wait_s(clock()) for t in tickets]

    # Both call at once; then the quick counter calls every 60 s.
    assert view_of(db, office, clock, waits) == [0.0, 0.0, 60.0, 120.0]

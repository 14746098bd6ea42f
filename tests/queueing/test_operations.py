"""The use cases against a real database, with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from queueing import clerks
from queueing import operations as ops
from queueing.errors import Invalid, WrongState
from queueing.line import Line
from queueing.models import (
    OPEN_STATES,
    Counter,
    CounterService,
    Event,
    NumberCounter,
    Office,
    Service,
    Ticket,
)
from queueing.operations import Actor
from queueing.queries import QueueView, service_closed_reason

CLERK = Actor("user:1", clerk_id=None)


@pytest.fixture
def issue(db, office, clock):
    def issue_one(service: str = "HT", **options):
        ticket, _created = db.write(
            lambda s: ops.issue_ticket(s, office.id, service, clock(), Actor("public"), **options)
        )
        return ticket

    return issue_one


@pytest.fixture
def act(db, clock):
    """``act(ops.call_next, counter_id, ...)`` runs a use case now."""

    def run(operation, *args, **kwargs):
        return db.write(lambda s: operation(s, *args, clock(), CLERK, **kwargs))

    return run


def state_of(db, ticket_id):
    with db.read() as session:
        return session.get(Ticket, ticket_id)


def events(db, kind=None):
    with db.read() as session:
        query = select(Event).order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(session.scalars(query))


def test_issue_numbers_each_service_from_one(issue):
    assert [issue("HT").code for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue("DD").code == "B001"


def test_issue_records_an_issued_event(db, issue):
    ticket = issue("KD", priority="elderly", channel="kiosk")
    (event,) = events(db, "issued")
    assert event.ticket_id == ticket.id
    assert event.data == {
        "service": "KD",
        "service_id": ticket.service_id,
        "code": "C001",
        "priority": "elderly",
        "channel": "kiosk",
    }


def test_an_issued_ticket_is_whole_and_as_stored(db, office, clock):
    """The new ticket comes back with every column known (nothing to read
    again) and equal to its stored row, and the session has nothing left to
    write."""
    from sqlalchemy import inspect

    def issue_and_look(session):
        ticket, _created = ops.issue_ticket(session, office.id, "HT", clock(), Actor("public"))
        state = inspect(ticket)
        assert state.persistent
        columns = {column.key for column in Ticket.__table__.columns}
        assert not state.unloaded & columns, f"not loaded: {sorted(state.unloaded & columns)}"
        assert not session.dirty and not session.new
        return {key: getattr(ticket, key) for key in columns}

    in_memory = db.write(issue_and_look)
    with db.read() as session:
        stored = session.get(Ticket, in_memory["id"])
        assert {key: getattr(stored, key) for key in in_memory} == in_memory
    assert in_memory["state"] == "waiting" and in_memory["call_count"] == 0
    assert in_memory["is_time_accurate"] is True and in_memory["is_queue_head"] is False


def test_issue_unknown_service_is_invalid_and_takes_no_number(db, issue):
    with pytest.raises(Invalid) as error:
        issue("XX")
    assert error.value.code == "unknown_service"
    assert issue("HT").number == 1


def test_issue_unknown_priority_is_invalid(issue):
    with pytest.raises(Invalid) as error:
        issue("HT", priority="vip")
    assert error.value.code == "unknown_priority"


def test_numbering_restarts_at_local_midnight(issue, clock):
    # 23:59 local, then 00:01 local the next day.
    clock.moment = clock.moment.replace(hour=16, minute=59)
    assert issue().code == "A001"
    assert issue().code == "A002"
    clock.advance(120)
    assert issue().code == "A001"


def test_daily_cap_refuses_and_leaves_no_gap(db, office, services, issue):
    def set_cap(session):
        session.get(Service, services["HT"].id).daily_cap = 2

    db.write(set_cap)
    issue()
    issue()
    with pytest.raises(WrongState) as error:
        issue()
    assert error.value.code == "daily_cap_reached"

    def raise_cap(session):
        session.get(Service, services["HT"].id).daily_cap = 3

    db.write(raise_cap)
    assert issue().number == 3


def test_number_range_without_wrap_runs_out(db, services, issue):
    def narrow(session):
        service = session.get(Service, services["DD"].id)
        service.number_start, service.number_end, service.is_number_wrapping = 1, 2, False

    db.write(narrow)
    assert [issue("DD").code for _ in range(2)] == ["B1", "B2"]
    with pytest.raises(WrongState) as error:
        issue("DD")
    assert error.value.code == "numbers_exhausted"


def set_range(db, service_id, start, end, *, is_wrapping=True):
    def narrow(session):
        service = session.get(Service, service_id)
        service.number_start, service.number_end = start, end
        service.is_number_wrapping = is_wrapping

    db.write(narrow)


def open_codes(db, office_id):
    with db.read() as session:
        return sorted(
            session.scalars(
                select(Ticket.code).where(
                    Ticket.office_id == office_id, Ticket.state.in_(OPEN_STATES)
                )
            )
        )


def test_wrapping_passes_over_a_number_still_waiting(db, office, services, issue, act, counters):
    set_range(db, services["DD"].id, 1, 3)
    first, second, _third = (issue("DD") for _ in range(3))
    act(ops.call_ticket, counters[0].id, second.id)
    act(ops.finish, counters[0].id)
    wrapped = issue("DD")
    assert (wrapped.sequence, wrapped.number, wrapped.code) == (4, 2, "B2")
    assert state_of(db, first.id).state == "waiting"
    assert open_codes(db, office.id) == ["B1", "B2", "B3"]


def test_wrapped_numbers_go_round_from_the_last_one_issued(db, services, issue, act, counters):
    """B1 is held, B2 and B3 come free: the fourth ticket takes B2; when it
    is done, the fifth takes B3, not B2 again."""
    set_range(db, services["DD"].id, 1, 3)
    _first, second, third = (issue("DD") for _ in range(3))
    for ticket in (second, third):
        act(ops.call_ticket, counters[0].id, ticket.id)
        act(ops.finish, counters[0].id)
    fourth = issue("DD")
    act(ops.call_ticket, counters[0].id, fourth.id)
    act(ops.finish, counters[0].id)
    fifth = issue("DD")
    assert [(t.sequence, t.code) for t in (fourth, fifth)] == [(4, "B2"), (5, "B3")]


def test_wrapping_with_every_number_in_use_is_numbers_exhausted_and_takes_no_sequence(
    db, office, services, issue, act, counters
):
    set_range(db, services["DD"].id, 1, 2)
    first, _second = issue("DD"), issue("DD")
    with pytest.raises(WrongState) as error:
        issue("DD")
    assert error.value.code == "numbers_exhausted"
    with db.read() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 2
        assert session.scalar(select(NumberCounter.last_sequence)) == 2
    act(ops.cancel, first.id)
    again = issue("DD")
    assert (again.sequence, again.code) == (3, "B1")


def test_a_code_transferred_to_another_service_stays_in_use(
    db, office, services, issue, act, counters
):
    """A1 went on to the land service's queue with its code: the next A
    ticket after the wrap is A2, not a second A1."""
    set_range(db, services["HT"].id, 1, 2)
    first, second = issue("HT"), issue("HT")
    act(ops.call_ticket, counters[0].id, first.id)
    act(ops.transfer, counters[0].id, service_code="DD")
    act(ops.call_ticket, counters[0].id, second.id)
    act(ops.finish, counters[0].id)
    assert issue("HT").code == "A2"
    assert open_codes(db, office.id) == ["A1", "A2"]


def test_service_says_numbers_exhausted_while_every_wrapped_number_is_held(
    db, office, services, issue, act, clock
):
    set_range(db, services["DD"].id, 1, 2)
    first = issue("DD")
    issue("DD")

    def reason():
        with db.read() as session:
            view = QueueView(session, session.get(Office, office.id), clock())
            return service_closed_reason(view, session.get(Service, services["DD"].id))

    assert reason() == "numbers_exhausted"
    act(ops.cancel, first.id)
    assert reason() is None


def test_outside_issuing_hours_is_refused(db, services, issue):
    def hours(session):
        service = session.get(Service, services["HT"].id)
        service.issue_from, service.issue_until = "13:00", "16:00"

    db.write(hours)
    with pytest.raises(WrongState) as error:
        issue("HT")
    assert error.value.code == "outside_issuing_hours"


def test_idempotency_key_returns_the_same_ticket(issue):
    first = issue(idempotency=("addr:1", "k-1"))
    again = issue(idempotency=("addr:1", "k-1"))
    other_client = issue(idempotency=("addr:2", "k-1"))
    assert again.id == first.id
    assert other_client.id != first.id


def test_idempotency_key_reused_for_another_service_is_invalid(issue):
    issue("HT", idempotency=("addr:1", "k-1"))
    with pytest.raises(Invalid) as error:
        issue("DD", idempotency=("addr:1", "k-1"))
    assert error.value.code == "idempotency_key_reused"


def test_idempotency_key_expires_after_a_day(issue, clock):
    first = issue(idempotency=("addr:1", "k-1"))
    clock.advance(timedelta(hours=24, seconds=1).total_seconds())
    assert issue(idempotency=("addr:1", "k-1")).id != first.id


def test_call_next_is_first_come_first_served(issue, act, counters):
    first, second = issue("HT"), issue("DD")
    called = act(ops.call_next, counters[0].id)
    assert called.id == first.id
    assert called.state == "called"
    assert called.counter_id == counters[0].id
    assert called.call_count == 1
    assert act(ops.call_next, counters[1].id).id == second.id


@pytest.mark.parametrize(("seed", "heads"), [(1, 0.0), (2, 0.0), (3, 0.05)])
def test_call_next_weighs_the_first_of_each_line_as_it_would_weigh_all(
    db, office, services, counters, clock, seed, heads
):
    """Long lines of every kind (sent to the head, priority categories,
    transferred to this counter, preferred services): the first tickets
    of each line give the same call order as the whole of the lines, as far
    as that many claims can go, for every priority ratio and streak."""
    import random

    rng = random.Random(seed)
    counter = counters[0]
    codes = sorted(services)

    def fill(session):
        stored = session.get(Counter, counter.id)
        for link in stored.service_links:
            link.preference = rng.choice([1, 1, 2])
        for _ in range(300):
            ticket, _new = ops.issue_ticket(
                session,
                office.id,
                rng.choice(codes),
                clock() + timedelta(seconds=rng.randint(0, 3600)),
                Actor("public"),
                priority=rng.choice(["none"] * 6 + ["elderly", "disability", "pregnancy"]),
            )
            ticket.queued_at = ticket.issued_at
            ticket.is_queue_head = rng.random() < heads
            if rng.random() < 0.05:
                ticket.reserved_counter_id = rng.choice([counter.id, counters[1].id])

    db.write(fill)
    with db.read() as session:
        stored = session.get(Counter, counter.id)
        day = clock().astimezone(ZoneInfo(office.timezone)).date()
        everything = ops.candidates(session, stored, day, None)
        firsts = {
            n: ops.candidates(session, stored, day, n) for n in (1, 2, ops.CANDIDATES_PER_LINE)
        }
        desk = ops.desk_of(stored)
    assert 250 < len(everything) < 300  # all but those sent to the other counter

    def first_ids(tickets, ratio, streak, count):
        order = Line(tickets, ratio).call_order(replace(desk, normal_streak=streak))
        return [ticket.id for ticket, _ in zip(order, range(count), strict=False)]

    for per_line, some in firsts.items():
        assert len(some) < len(everything)
        for ratio in (0, 1, 3):
            for streak in (0, 2, 5):
                whole = first_ids(everything, ratio, streak, per_line)
                first = first_ids(some, ratio, streak, per_line)
                assert len(first) == per_line
                assert first == whole, (per_line, ratio, streak)


def test_call_next_returns_none_when_nobody_waits(act, counters):
    assert act(ops.call_next, counters[0].id) is None


def test_call_next_calls_priority_first(issue, act, counters):
    issue("HT")
    elderly = issue("HT", priority="elderly")
    assert act(ops.call_next, counters[0].id).id == elderly.id


def test_call_next_calls_a_checked_in_booking_before_a_long_line_of_walk_ins(
    issue, act, counters, clock
):
    """More walk-ins than call_next weighs per line arrived first."""
    for _ in range(ops.CANDIDATES_PER_LINE + 2):
        issue("HT")
        clock.advance(1)
    booked = issue("HT", channel="booking")
    assert act(ops.call_next, counters[0].id).id == booked.id


def test_call_next_follows_priority_ratio(db, office, issue, act, counters):
    def ratio(session):
        session.get(Office, office.id).priority_ratio = 2

    db.write(ratio)
    normal = [issue("HT") for _ in range(3)]
    priority = issue("HT", priority="pregnancy")
    counter = counters[0].id
    order = []
    for _ in range(4):
        ticket = act(ops.call_next, counter)
        order.append(ticket.id)
        act(ops.finish, counter)
    assert order == [normal[0].id, normal[1].id, priority.id, normal[2].id]


def test_call_next_only_serves_the_counters_services(db, issue, act, counters, services):
    def only_land(session):
        counter = session.get(Counter, counters[0].id)
        counter.service_links = [CounterService(service_id=services["DD"].id)]

    db.write(only_land)
    issue("HT")
    land = issue("DD")
    assert act(ops.call_next, counters[0].id).id == land.id
    assert act(ops.finish, counters[0].id).state == "done"
    assert act(ops.call_next, counters[0].id) is None


def test_call_next_refused_while_current_ticket_is_unfinished(issue, act, counters):
    issue()
    issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(WrongState) as error:
        act(ops.call_next, counters[0].id)
    assert error.value.code == "counter_busy"


def test_call_next_refused_at_paused_counter(issue, act, counters):
    issue()
    act(ops.pause_counter, counters[0].id, reason="Nghỉ giải lao")
    with pytest.raises(WrongState) as error:
        act(ops.call_next, counters[0].id)
    assert error.value.code == "counter_not_open"


def test_recall_increments_call_count(db, issue, act, counters):
    ticket = issue()
    act(ops.call_next, counters[0].id)
    recalled = act(ops.recall, counters[0].id)
    assert recalled.id == ticket.id
    assert recalled.call_count == 2
    assert [e.data["call_count"] for e in events(db, "recalled")] == [2]


def test_start_and_finish_record_times_and_outcome(issue, act, counters, clock):
    issue()
    called_at = clock()
    act(ops.call_next, counters[0].id)
    clock.advance(30)
    act(ops.start_service, counters[0].id)
    clock.advance(240)
    done = act(ops.finish, counters[0].id, outcome="more_documents")
    assert done.state == "done"
    assert done.first_called_at == called_at
    assert (done.started_at - called_at).total_seconds() == 30
    assert (done.finished_at - done.started_at).total_seconds() == 240
    assert done.outcome == "more_documents"


def test_finish_with_unknown_outcome_changes_nothing(db, issue, act, counters):
    ticket = issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(Invalid) as raised:
        act(ops.finish, counters[0].id, outcome="lost")
    assert raised.value.code == "unknown_outcome"
    assert state_of(db, ticket.id).state == "called"


def test_finish_without_current_ticket_is_wrong_state(act, counters):
    with pytest.raises(WrongState) as error:
        act(ops.finish, counters[0].id)
    assert error.value.code == "no_current_ticket"


def test_no_show_needs_a_recall_first(issue, act, counters):
    issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(WrongState) as error:
        act(ops.mark_no_show, counters[0].id)
    assert error.value.code == "recall_limit_not_reached"
    act(ops.recall, counters[0].id)
    assert act(ops.mark_no_show, counters[0].id).state == "no_show"


def test_no_show_returns_to_queue_within_window(db, issue, act, counters, clock):
    ticket = issue()
    act(ops.call_next, counters[0].id)
    act(ops.recall, counters[0].id)
    act(ops.mark_no_show, counters[0].id)
    clock.advance(29 * 60)
    returned = act(ops.return_to_queue, ticket.id)
    assert returned.state == "waiting"
    assert act(ops.call_next, counters[1].id).id == ticket.id


def test_no_show_cannot_return_after_window(issue, act, counters, clock):
    ticket = issue()
    act(ops.call_next, counters[0].id)
    act(ops.recall, counters[0].id)
    act(ops.mark_no_show, counters[0].id)
    clock.advance(31 * 60)
    with pytest.raises(WrongState) as error:
        act(ops.return_to_queue, ticket.id)
    assert error.value.code == "return_window_passed"


def test_park_frees_the_counter_and_the_ticket_can_be_called_back(issue, act, counters):
    parked = issue()
    other = issue()
    act(ops.call_next, counters[0].id)
    assert act(ops.park, counters[0].id).state == "parked"
    assert act(ops.call_next, counters[0].id).id == other.id
    act(ops.finish, counters[0].id)
    called_back = act(ops.call_ticket, counters[0].id, parked.id)
    assert called_back.state == "called"
    assert called_back.call_count == 2


def test_call_chosen_ticket_skips_the_line(issue, act, counters):
    issue()
    chosen = issue()
    assert act(ops.call_ticket, counters[0].id, chosen.id).id == chosen.id


def test_call_chosen_ticket_already_called_is_wrong_state(issue, act, counters):
    ticket = issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(WrongState) as raised:
        act(ops.call_ticket, counters[1].id, ticket.id)
    assert raised.value.code == "wrong_ticket_state"


def test_transfer_to_service_keeps_code_and_goes_to_head(db, issue, act, counters):
    ticket = issue("HT")
    waiting_land = issue("DD")
    act(ops.call_next, counters[0].id)
    leg = act(ops.transfer, counters[0].id, service_code="DD")
    assert leg.code == ticket.code
    assert leg.parent_id == ticket.id
    assert leg.service.code == "DD"
    assert state_of(db, ticket.id).state == "transferred"
    # The transferred citizen goes before the one already waiting for land.
    assert act(ops.call_next, counters[1].id).id == leg.id
    act(ops.finish, counters[1].id)
    assert act(ops.call_next, counters[1].id).id == waiting_land.id


def test_transfer_to_counter_reserves_the_leg_for_it(issue, act, counters):
    ticket = issue("HT")
    act(ops.call_next, counters[0].id)
    leg = act(ops.transfer, counters[0].id, target_counter_id=counters[2].id)
    assert leg.code == ticket.code
    assert act(ops.call_next, counters[1].id) is None
    assert act(ops.call_next, counters[2].id).id == leg.id


def test_transfer_needs_exactly_one_target(issue, act, counters):
    issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(Invalid) as raised:
        act(ops.transfer, counters[0].id)
    assert raised.value.code == "transfer_target"


def test_cancel_a_waiting_ticket(issue, act, counters):
    ticket = issue()
    assert act(ops.cancel, ticket.id).state == "cancelled"
    assert act(ops.call_next, counters[0].id) is None


def test_rate_only_done_tickets_and_only_once(db, issue, act, counters, clock):
    ticket = issue()
    with pytest.raises(WrongState) as error:
        db.write(lambda s: ops.rate(s, ticket.id, 5, clock(), Actor("public")))
    assert error.value.code == "not_finished"
    act(ops.call_next, counters[0].id)
    act(ops.finish, counters[0].id)
    rating = db.write(
        lambda s: ops.rate(s, ticket.id, 2, clock(), Actor("public"), reasons=["long_wait"])
    )
    assert rating.score == 2
    assert rating.counter_id == counters[0].id
    with pytest.raises(WrongState) as error:
        db.write(lambda s: ops.rate(s, ticket.id, 4, clock(), Actor("public")))
    assert error.value.code == "already_rated"


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rate_score_out_of_range_is_invalid(db, issue, score, clock):
    ticket = issue()
    with pytest.raises(Invalid) as raised:
        db.write(lambda s: ops.rate(s, ticket.id, score, clock(), Actor("public")))
    assert raised.value.code == "invalid_score"


def test_counter_open_pause_close(db, act, counters):
    counter_id = counters[0].id
    paused = act(ops.pause_counter, counter_id, reason="Họp giao ban")
    assert (paused.state, paused.pause_reason) == ("paused", "Họp giao ban")
    assert act(ops.open_counter, counter_id).state == "open"
    assert act(ops.close_counter, counter_id).state == "closed"
    kinds = [e.kind for e in events(db) if e.counter_id == counter_id]
    assert kinds == ["counter_paused", "counter_opened", "counter_closed"]


def test_close_counter_refused_while_serving(issue, act, counters):
    issue()
    act(ops.call_next, counters[0].id)
    with pytest.raises(WrongState) as raised:
        act(ops.close_counter, counters[0].id)
    assert raised.value.code == "counter_busy"


def test_close_day_closes_open_tickets_flagged_inaccurate(db, office, issue, act, counters, clock):
    waiting = issue()
    serving = issue()
    act(ops.call_ticket, counters[0].id, serving.id)
    act(ops.start_service, counters[0].id)
    finished = issue()
    act(ops.call_ticket, counters[1].id, finished.id)
    act(ops.finish, counters[1].id)
    clock.advance(timedelta(days=1).total_seconds())
    closed = db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system()))
    assert closed == 2
    assert (state_of(db, waiting.id).state, state_of(db, waiting.id).is_time_accurate) == (
        "cancelled",
        False,
    )
    assert (state_of(db, serving.id).state, state_of(db, serving.id).is_time_accurate) == (
        "done",
        False,
    )
    assert state_of(db, finished.id).is_time_accurate is True
    with db.read() as session:
        assert session.get(Counter, counters[0].id).current_ticket_id is None
    assert db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system())) == 0


def test_close_day_leaves_todays_tickets(db, office, issue, clock):
    issue()
    assert db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system())) == 0


# -- midnight ------------------------------------------------------------------

#: 23:59:59 on Monday 23 November 2026 in Ho Chi Minh City (UTC+7).
LAST_SECOND = datetime(2026, 11, 23, 16, 59, 59, tzinfo=UTC)


def test_call_next_after_midnight_calls_no_ticket_of_the_day_before(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    yesterday = issue()
    clock.advance(1)
    today = issue()
    called = act(ops.call_next, counters[0].id)
    assert (called.id, called.code, called.service_day.isoformat()) == (
        today.id,
        "A001",
        "2026-11-24",
    )
    assert act(ops.call_next, counters[1].id) is None
    assert state_of(db, yesterday.id).state == "waiting"


def test_call_ticket_after_midnight_refuses_a_ticket_of_the_day_before(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    ticket = issue()
    clock.advance(1)
    with pytest.raises(WrongState) as error:
        act(ops.call_ticket, counters[0].id, ticket.id)
    assert error.value.code == "ticket_expired"
    assert state_of(db, ticket.id).state == "waiting"
    with db.read() as session:
        assert session.get(Counter, counters[0].id).current_ticket_id is None


def test_call_ticket_after_midnight_refuses_a_ticket_parked_the_day_before(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    ticket = issue()
    act(ops.call_next, counters[0].id)
    act(ops.park, counters[0].id)
    clock.advance(1)
    with pytest.raises(WrongState) as error:
        act(ops.call_ticket, counters[0].id, ticket.id)
    assert error.value.code == "ticket_expired"
    assert state_of(db, ticket.id).state == "parked"


def test_the_line_after_midnight_holds_only_todays_tickets(db, office, issue, counters, clock):
    """The citizen's place, the service's waiting count and the counter's
    list follow the same rule as call_next."""
    clock.moment = LAST_SECOND
    yesterday = issue()
    clock.advance(1)
    today = issue()
    with db.read() as session:
        view = QueueView(session, session.get(Office, office.id), clock())
        assert view.place(session.get(Ticket, today.id)).position == 0
        assert view.place(session.get(Ticket, yesterday.id)) is None
        assert view.figures(today.service_id).waiting == 1
        listed = clerks.counter_line(session, session.get(Counter, counters[0].id), clock())
    assert [ticket.id for ticket in listed] == [today.id]


def test_transfer_after_midnight_refuses_a_ticket_called_the_day_before(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    ticket = issue("HT")
    act(ops.call_next, counters[0].id)
    clock.advance(1)
    with pytest.raises(WrongState) as error:
        act(ops.transfer, counters[0].id, service_code="DD")
    assert error.value.code == "ticket_expired"
    assert state_of(db, ticket.id).state == "called"
    with db.read() as session:
        assert session.get(Counter, counters[0].id).current_ticket_id == ticket.id
        assert session.scalar(select(func.count(Ticket.id))) == 1


def test_park_after_midnight_refuses_a_ticket_called_the_day_before(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    ticket = issue()
    act(ops.call_next, counters[0].id)
    clock.advance(1)
    with pytest.raises(WrongState) as error:
        act(ops.park, counters[0].id)
    assert error.value.code == "ticket_expired"
    assert state_of(db, ticket.id).state == "called"


def test_a_ticket_called_the_day_before_is_still_finished_after_midnight(
    db, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    ticket = issue()
    act(ops.call_next, counters[0].id)
    clock.advance(1)
    act(ops.recall, counters[0].id)
    clock.advance(4)
    act(ops.start_service, counters[0].id)
    clock.advance(60)
    done = act(ops.finish, counters[0].id)
    assert (done.id, done.state, done.is_time_accurate) == (ticket.id, "done", True)
    assert (done.finished_at - done.first_called_at).total_seconds() == 65


@pytest.mark.parametrize("set_aside", ["park", "no_show"])
def test_return_to_queue_after_midnight_refuses_a_ticket_set_aside_the_day_before(
    db, office, issue, act, counters, clock, set_aside
):
    db.write(lambda s: setattr(s.get(Office, office.id), "recall_limit", 0))
    clock.moment = LAST_SECOND
    ticket = issue()
    act(ops.call_next, counters[0].id)
    act(ops.park if set_aside == "park" else ops.mark_no_show, counters[0].id)
    clock.advance(1)
    with pytest.raises(WrongState) as error:
        act(ops.return_to_queue, ticket.id)
    assert error.value.code == "ticket_expired"
    assert state_of(db, ticket.id).state == {"park": "parked", "no_show": "no_show"}[set_aside]


@pytest.mark.parametrize(
    ("action", "state"), [(ops.recall, "called"), (ops.start_service, "serving")]
)
def test_close_day_leaves_a_ticket_its_clerk_acted_on_since_midnight(
    db, office, issue, act, counters, clock, action, state
):
    clock.moment = LAST_SECOND
    served = issue()
    left = issue()
    act(ops.call_next, counters[0].id)
    clock.advance(6)
    act(action, counters[0].id)
    clock.advance(25)
    assert db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system())) == 1
    assert (state_of(db, left.id).state, state_of(db, left.id).is_time_accurate) == (
        "cancelled",
        False,
    )
    kept = state_of(db, served.id)
    assert (kept.state, kept.is_time_accurate, kept.finished_at) == (state, True, None)
    with db.read() as session:
        assert session.get(Counter, counters[0].id).current_ticket_id == served.id
    clock.advance(60)
    done = act(ops.finish, counters[0].id)
    assert (done.id, done.state, done.is_time_accurate) == (served.id, "done", True)
    assert done.finished_at == clock()


def test_no_office_is_stale_while_its_only_old_ticket_is_served_since_midnight(
    db, office, issue, act, counters, clock
):
    clock.moment = LAST_SECOND
    issue()
    act(ops.call_next, counters[0].id)
    clock.advance(6)
    act(ops.start_service, counters[0].id)
    with db.read() as session:
        assert ops.offices_with_stale_tickets(session, clock()) == []
    clock.advance(timedelta(days=1).total_seconds())
    with db.read() as session:
        assert ops.offices_with_stale_tickets(session, clock()) == [office.id]


def test_close_day_finishes_a_ticket_last_called_before_midnight(
    db, office, issue, act, counters, clock
):
    """Nothing happened to it since 23:59:59: the day's close ends it."""
    clock.moment = LAST_SECOND
    ticket = issue()
    act(ops.call_next, counters[0].id)
    clock.advance(31)
    assert db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system())) == 1
    closed = state_of(db, ticket.id)
    assert (closed.state, closed.is_time_accurate, closed.finished_at) == ("done", False, clock())
    with db.read() as session:
        assert session.get(Counter, counters[0].id).current_ticket_id is None

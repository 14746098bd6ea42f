"""The line model on plain values: who a counter calls next, and the
forecast of every waiting ticket's place (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queueing.line import Desk, Line, Waiting

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
A, B, C = 1, 2, 3


def ticket(
    id: int,
    minute: float,
    service: int = A,
    *,
    priority: bool = False,
    head: bool = False,
    reserved: int | None = None,
    booked: bool = False,
) -> Waiting:
    return Waiting(
        id=id,
        service_id=service,
        is_priority=priority,
        is_queue_head=head,
        queued_at=T0 + timedelta(minutes=minute),
        reserved_counter_id=reserved,
        is_booked=booked,
    )


def desk(id: int, *services: int, streak: int = 0, levels: dict[int, int] | None = None) -> Desk:
    return Desk(
        id=id,
        number=id,
        preferences=levels if levels is not None else {service: 1 for service in services},
        normal_streak=streak,
    )


def order(tickets, counter, ratio=0, **options):
    return [waiting.id for waiting in Line(tickets, ratio).call_order(counter, **options)]


def test_call_order_is_first_come_first_served_across_services_of_a_level():
    tickets = [ticket(3, 2, B), ticket(1, 0, A), ticket(2, 1, C)]
    assert order(tickets, desk(1, A, B, C)) == [1, 2, 3]


def test_call_order_puts_priority_first_when_ratio_is_zero():
    tickets = [ticket(1, 0), ticket(2, 1), ticket(3, 5, priority=True)]
    assert order(tickets, desk(1, A)) == [3, 1, 2]


def test_call_order_with_ratio_calls_normal_until_the_streak_reaches_it():
    tickets = [ticket(1, 0), ticket(2, 1), ticket(3, 2, priority=True)]
    assert order(tickets, desk(1, A, streak=0), ratio=2)[0] == 1
    assert order(tickets, desk(1, A, streak=1), ratio=2)[0] == 1
    assert order(tickets, desk(1, A, streak=2), ratio=2)[0] == 3


def test_call_order_as_called_moves_the_streak_and_resets_it_after_priority():
    tickets = [ticket(n, n) for n in range(1, 6)] + [
        ticket(10, 0.5, priority=True),
        ticket(11, 0.6, priority=True),
    ]
    # Ratio 2: two normal, one priority, two normal, one priority, the rest.
    assert order(tickets, desk(1, A), ratio=2, as_called=True) == [1, 2, 10, 3, 4, 11, 5]


def test_call_order_with_ratio_takes_priority_when_no_normal_waits():
    assert order([ticket(7, 0, priority=True)], desk(1, A), ratio=3) == [7]


def test_a_checked_in_booking_goes_before_walk_ins_and_after_priority():
    tickets = [
        ticket(1, 0),
        ticket(2, 1, priority=True),
        ticket(3, 5, booked=True),
        ticket(4, 6, booked=True, priority=True),
        ticket(5, 7, head=True),
    ]
    assert order(tickets, desk(1, A), as_called=True) == [5, 2, 4, 3, 1]
    # Ratio 1: the head (a normal call) lets a priority one go next; then a
    # booking counts as the normal call before the next priority one.
    assert order(tickets, desk(1, A), ratio=1, as_called=True) == [5, 2, 3, 4, 1]


def test_a_booking_goes_before_walk_ins_of_its_own_service_only_within_a_level():
    tickets = [ticket(1, 0, A), ticket(2, 5, B, booked=True)]
    assert order(tickets, desk(1, A, B)) == [2, 1]
    assert order(tickets, desk(1, levels={A: 1, B: 2})) == [1, 2]


def test_call_order_puts_queue_head_before_priority():
    tickets = [ticket(1, 0, priority=True), ticket(2, 9, head=True)]
    assert order(tickets, desk(1, A)) == [2, 1]
    assert order(tickets, desk(1, A), ratio=2) == [2, 1]


def test_call_order_serves_lower_preference_level_first():
    tickets = [ticket(1, 0, B), ticket(2, 5, A)]
    assert order(tickets, desk(1, levels={A: 1, B: 2})) == [2, 1]


def test_a_leg_transferred_to_a_counter_goes_first_there_and_nowhere_else():
    tickets = [ticket(1, 0), ticket(2, 9, reserved=2)]
    assert order(tickets, desk(2, A)) == [2, 1]
    assert order(tickets, desk(1, A)) == [1]


def forecast(tickets, desks, ratio=0, seconds=None, default=60.0):
    return Line(tickets, ratio).forecast(desks, T0, seconds or {}, default)


def test_shared_counters_give_positions_in_arrival_order_across_services():
    # Nine tickets over three services, three counters serving all of them.
    tickets = [ticket(n, n, (A, B, C)[(n - 1) % 3]) for n in range(1, 10)]
    result = forecast(tickets, [desk(1, A, B, C), desk(2, A, B, C), desk(3, A, B, C)])
    assert [result.tickets[n].position for n in range(1, 10)] == list(range(9))
    assert [result.tickets[n].wait_s(T0) for n in range(1, 10)] == [
        0,
        0,
        0,
        60,
        60,
        60,
        120,
        120,
        120,
    ]


def test_position_counts_only_the_counters_that_can_call_the_ticket():
    # Counter 1 serves A only; counter 2 serves B only: lines are separate.
    tickets = [ticket(1, 0, A), ticket(2, 1, B), ticket(3, 2, A), ticket(4, 3, B)]
    result = forecast(tickets, [desk(1, A), desk(2, B)])
    assert {n: result.tickets[n].position for n in (1, 2, 3, 4)} == {1: 0, 2: 0, 3: 1, 4: 1}


def test_a_busy_counter_calls_when_its_current_service_is_expected_to_end():
    busy = Desk(id=1, number=1, preferences={A: 1}, free_at=T0 + timedelta(seconds=90))
    result = forecast([ticket(1, 0), ticket(2, 1)], [busy], seconds={A: 200.0})
    assert result.tickets[1].wait_s(T0) == 90
    assert result.tickets[2].wait_s(T0) == 290


def test_each_counter_keeps_its_own_pace():
    slow = Desk(id=1, number=1, preferences={A: 1}, pace={A: 600.0})
    fast = Desk(id=2, number=2, preferences={A: 1}, pace={A: 100.0})
    result = forecast([ticket(n, n) for n in range(1, 6)], [slow, fast])
    # t=0: 1 at counter 1, 2 at counter 2; the fast one calls 3, 4, 5 at 100, 200, 300.
    assert [result.tickets[n].wait_s(T0) for n in range(1, 6)] == [0, 0, 100, 200, 300]
    assert result.calls == [(1, 1), (2, 2), (2, 3), (2, 4), (2, 5)]


def test_a_service_no_staffed_counter_serves_has_no_wait_to_promise():
    tickets = [ticket(1, 0, A), ticket(2, 1, B), ticket(3, 2, B)]
    result = forecast(tickets, [desk(1, A)])
    assert result.tickets[1].wait_s(T0) == 0
    assert (result.tickets[2].position, result.tickets[2].call_at) == (0, None)
    assert (result.tickets[3].position, result.tickets[3].call_at) == (1, None)
    assert B not in result.services


def test_a_new_ticket_of_each_service_stands_behind_everyone_it_shares_counters_with():
    tickets = [ticket(1, 0, A), ticket(2, 1, B), ticket(3, 2, A)]
    result = forecast(tickets, [desk(1, A, B)])
    # Whatever its service, a new ticket is called after the three.
    assert result.services[A].position == 3
    assert result.services[B].position == 3
    assert result.services[A].wait_s(T0) == 180


def test_a_new_ticket_of_a_preferred_service_goes_before_a_less_preferred_line():
    tickets = [ticket(1, 0, B), ticket(2, 1, B)]
    result = forecast(tickets, [desk(1, levels={A: 1, B: 2})])
    assert (result.services[A].position, result.services[A].wait_s(T0)) == (0, 0)
    assert result.services[B].position == 2


def test_a_new_normal_ticket_goes_before_waiting_priority_ones_while_the_streak_is_short():
    tickets = [ticket(1, 0, priority=True)]
    result = forecast(tickets, [desk(1, A, streak=0)], ratio=2)
    assert result.services[A].position == 0
    result = forecast(tickets, [desk(1, A, streak=2)], ratio=2)
    assert result.services[A].position == 1


def test_forecast_matches_a_new_ticket_added_to_the_line():
    # The figure given for a service before issuing is the new ticket's after.
    tickets = [ticket(1, 0, A), ticket(2, 1, B, priority=True), ticket(3, 2, A), ticket(4, 3, C)]
    desks = [desk(1, A, B), desk(2, levels={B: 1, C: 2}), desk(3, C)]
    before = forecast(tickets, desks, seconds={A: 100.0, B: 250.0, C: 40.0})
    for service in (A, B, C):
        after = forecast(
            [*tickets, ticket(99, 10, service)], desks, seconds={A: 100.0, B: 250.0, C: 40.0}
        )
        assert after.tickets[99] == before.services[service]

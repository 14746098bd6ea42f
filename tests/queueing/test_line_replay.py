"""The line model against the counters themselves: the calls it predicts are
the calls that the counters make, for random offices.

Each case builds a random office (counters with random service sets and
preference levels, a priority ratio, streaks, tickets of every priority,
transfers to the head of a line or to one counter, no-shows returned to the
line), asks the model for its forecast, then lets the counters call in the
order the forecast says they become free, with the real ``call_next``.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from queueing import operations as ops
from queueing.models import (
    COUNTER_OPEN,
    WAITING,
    Counter,
    CounterService,
    Office,
    Service,
    Ticket,
)
from queueing.operations import Actor
from queueing.queries import QueueView

PUBLIC = Actor("public")
KEYPAD = Actor("token:1")
PRIORITIES = ["none"] * 5 + ["elderly", "disability", "pregnancy"]


def acting(db, clock):
    """``act(ops.call_next, counter_id)``: a keypad runs a use case now."""

    def act(operation, *args, **options):
        return db.write(lambda s: operation(s, *args, clock(), KEYPAD, **options))

    return act


def build_office(db, office, clock, rng: random.Random) -> None:
    """Random counters, services and tickets in the demo office."""
    act = acting(db, clock)

    def configure(session):
        stored = session.get(Office, office.id)
        stored.priority_ratio = rng.choice([0, 0, 1, 2, 3])
        stored.recall_limit = 0
        stored.is_transfer_to_head = rng.random() < 0.7
        stored.is_issuing_without_counter = True
        service_ids = list(
            session.scalars(select(Service.id).where(Service.office_id == office.id))
        )
        for number in (4, 5):
            session.add(Counter(office_id=office.id, number=number, state=COUNTER_OPEN))
        session.flush()
        for counter in session.scalars(select(Counter).where(Counter.office_id == office.id)):
            served = rng.sample(service_ids, rng.randint(1, len(service_ids)))
            counter.service_links = [
                CounterService(service_id=service_id, preference=rng.choice([1, 1, 2, 3]))
                for service_id in served
            ]
            counter.normal_streak = rng.randint(0, 4)

    db.write(configure)
    codes = ["HT", "DD", "KD", "LD"]
    with db.read() as session:
        counter_ids = list(
            session.scalars(select(Counter.id).where(Counter.office_id == office.id))
        )
    for _ in range(rng.randint(20, 45)):
        clock.advance(rng.choice([0, 1, 7, 30]))
        db.write(
            lambda s: ops.issue_ticket(
                s,
                office.id,
                rng.choice(codes),
                clock(),
                PUBLIC,
                priority=rng.choice(PRIORITIES),
                # A checked-in booking is issued on its own channel.
                channel=rng.choice(("kiosk", "kiosk", "booking")),
            )
        )
    # Some citizens are called, then sent on (to a line or a counter) or
    # not seen and returned to the back of their line.
    for _ in range(rng.randint(2, 6)):
        counter_id = rng.choice(counter_ids)
        clock.advance(5)
        called = act(ops.call_next, counter_id)
        if called is None:
            continue
        clock.advance(5)
        fate = rng.choice(["service", "counter", "returned", "done"])
        if fate == "service":
            act(ops.transfer, counter_id, service_code=rng.choice(codes))
        elif fate == "counter":
            target = rng.choice([c for c in counter_ids if c != counter_id])
            act(ops.transfer, counter_id, target_counter_id=target)
        elif fate == "returned":
            act(ops.mark_no_show, counter_id)
            act(ops.return_to_queue, called.id)
        else:
            act(ops.finish, counter_id)
    # Every counter is free when the forecast is taken.
    for counter_id in counter_ids:
        with db.read() as session:
            busy = session.get(Counter, counter_id).current_ticket_id
        if busy is not None:
            act(ops.finish, counter_id)


@pytest.mark.parametrize("seed", range(12))
def test_counters_call_in_the_order_the_model_predicts(db, office, clock, seed):
    rng = random.Random(seed)
    build_office(db, office, clock, rng)
    clock.advance(60)
    with db.read() as session:
        view = QueueView(session, session.get(Office, office.id), clock())
        forecast = view.forecast
        desks = {desk.id: set(desk.preferences) for desk in view.office_line.desks}
        waiting = {w.id: w for w in view.office_line.waiting}
    assert forecast.calls, "the random office has somebody to call"
    # The counters call in turn, as the forecast expects them to be free
    # (every one at the office's default pace: no service history yet).
    made = []
    for counter_id, predicted in forecast.calls:
        clock.advance(1)
        called = db.write(lambda s, c=counter_id: ops.call_next(s, c, clock(), KEYPAD))
        assert called is not None and called.id == predicted, (seed, len(made))
        made.append((counter_id, called.id))
        db.write(lambda s, c=counter_id: ops.finish(s, c, clock(), KEYPAD))
    # Nobody the counters can call is left; the rest have no time promised.
    with db.read() as session:
        left = set(
            session.scalars(
                select(Ticket.id).where(Ticket.office_id == office.id, Ticket.state == WAITING)
            )
        )
    assert left == {ticket_id for ticket_id, place in forecast.tickets.items() if not place.call_at}
    for counter_id in desks:
        assert db.write(lambda s, c=counter_id: ops.call_next(s, c, clock(), KEYPAD)) is None

    # Each position is the number of calls made before the ticket's at the
    # counters that could call it.
    def can_call(counter_id, ticket_id):
        ticket = waiting[ticket_id]
        if ticket.reserved_counter_id is not None:
            return ticket.reserved_counter_id == counter_id
        return ticket.service_id in desks[counter_id]

    for index, (_counter_id, ticket_id) in enumerate(made):
        before = sum(1 for counter_id, _ in made[:index] if can_call(counter_id, ticket_id))
        assert forecast.tickets[ticket_id].position == before


def test_a_priority_call_restarts_the_ratio_count(db, office, counters, clock):
    """Ratio 2 at the one open counter: two normal tickets, one priority,
    two normal, one priority: the count starts again after each priority
    call, in the forecast and at the counter."""
    db.write(lambda s: setattr(s.get(Office, office.id), "priority_ratio", 2))
    for other in counters[1:]:
        db.write(lambda s, c=other.id: ops.pause_counter(s, c, clock(), KEYPAD))
    names = {}
    for name, priority in [
        ("n1", "none"),
        ("p1", "elderly"),
        ("n2", "none"),
        ("p2", "elderly"),
        ("n3", "none"),
        ("n4", "none"),
        ("n5", "none"),
    ]:
        clock.advance(1)
        ticket, _ = db.write(
            lambda s, p=priority: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC, priority=p)
        )
        names[ticket.id] = name
    with db.read() as session:
        forecast = QueueView(session, session.get(Office, office.id), clock()).forecast
    predicted = [names[ticket_id] for _counter, ticket_id in forecast.calls]
    counter_id = counters[0].id
    called = []
    for _ in names:
        called.append(names[db.write(lambda s: ops.call_next(s, counter_id, clock(), KEYPAD)).id])
        db.write(lambda s: ops.finish(s, counter_id, clock(), KEYPAD))
    assert called == ["n1", "n2", "p1", "n3", "n4", "p2", "n5"]
    assert predicted == called

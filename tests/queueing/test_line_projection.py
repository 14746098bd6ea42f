"""A projection that a walk-in joins gives the forecast of the whole line run
again: every ticket's place, every service's place and the calls, to the
second, for random offices."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from queueing.line import Desk, Line, Projection, Waiting

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def random_office(rng: random.Random) -> tuple[list[Waiting], list[Desk], dict[int, float], int]:
    services = list(range(1, rng.randint(2, 6)))
    desks = []
    for number in range(1, rng.randint(1, 5)):
        served = rng.sample(services, rng.randint(1, len(services)))
        desks.append(
            Desk(
                id=100 + number,
                number=number,
                preferences={service: rng.randint(1, 3) for service in served},
                normal_streak=rng.randint(0, 3),
                free_at=(
                    NOW + timedelta(seconds=rng.randint(-60, 600)) if rng.random() < 0.5 else None
                ),
                pace={service: rng.uniform(60, 900) for service in served if rng.random() < 0.5},
            )
        )
    tickets = []
    for ticket_id in range(1, rng.randint(0, 60)):
        tickets.append(
            Waiting(
                id=ticket_id,
                service_id=rng.choice([*services, 99]),
                is_priority=rng.random() < 0.2,
                is_queue_head=rng.random() < 0.1,
                queued_at=NOW - timedelta(seconds=rng.randint(0, 3600)),
                reserved_counter_id=(
                    rng.choice(desks).id if desks and rng.random() < 0.1 else None
                ),
                is_booked=rng.random() < 0.1,
            )
        )
    seconds = {service: rng.uniform(60, 600) for service in services if rng.random() < 0.7}
    return tickets, desks, seconds, rng.choice((0, 0, 1, 2, 3))


@pytest.mark.parametrize("seed", range(300))
def test_walk_ins_joining_a_projection_get_the_places_of_the_whole_line_run_again(seed):
    rng = random.Random(seed)
    tickets, desks, seconds, ratio = random_office(rng)
    projection = Projection(Line(tickets, ratio), desks, NOW, seconds, 300.0)
    services = sorted({service for desk in desks for service in desk.preferences} | {99})
    for joined in range(20):
        walk_in = Waiting(
            id=1000 + joined,
            service_id=rng.choice(services),
            is_priority=False,
            is_queue_head=False,
            queued_at=NOW + timedelta(seconds=joined),
        )
        assert projection.can_join(walk_in)
        expected = Line([*tickets, walk_in], ratio).forecast(desks, NOW, seconds, 300.0)
        place = projection.join(walk_in)
        tickets.append(walk_in)
        assert place == expected.tickets[walk_in.id]
        forecast = projection.forecast()
        assert forecast.tickets == expected.tickets
        assert forecast.services == expected.services
        assert forecast.calls == expected.calls


def test_a_walk_in_takes_the_place_its_service_had_before_it_joined():
    tickets, desks, seconds, ratio = random_office(random.Random(7))
    projection = Projection(Line(tickets, ratio), desks, NOW, seconds, 300.0)
    service = next(iter(desks[0].preferences))
    before = projection.forecast().services[service]
    walk_in = Waiting(2000, service, False, False, NOW + timedelta(seconds=1))
    assert projection.join(walk_in) == before


def test_only_a_walk_in_arriving_last_joins_a_projection():
    tickets = [Waiting(1, 1, False, False, NOW)]
    projection = Projection(Line(tickets, 0), [Desk(1, 1, {1: 1})], NOW, {}, 300.0)
    assert not projection.can_join(Waiting(2, 1, False, False, NOW - timedelta(seconds=1)))
    assert not projection.can_join(Waiting(3, 1, True, False, NOW + timedelta(seconds=1)))
    assert not projection.can_join(Waiting(4, 1, False, True, NOW + timedelta(seconds=1)))
    assert not projection.can_join(Waiting(5, 1, False, False, NOW, is_booked=True))
    assert projection.can_join(Waiting(6, 1, False, False, NOW))


@pytest.mark.parametrize("seed", range(300))
def test_a_projection_run_from_a_later_moment_is_the_line_run_then_or_is_refused(seed):
    rng = random.Random(seed)
    tickets, desks, seconds, ratio = random_office(rng)
    projection = Projection(Line(tickets, ratio), desks, NOW, seconds, 300.0)
    later = NOW + timedelta(seconds=rng.choice((0, 1, 30, 400, 4000)))
    moved = projection.forecast(later)
    if moved is None:
        # Some counters free from the start, some busy past it.
        assert any(d.free_at is None or d.free_at <= later for d in desks)
        assert any(d.free_at is not None and d.free_at > NOW for d in desks)
        return
    expected = Line(tickets, ratio).forecast(desks, later, seconds, 300.0)
    assert moved.tickets == expected.tickets
    assert moved.services == expected.services
    assert moved.calls == expected.calls

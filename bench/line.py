"""What one recomputation of the line costs: 500 waiting, 30 counters.

    .venv/bin/python bench/line.py [--waiting 500] [--counters 30] [--services 12] [--rounds 200]

Builds an office in a SQLite file (counters serving random sets of services
on two preference levels, a priority ratio, priority tickets, transfers to
the head, a day of service history), then times, over ``--rounds`` rounds:
- baseline: reading the waiting tickets' rows alone (the least any answer
  about the line must read);
- model: the forecast on values already read (queueing/line.py);
- view: everything a state change recomputes (read the office's line and
  history, run the forecast, give every waiting ticket and service its
  figures), as the screens and the API do.
Prints each as median and p95 in milliseconds, and as a ratio to the
baseline measured in the same run, with the machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import describe_ms, machine, percentile

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def build(url: str, waiting: int, counters: int, services: int, seed: int) -> int:
    from queueing.database import Database
    from queueing.models import (
        COUNTER_OPEN,
        DONE,
        WAITING,
        Base,
        Counter,
        CounterService,
        Office,
        Service,
        Ticket,
    )

    rng = random.Random(seed)
    database = Database(url)
    Base.metadata.create_all(database.engine)

    def work(session):  # type: ignore[no-untyped-def]
        office = Office(code="BENCH", name="Bench", created_at=NOW, priority_ratio=2)
        session.add(office)
        session.flush()
        rows = [
            Service(office_id=office.id, code=f"S{n}", name=f"S{n}", prefix=chr(65 + n % 26))
            for n in range(services)
        ]
        session.add_all(rows)
        session.flush()
        desks = []
        for number in range(1, counters + 1):
            counter = Counter(office_id=office.id, number=number, state=COUNTER_OPEN)
            served = rng.sample(rows, rng.randint(2, min(6, services)))
            counter.service_links = [
                CounterService(service_id=s.id, preference=rng.choice([1, 1, 2])) for s in served
            ]
            session.add(counter)
            desks.append((counter, served))
        session.flush()
        day = NOW.date()
        sequence = 0
        # A day of history: each counter finished 20 services of its own.
        for counter, served in desks:
            for n in range(20):
                sequence += 1
                started = NOW - timedelta(minutes=20 * (n + 1))
                session.add(
                    Ticket(
                        office_id=office.id,
                        service_id=rng.choice(served).id,
                        service_day=day,
                        sequence=sequence,
                        number=sequence,
                        code=str(sequence),
                        state=DONE,
                        issued_at=started - timedelta(minutes=10),
                        queued_at=started - timedelta(minutes=10),
                        first_called_at=started,
                        last_called_at=started,
                        started_at=started,
                        finished_at=started + timedelta(seconds=rng.randint(120, 900)),
                        counter_id=counter.id,
                    )
                )
        for n in range(waiting):
            sequence += 1
            queued = NOW - timedelta(seconds=(waiting - n) * 20)
            session.add(
                Ticket(
                    office_id=office.id,
                    service_id=rng.choice(rows).id,
                    service_day=day,
                    sequence=sequence,
                    number=sequence,
                    code=str(sequence),
                    priority="elderly" if rng.random() < 0.1 else "none",
                    is_queue_head=rng.random() < 0.02,
                    state=WAITING,
                    issued_at=queued,
                    queued_at=queued,
                )
            )
        return office.id

    office_id: int = database.write(work)
    database.dispose()
    return office_id


def timed(function, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=500)
    parser.add_argument("--counters", type=int, default=30)
    parser.add_argument("--services", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    from sqlalchemy import select

    from queueing import line
    from queueing.database import Database
    from queueing.models import WAITING, Office, Service, Ticket
    from queueing.queries import WAITING_COLUMNS, QueueView, load_office_line, service_payload

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        office_id = build(url, args.waiting, args.counters, args.services, seed=7)
        database = Database(url)
        with database.read() as session:
            office = session.get(Office, office_id)
            assert office is not None
            services = list(session.scalars(select(Service).where(Service.office_id == office_id)))
            statement = select(*WAITING_COLUMNS).where(
                Ticket.office_id == office_id, Ticket.state == WAITING
            )
            data = load_office_line(session, office, NOW)

            def baseline() -> None:
                session.execute(statement).all()

            def model() -> None:
                line.Line(data.waiting, office.priority_ratio).forecast(
                    data.desks, NOW, data.service_seconds, float(office.default_service_seconds)
                )

            def view() -> None:
                queue = QueueView(session, office, NOW)
                for waiting in queue.office_line.waiting:
                    queue.forecast.tickets[waiting.id].wait_s(NOW)
                for service in services:
                    service_payload(queue, service)

            forecast = QueueView(session, office, NOW).forecast
            reached = sum(1 for place in forecast.tickets.values() if place.call_at is not None)
            for function in (baseline, model, view):
                timed(function, 5)  # warm the caches and the statements
            figures = {
                name: timed(function, args.rounds)
                for name, function in [("baseline", baseline), ("model", model), ("view", view)]
            }
        database.dispose()

    print(f"machine: {machine()}")
    print(
        f"office: {args.waiting} waiting ({reached} reachable), {args.counters} counters, "
        f"{args.services} services, {args.rounds} rounds"
    )
    base = percentile(figures["baseline"], 0.5)
    for name, times in figures.items():
        ratio = percentile(times, 0.5) / base
        print(f"{name:>8}: {describe_ms(times)}  ({ratio:.1f}x the baseline's median)")


if __name__ == "__main__":
    main()

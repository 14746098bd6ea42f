"""N counters pressing "next" at once: calls per second, and no double call.

    .venv/bin/python bench/call_next.py [--counters 10] [--tickets 1000] [--database-url URL]

Starts ``python server.py`` with the demo office, adds counters serving
every service, issues ``--tickets`` tickets, then lets every counter call
next and finish as fast as it can over HTTP until nobody waits. Prints calls
per second and checks in the database that every ticket was called exactly
once. Bounded in count and time; talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter as Tally
from datetime import UTC, datetime

import requests
from common import ServerProcess, describe_ms, machine

TIME_LIMIT_S = 300


def add_counters(database_url: str, total: int) -> list[int]:
    from sqlalchemy import select

    from queueing.database import Database
    from queueing.models import COUNTER_OPEN, Counter, CounterService, Service

    database = Database(database_url)

    def work(session):  # type: ignore[no-untyped-def]
        services = list(session.scalars(select(Service)))
        existing = list(session.scalars(select(Counter).order_by(Counter.number)))
        for number in range(len(existing) + 1, total + 1):
            counter = Counter(
                office_id=services[0].office_id,
                number=number,
                name=f"Quầy số {number}",
                state=COUNTER_OPEN,
                state_changed_at=datetime.now(UTC),
            )
            counter.service_links = [CounterService(service_id=s.id) for s in services]
            session.add(counter)
        session.flush()
        return [c.id for c in session.scalars(select(Counter).order_by(Counter.number))][:total]

    try:
        return database.write(work)
    finally:
        database.dispose()


def called_tickets(database_url: str) -> list[tuple[int, int, str]]:
    from sqlalchemy import select

    from queueing.database import Database
    from queueing.models import Ticket

    database = Database(database_url)
    try:
        with database.read() as session:
            return [
                (row.id, row.call_count, row.state)
                for row in session.execute(select(Ticket.id, Ticket.call_count, Ticket.state))
            ]
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with ServerProcess(args.database_url) as server:
        counter_ids = add_counters(server.database_url, args.counters)
        headers = {"Authorization": f"Bearer {server.token('clerk')}"}
        session = requests.Session()
        for n in range(args.tickets):
            service = ("HT", "DD", "KD", "LD")[n % 4]
            session.post(server.url("/api/v1/tickets"), json={"service": service}, timeout=30)
        called: list[int] = []
        latencies: list[float] = []
        lock = threading.Lock()
        deadline = time.monotonic() + TIME_LIMIT_S

        def counter(counter_id: int) -> None:
            http = requests.Session()
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = http.post(
                    server.url(f"/api/v1/counters/{counter_id}/call-next"),
                    headers=headers,
                    timeout=30,
                )
                elapsed = time.perf_counter() - started
                ticket = response.json()["ticket"]
                if ticket is None:
                    return
                with lock:
                    called.append(ticket["id"])
                    latencies.append(elapsed)
                http.post(
                    server.url(f"/api/v1/counters/{counter_id}/finish"),
                    headers=headers,
                    timeout=30,
                )

        threads = [threading.Thread(target=counter, args=(cid,)) for cid in counter_ids]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        rows = called_tickets(server.database_url)

    doubles = sum(1 for count in Tally(called).values() if count > 1)
    wrong = [row for row in rows if row[1] != 1 or row[2] != "done"]
    print(f"machine: {machine()}")
    print(f"database: {server.database_url.split('://')[0]}; counters: {len(counter_ids)}")
    print(f"calls: {len(called)} in {wall:.2f} s = {len(called) / wall:.0f} calls/s")
    print(f"call-next latency: {describe_ms(latencies)}")
    print(f"double calls: {doubles}; tickets not called exactly once: {len(wrong)}")


if __name__ == "__main__":
    main()

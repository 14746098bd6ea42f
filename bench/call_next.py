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
import asyncio
import json
import time
from collections import Counter as Tally
from datetime import UTC, datetime

from common import HttpConnection, ServerProcess, describe_ms, machine

TIME_LIMIT_S = 300
SERVICES = ("HT", "DD", "KD", "LD")


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


async def call_until_empty(
    port: int, token: str, counter_ids: list[int]
) -> tuple[list[int], list[float], float]:
    """Every counter calls next and finishes, at once, until nobody waits."""
    called: list[int] = []
    latencies: list[float] = []
    deadline = time.monotonic() + TIME_LIMIT_S

    async def counter(counter_id: int) -> None:
        async with HttpConnection(port, {"Authorization": f"Bearer {token}"}) as http:
            call = http.request_bytes("POST", f"/api/v1/counters/{counter_id}/call-next")
            finish = http.request_bytes("POST", f"/api/v1/counters/{counter_id}/finish")
            while time.monotonic() < deadline:
                started = time.perf_counter()
                status, body = await http.send(call)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise RuntimeError(f"call-next answered {status}: {body[:200]!r}")
                ticket = json.loads(body)["ticket"]
                if ticket is None:
                    return
                called.append(ticket["id"])
                latencies.append(elapsed)
                status, body = await http.send(finish)
                if status != 200:
                    raise RuntimeError(f"finish answered {status}: {body[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(counter(counter_id) for counter_id in counter_ids))
    return called, latencies, time.perf_counter() - started


async def issue(port: int, tickets: int) -> None:
    async with HttpConnection(port) as http:
        for n in range(tickets):
            status, _body = await http.post("/api/v1/tickets", {"service": SERVICES[n % 4]})
            if status != 201:
                raise RuntimeError(f"issuing answered {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with ServerProcess(args.database_url) as server:
        counter_ids = add_counters(server.database_url, args.counters)
        token = server.token("clerk")
        asyncio.run(issue(server.port, args.tickets))
        called, latencies, wall = asyncio.run(call_until_empty(server.port, token, counter_ids))
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

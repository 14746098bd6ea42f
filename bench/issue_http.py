"""Tickets issued per second over HTTP against a real server process.

    .venv/bin/python bench/issue_http.py [--clients 8] [--tickets 3000] [--database-url URL]

Starts ``python server.py`` on a free 127.0.0.1 port with a fresh SQLite file
(or the given database, which must be empty), issues ``--tickets`` tickets
from ``--clients`` concurrent keep-alive connections, and prints tickets/s
with latencies and the machine it ran on. The clients are plain HTTP/1.1 on
asyncio so that the client side costs little of the machine's CPU next to
the server it measures. Bounded in count and time; talks only to 127.0.0.1.

In the same run, the same clients then issue as many tickets from the
baseline, ``bench/issue_baseline.py``: a bare Flask app on the same gevent
server whose one endpoint does the least durable work of a ticket (one
transaction that bumps the service's number and inserts the row) on the
same kind of database (a SQLite file of its own, or the same PostgreSQL
database in tables of its own). The ratio Luot/baseline is the figure: it
says how near Luot issues to what the machine, the server and the database
allow at that moment, whatever else runs on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from common import BaselineProcess, HttpConnection, ServerProcess, describe_ms, machine

TIME_LIMIT_S = 300
SERVICES = ("HT", "DD", "KD", "LD")


async def issue_all(port: int, clients: int, tickets: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    per_client = tickets // clients
    deadline = time.monotonic() + TIME_LIMIT_S

    async def client(index: int) -> None:
        nonlocal failures
        async with HttpConnection(port) as http:
            requests = [
                http.request_bytes("POST", "/api/v1/tickets", {"service": service})
                for service in SERVICES
            ]
            for n in range(per_client):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                status, body = await http.send(requests[(index + n) % len(requests)])
                elapsed = time.perf_counter() - started
                if status == 201 and b'"code"' in body:
                    latencies.append(elapsed)
                else:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, failures, time.perf_counter() - started


def measure(port: int, clients: int, tickets: int) -> tuple[list[float], int, float]:
    # A short warm-up, so the figures are of a running server, not of the
    # first imports and connections.
    asyncio.run(issue_all(port, 2, 100))
    return asyncio.run(issue_all(port, clients, tickets))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    # The baseline starts once Luot has made its schema (on PostgreSQL both
    # share the database).
    with ServerProcess(args.database_url) as server, BaselineProcess(args.database_url) as baseline:
        latencies, failures, wall = measure(server.port, args.clients, args.tickets)
        memory = server.rss_mb()
        # Luot's last coalesced recomputation of the office's state ends.
        time.sleep(1)
        base_latencies, base_failures, base_wall = measure(
            baseline.port, args.clients, args.tickets
        )

    throughput = len(latencies) / wall
    base_throughput = len(base_latencies) / base_wall
    print(f"machine: {machine()}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"database: {server.database_url.split('://')[0]}; clients: {args.clients}")
    print(f"Luot: issued {len(latencies)} tickets in {wall:.2f} s, failures: {failures}")
    print(f"Luot: throughput {throughput:.0f} tickets/s")
    print(f"Luot: latency {describe_ms(latencies)}")
    print(f"Luot: server memory {memory:.0f} MB")
    print(
        f"baseline: issued {len(base_latencies)} tickets in {base_wall:.2f} s, "
        f"failures: {base_failures}"
    )
    print(f"baseline: throughput {base_throughput:.0f} tickets/s")
    print(f"baseline: latency {describe_ms(base_latencies)}")
    print(f"ratio Luot/baseline: {throughput / base_throughput:.2f}")


if __name__ == "__main__":
    main()

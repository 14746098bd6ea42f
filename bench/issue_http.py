"""Tickets issued per second over HTTP against a real server process.

    .venv/bin/python bench/issue_http.py [--clients 8] [--tickets 5000] [--database-url URL]

Starts ``python server.py`` on a free 127.0.0.1 port with a fresh SQLite file
(or the given database, which must be empty), issues ``--tickets`` tickets
from ``--clients`` concurrent keep-alive connections, and prints tickets/s
with latencies and the machine it ran on. The clients are plain HTTP/1.1 on
asyncio so that the client side costs little of the machine's CPU next to
the server it measures. Bounded in count and time; talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from common import HttpConnection, ServerProcess, describe_ms, machine

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with ServerProcess(args.database_url) as server:
        # A short warm-up, so the figures are of a running office, not of
        # the first imports and connections.
        asyncio.run(issue_all(server.port, 2, 100))
        latencies, failures, wall = asyncio.run(issue_all(server.port, args.clients, args.tickets))
        memory = server.rss_mb()

    print(f"machine: {machine()}")
    print(f"database: {server.database_url.split('://')[0]}; clients: {args.clients}")
    print(f"issued: {len(latencies)} tickets in {wall:.2f} s, failures: {failures}")
    print(f"throughput: {len(latencies) / wall:.0f} tickets/s")
    print(f"latency: {describe_ms(latencies)}")
    print(f"server memory: {memory:.0f} MB")


if __name__ == "__main__":
    main()

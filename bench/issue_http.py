"""Tickets issued per second over HTTP against a real server process.

    .venv/bin/python bench/issue_http.py [--clients 8] [--tickets 2000] [--database-url URL]

Starts ``python server.py`` on a free 127.0.0.1 port with a fresh SQLite file
(or the given database, which must be empty), issues ``--tickets`` tickets
from ``--clients`` concurrent clients, and prints tickets/s with latencies
and the machine it ran on. Bounded in count and time; talks only to
127.0.0.1.
"""

from __future__ import annotations

import argparse
import threading
import time

import requests
from common import ServerProcess, describe_ms, machine

TIME_LIMIT_S = 300
SERVICES = ("HT", "DD", "KD", "LD")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    per_client = args.tickets // args.clients
    with ServerProcess(args.database_url) as server:
        deadline = time.monotonic() + TIME_LIMIT_S

        def client(index: int) -> None:
            nonlocal failures
            session = requests.Session()
            for n in range(per_client):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = session.post(
                    server.url("/api/v1/tickets"),
                    json={"service": SERVICES[(index + n) % len(SERVICES)]},
                    timeout=30,
                )
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 201:
                        latencies.append(elapsed)
                    else:
                        failures += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started

    print(f"machine: {machine()}")
    print(f"database: {server.database_url.split('://')[0]}; clients: {args.clients}")
    print(f"issued: {len(latencies)} tickets in {wall:.2f} s, failures: {failures}")
    print(f"throughput: {len(latencies) / wall:.0f} tickets/s")
    print(f"latency: {describe_ms(latencies)}")


if __name__ == "__main__":
    main()

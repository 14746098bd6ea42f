"""Tickets issued per second over HTTP against a real server process.

    .venv/bin/python bench/issue_http.py [--clients 8] [--tickets 2000] [--database-url URL]

Starts ``python server.py`` on a free 127.0.0.1 port with a fresh SQLite file
(or the given database, which must be empty), issues ``--tickets`` tickets
from ``--clients`` concurrent clients, and prints tickets/s with p50 and p99
latency and the machine it ran on. Bounded in count and time; talks only to
127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT_S = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="luot-bench-")
    url = args.database_url or f"sqlite:///{workdir}/luot.db"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "LUOT_DEMO": "1", "LUOT_ISSUE_RATE_LIMIT": "none"}
    server = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/api/v1/services", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        latencies: list[float] = []
        failures = 0
        lock = threading.Lock()
        per_client = args.tickets // args.clients
        deadline = time.monotonic() + TIME_LIMIT_S
        services = ["HT", "DD", "KD", "LD"]

        def client(index: int) -> None:
            nonlocal failures
            session = requests.Session()
            for n in range(per_client):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = session.post(
                    f"{base}/api/v1/tickets",
                    json={"service": services[(index + n) % len(services)]},
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
    finally:
        server.terminate()
        server.wait(timeout=10)

    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"database: {url.split('://')[0]}; clients: {args.clients}")
    print(f"issued: {len(latencies)} tickets in {wall:.2f} s, failures: {failures}")
    print(f"throughput: {len(latencies) / wall:.0f} tickets/s")
    print(f"latency: p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()

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
import json
import socket
import time

from common import ServerProcess, describe_ms, machine

TIME_LIMIT_S = 300
SERVICES = ("HT", "DD", "KD", "LD")


def request_bytes(port: int, service: str) -> bytes:
    body = json.dumps({"service": service}).encode()
    head = (
        "POST /api/v1/tickets HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def issue_all(port: int, clients: int, tickets: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    per_client = tickets // clients
    deadline = time.monotonic() + TIME_LIMIT_S
    requests = [request_bytes(port, service) for service in SERVICES]

    async def client(index: int) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for n in range(per_client):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                writer.write(requests[(index + n) % len(requests)])
                status, body = await read_response(reader)
                elapsed = time.perf_counter() - started
                if status == 201 and b'"code"' in body:
                    latencies.append(elapsed)
                else:
                    failures += 1
        finally:
            writer.close()

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

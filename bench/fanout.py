"""Call → display latency with 100, 500 and 1,000 connected displays.

    .venv/bin/python bench/fanout.py [--sizes 100,500,1000] [--calls 20]

Starts ``python server.py`` (gevent, SQLite), connects that many Socket.IO
clients to /display from one bounded asyncio process, then makes calls
through the API and times, for every client, the moment the
``ticket_called`` arrives after the call request was sent. Prints
p50/p95/p99 per size, the server's resident memory, and the processor
time the server and this client process each spent on the calls. The
clients share the machine's two cores with the server, so their own
decoding adds to the figures: with 1,000 displays this one process is the
busier of the two. Its garbage collector is frozen once the displays are
connected, as a collection over a thousand clients' objects pauses it
for 130 ms or more, a pause no real display (one per screen) has.
``--compress`` offers per-message compression on each WebSocket, as
browsers do. Talks only to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import time
from pathlib import Path

import aiohttp
import socketio
from common import ServerProcess, describe_ms, machine

CONNECT_BATCH = 50
RECEIPT_TIMEOUT_S = 15


class Inbox:
    """When each display heard each ticket called, and a wake-up once every
    display has heard the one awaited."""

    def __init__(self) -> None:
        self.heard: dict[str, list[float]] = {}
        self.awaited = ""
        self.expected = 0
        self.everyone = asyncio.Event()

    def await_code(self, code: str, expected: int) -> None:
        self.awaited, self.expected = code, expected
        self.everyone.clear()

    def record(self, code: str) -> None:
        moments = self.heard.setdefault(code, [])
        moments.append(time.perf_counter())
        if code == self.awaited and len(moments) == self.expected:
            self.everyone.set()


async def connect_displays(base_url: str, count: int, inbox: Inbox, compress: bool) -> list:
    clients = []
    # aiohttp offers no compression unless asked; browsers always offer it.
    options = {"websocket_extra_options": {"compress": 15}} if compress else {}

    async def one() -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False, **options)

        @client.on("ticket_called", namespace="/display")
        async def on_called(data: dict) -> None:
            inbox.record(data["ticket"]["code"])

        await client.connect(
            base_url, namespaces=["/display"], transports=["websocket"], wait_timeout=30
        )
        return client

    for start in range(0, count, CONNECT_BATCH):
        batch = await asyncio.gather(*(one() for _ in range(min(CONNECT_BATCH, count - start))))
        clients.extend(batch)
    return clients


def processor_seconds(pid: int) -> float:
    """User and system time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(server: ServerProcess, sizes: list[int], calls: int, compress: bool) -> None:
    token = server.token("clerk")
    headers = {"Authorization": f"Bearer {token}"}
    inbox = Inbox()
    clients: list = []
    assert server.process is not None
    print(f"machine: {machine()}")
    async with aiohttp.ClientSession() as http:
        for size in sizes:
            clients += await connect_displays(server.base_url, size - len(clients), inbox, compress)
            await asyncio.sleep(1)
            gc.collect()
            gc.freeze()
            latencies: list[float] = []
            server_before = processor_seconds(server.process.pid)
            client_before = time.process_time()
            for _ in range(calls):
                async with http.post(
                    server.url("/api/v1/tickets"), json={"service": "HT"}
                ) as response:
                    code = (await response.json())["code"]
                inbox.await_code(code, len(clients))
                sent = time.perf_counter()
                async with http.post(
                    server.url("/api/v1/counters/1/call-next"), headers=headers
                ) as response:
                    assert response.status == 200, await response.text()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(inbox.everyone.wait(), RECEIPT_TIMEOUT_S)
                received = inbox.heard.pop(code, [])
                latencies += [moment - sent for moment in received]
                missing = len(clients) - len(received)
                if missing:
                    print(f"  {missing} of {len(clients)} clients did not hear {code}")
                async with http.post(server.url("/api/v1/counters/1/finish"), headers=headers):
                    pass
            server_seconds = processor_seconds(server.process.pid) - server_before
            client_seconds = time.process_time() - client_before
            print(
                f"{len(clients)} displays, {calls} calls: {describe_ms(latencies)}; "
                f"server RSS {server.rss_mb():.0f} MB; processor time: server "
                f"{server_seconds:.2f} s, clients {client_seconds:.2f} s"
            )
    await asyncio.gather(*(client.disconnect() for client in clients))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument(
        "--compress", action="store_true", help="offer per-message compression, as browsers do"
    )
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    # Every display is a socket on both sides of the loopback.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with ServerProcess() as server:
        work = measure(server, sizes, args.calls, args.compress)
        asyncio.run(asyncio.wait_for(work, timeout=900))


if __name__ == "__main__":
    main()

"""Call → display latency with 100, 500 and 1,000 connected displays.

    .venv/bin/python bench/fanout.py [--sizes 100,500,1000] [--calls 20]

Starts ``python server.py`` (gevent, SQLite), connects that many Socket.IO
clients to /display from one bounded asyncio process, then makes calls
through the API and times, for every client, the moment the
``ticket_called`` arrives after the call request was sent. Prints
p50/p95/p99 per size and the server's resident memory. The clients share
the machine's two cores with the server, so their own decoding adds to the
figures. Talks only to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import aiohttp
import socketio
from common import ServerProcess, describe_ms, machine

CONNECT_BATCH = 50
RECEIPT_TIMEOUT_S = 15


async def connect_displays(base_url: str, count: int, inbox: dict[str, list[float]]) -> list:
    clients = []

    async def one() -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)

        @client.on("ticket_called", namespace="/display")
        async def on_called(data: dict) -> None:
            inbox.setdefault(data["ticket"]["code"], []).append(time.perf_counter())

        await client.connect(
            base_url, namespaces=["/display"], transports=["websocket"], wait_timeout=30
        )
        return client

    for start in range(0, count, CONNECT_BATCH):
        batch = await asyncio.gather(*(one() for _ in range(min(CONNECT_BATCH, count - start))))
        clients.extend(batch)
    return clients


async def measure(server: ServerProcess, sizes: list[int], calls: int) -> None:
    token = server.token("clerk")
    headers = {"Authorization": f"Bearer {token}"}
    inbox: dict[str, list[float]] = {}
    clients: list = []
    print(f"machine: {machine()}")
    async with aiohttp.ClientSession() as http:
        for size in sizes:
            clients += await connect_displays(server.base_url, size - len(clients), inbox)
            await asyncio.sleep(1)
            latencies: list[float] = []
            for _ in range(calls):
                async with http.post(
                    server.url("/api/v1/tickets"), json={"service": "HT"}
                ) as response:
                    code = (await response.json())["code"]
                sent = time.perf_counter()
                async with http.post(
                    server.url("/api/v1/counters/1/call-next"), headers=headers
                ) as response:
                    assert response.status == 200, await response.text()
                deadline = time.monotonic() + RECEIPT_TIMEOUT_S
                while len(inbox.get(code, [])) < len(clients) and time.monotonic() < deadline:
                    await asyncio.sleep(0.005)
                received = inbox.pop(code, [])
                latencies += [moment - sent for moment in received]
                missing = len(clients) - len(received)
                if missing:
                    print(f"  {missing} of {len(clients)} clients did not hear {code}")
                async with http.post(server.url("/api/v1/counters/1/finish"), headers=headers):
                    pass
            print(
                f"{len(clients)} displays, {calls} calls: {describe_ms(latencies)}; "
                f"server RSS {server.rss_mb():.0f} MB"
            )
    await asyncio.gather(*(client.disconnect() for client in clients))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    # Every display is a socket on both sides of the loopback.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with ServerProcess() as server:
        asyncio.run(asyncio.wait_for(measure(server, sizes, args.calls), timeout=900))


if __name__ == "__main__":
    main()

"""Does an anonymous flood of issuing slow a clerk's call-next?

    .venv/bin/python bench/flood.py [--flooders 50] [--calls 100] [--limit 30/minute]

Starts gunicorn with deploy/gunicorn.conf.py (one gevent worker) on a fresh
SQLite file, with Redis (127.0.0.1:6379, database 14) as the message queue
and so as the rate limiter's storage, as in production. A clerk's keypad
(a token: never limited) issues a ticket, calls it and finishes it,
``--calls`` times, first alone, then while ``--flooders`` anonymous
connections post tickets as fast as they can from another process (all but
the first few answered 429). Prints the clerk's call-next latency in both
phases, their ratio, and how many requests the flood made, with the machine.
Bounded in count and time; talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from typing import Any

from common import HttpConnection, ServerProcess, describe_ms, machine

TIME_LIMIT_S = 120
REDIS_URL = "redis://127.0.0.1:6379/14"


async def clerk_calls(port: int, token: str, calls: int) -> list[float]:
    """Issue, call next and finish at counter 1; the call-next latencies."""
    latencies = []
    async with HttpConnection(port, {"Authorization": f"Bearer {token}"}) as connection:
        issue = connection.request_bytes("POST", "/api/v1/tickets", {"service": "HT"})
        call = connection.request_bytes("POST", "/api/v1/counters/1/call-next")
        finish = connection.request_bytes("POST", "/api/v1/counters/1/finish")
        for _ in range(calls):
            await connection.send(issue)
            started = time.perf_counter()
            status, _body = await connection.send(call)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status
            await connection.send(finish)
    return latencies


def flood(port: int, flooders: int, stop: Any, counts: Any) -> None:
    """Post tickets anonymously from ``flooders`` connections until ``stop``
    is set (or the time limit); put (requests made, answered 429)."""
    stop_at = time.time() + TIME_LIMIT_S

    async def one() -> tuple[int, int]:
        made = refused = 0
        async with HttpConnection(port) as connection:
            request = connection.request_bytes("POST", "/api/v1/tickets", {"service": "DD"})
            while not stop.is_set() and time.time() < stop_at:
                status, _body = await connection.send(request)
                made += 1
                refused += status == 429
        return made, refused

    async def all_of_them() -> tuple[int, int]:
        results = await asyncio.gather(*(one() for _ in range(flooders)))
        return sum(r[0] for r in results), sum(r[1] for r in results)

    counts.put(asyncio.run(all_of_them()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flooders", type=int, default=50)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--limit", default="30/minute")
    args = parser.parse_args()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    server = ServerProcess(
        gunicorn=True,
        LUOT_DEMO="1",
        SOCKETIO_MESSAGE_QUEUE=REDIS_URL,
        LUOT_ISSUE_RATE_LIMIT=args.limit,
    )
    with server:
        port = server.port
        token = server.token("clerk")
        asyncio.run(clerk_calls(port, token, 5))  # warm up
        alone = asyncio.run(clerk_calls(port, token, args.calls))
        counts: Any = multiprocessing.Queue()
        stop = multiprocessing.Event()
        started = time.time()
        flooder = multiprocessing.Process(target=flood, args=(port, args.flooders, stop, counts))
        flooder.start()
        time.sleep(1.0)  # let the flood reach full speed
        flooded = asyncio.run(clerk_calls(port, token, args.calls))
        stop.set()
        made, refused = counts.get(timeout=60)
        flooder.join(timeout=10)
        elapsed = time.time() - started
    print(f"machine: {machine()}")
    print(
        f"gunicorn (1 gevent worker), Redis limiter, limit {args.limit}; "
        f"{args.flooders} anonymous flooders from another process"
    )
    print(f"clerk call-next alone:   {describe_ms(alone)}")
    print(f"clerk call-next flooded: {describe_ms(flooded)}")
    ratio = sorted(flooded)[len(flooded) // 2] / sorted(alone)[len(alone) // 2]
    print(f"flooded / alone, p50: {ratio:.1f}x")
    print(f"flood: {made} requests in {elapsed:.1f} s, {refused} answered 429")


if __name__ == "__main__":
    main()

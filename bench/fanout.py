"""Call → display latency with hundreds to thousands of connected displays,
on one server process or several.

    .venv/bin/python bench/fanout.py [--sizes 100,500,1000] [--calls 20]
        [--clients 4] [--processes 1 [--gunicorn] [--database-url URL]
        [--message-queue redis://…]] [--compress]

How it works:

- **The servers.** ``--processes 1`` starts ``python server.py`` (gevent,
  SQLite unless ``--database-url``). ``--processes K`` starts K servers on
  K ports sharing the PostgreSQL database of ``--database-url`` (an empty
  one) and relaying every emit through ``--message-queue`` (Redis, its own
  channel for the run), as deploy/ runs them; ``--gunicorn`` serves each
  with gunicorn and deploy/gunicorn.conf.py instead. Calls go through the
  first process; displays are spread over all of them, one in K on each,
  so most calls cross processes through Redis as in production.
- **The displays.** ``--clients`` worker processes (each one asyncio loop)
  hold the displays between them. A display is no Socket.IO library but a
  few lines speaking Engine.IO 4 and Socket.IO 5 over a bare WebSocket
  (``/socket.io/?EIO=4&transport=websocket``, the transport browsers
  upgrade to): the HTTP upgrade, the open packet, ``40/display,{auth}``
  with the auth a display page sends, a pong for every ping, and a look at
  the first bytes of every text frame. It counts as connected once its
  ``queue_state`` arrives, the server having then joined it to the office's
  rooms, as a real display's. It reads its socket into a buffer of its
  own, one callback per read, and copies out and decodes only a
  ``ticket_called``, so a worker spends a few microseconds per display per
  message: the clients are not what the figures measure, and the script
  prints their processor time to show it. ``--compress`` offers
  per-message compression, as browsers do, and stops if the server
  accepts it (it is to decline).
- **The timing.** For each call the parent issues a ticket, tells the
  workers the code to wait for, takes ``time.monotonic()`` and sends the
  call-next request over one kept-alive HTTP connection; every display
  takes ``time.monotonic()`` when a read brings it the ``ticket_called``
  (CLOCK_MONOTONIC: one clock for every process of the machine). Then the
  counter finishes the ticket and the next call starts, so each call's
  fan-out may meet the office state (``queue_changed``) the change before
  it sent, as it would in a busy office. A worker answers once all its
  displays heard the code, or after 15 s with what they heard.
- **The figures**, per size: p50/p95/p99/max of call → receipt over every
  display and call, beside the call request's own round trip (the
  baseline: what a call costs before any display can hear it); the
  messages each display received per call; the processor time of the
  server processes and of the
  display workers (in all, and the busiest worker's share of the calls'
  wall time); each server's resident memory and what it grew by per
  display connected. Garbage collection is frozen in each worker once its
  displays are connected, as in the server. Sizes grow in one run: the
  displays of a size stay connected for the next.

Talks only to 127.0.0.1; every wait is bounded, and the whole run too.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import multiprocessing
import os
import resource
import secrets
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from common import (
    HttpConnection,
    ServerProcess,
    describe_ms,
    load_average,
    machine,
    processor_seconds,
)

CONNECT_BATCH = 50
CONNECT_TIMEOUT_S = 60
RECEIPT_TIMEOUT_S = 15
RUN_TIMEOUT_S = 1800
#: Each display's read buffer to start with; it grows when a read fills it.
READ_BUFFER = 16384
#: What a display page sends on connecting (static/display/display.js):
#: no office code on a one-office installation, every counter.
AUTH = {"office": None}


# --- one display: Engine.IO 4 + Socket.IO 5 over a bare WebSocket ----------


def masked_text_frame(payload: bytes) -> bytes:
    """A client's text frame: clients mask what they send (RFC 6455 5.3)."""
    key = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = bytes((0x81, 0x80 | length))
    else:
        head = bytes((0x81, 0x80 | 126)) + length.to_bytes(2, "big")
    mask = (key * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(length, "big")
    return head + key + masked


PONG = masked_text_frame(b"3")
PREFIX = b"42/display,"
CALLED = PREFIX + b'["ticket_called",'
STATE = PREFIX + b'["queue_state",'
REFUSED = b"44/display,"


class Display(asyncio.BufferedProtocol):
    """One display's connection. The socket is read into a buffer of the
    display's own (no allocation per read), and every frame is looked at
    where it lies: only a ``ticket_called`` is copied out and decoded."""

    def __init__(self, worker: Worker, port: int, compress: bool) -> None:
        self.worker = worker
        self.port = port
        self.compress = compress
        self.data = bytearray(READ_BUFFER)
        self.filled = 0
        self.upgraded = False
        self.fragments = bytearray()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        # Browsers offer compression; the server is to decline it.
        offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.compress else ""
        transport.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n{offer}\r\n"
            ).encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before connecting: {exc}"))
        elif not self.worker.closing:
            self.worker.lost += 1

    def fail(self, reason: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    def get_buffer(self, sizehint: int) -> memoryview:
        if len(self.data) - self.filled < READ_BUFFER // 4:
            self.data.extend(bytes(len(self.data)))
        return memoryview(self.data)[self.filled :]

    def buffer_updated(self, nbytes: int) -> None:
        at = time.monotonic()
        self.filled += nbytes
        used = self.read_frames(at)
        if used:
            # The rest moves to the front; same length, so the buffer, still
            # lent to the transport, keeps its size.
            rest = self.filled - used
            self.data[:rest] = self.data[used : self.filled]
            self.filled = rest

    def read_frames(self, at: float) -> int:
        """Handles every whole frame in the buffer; returns the bytes used."""
        data, filled, used = self.data, self.filled, 0
        if not self.upgraded:
            end = data.find(b"\r\n\r\n", 0, filled)
            if end < 0:
                return 0
            head = bytes(data[:end]).lower()
            if not head.startswith(b"http/1.1 101"):
                self.fail(head.split(b"\r\n", 1)[0].decode())
                return 0
            if b"permessage-deflate" in head:
                self.fail("the server accepted compression; this client does not inflate")
                return 0
            self.upgraded = True
            used = end + 4
        while filled - used >= 2:
            first, second = data[used], data[used + 1]
            length, start = second & 0x7F, used + 2
            if length == 126:
                if filled - used < 4:
                    break
                length, start = int.from_bytes(data[used + 2 : used + 4], "big"), used + 4
            elif length == 127:
                if filled - used < 10:
                    break
                length, start = int.from_bytes(data[used + 2 : used + 10], "big"), used + 10
            end = start + length
            if filled < end:
                break
            used = end
            opcode = first & 0x0F
            if opcode == 0x1 and first & 0x80:
                self.on_message(data, start, end, at)
            elif opcode in (0x1, 0x0):
                self.fragments += data[start:end]
                if first & 0x80:
                    message = bytes(self.fragments)
                    self.fragments.clear()
                    self.on_message(message, 0, len(message), at)
            elif opcode == 0x8:
                assert self.transport is not None
                self.transport.close()
                break
        return used

    def on_message(self, data: bytes | bytearray, start: int, end: int, at: float) -> None:
        assert self.transport is not None
        self.worker.messages += 1
        if data.startswith(CALLED, start, end):
            call = json.loads(data[start + len(PREFIX) : end])[1]
            self.worker.record(call["ticket"]["code"], at)
        elif end - start == 1 and data[start] == ord("2"):
            self.transport.write(PONG)
        elif data.startswith(b"0", start, end):
            # The Engine.IO session is open: join the namespace.
            connect = b"40/display," + json.dumps(AUTH).encode()
            self.transport.write(masked_text_frame(connect))
        elif data.startswith(STATE, start, end) and not self.ready.done():
            self.ready.set_result(None)
        elif data.startswith(REFUSED, start, end):
            self.fail("refused: " + bytes(data[start:end]).decode())


# --- a worker process holding its share of the displays --------------------


@dataclass
class Worker:
    """The displays of one worker process, and what they heard."""

    pipe: Connection
    compress: bool
    displays: list[Display] = field(default_factory=list)
    heard: dict[str, list[float]] = field(default_factory=dict)
    awaited: str = ""
    lost: int = 0
    messages: int = 0
    closing: bool = False

    def record(self, code: str, at: float) -> None:
        moments = self.heard.setdefault(code, [])
        moments.append(at)
        if code == self.awaited and len(moments) == len(self.displays):
            self.answer(code)

    def answer(self, code: str) -> None:
        self.pipe.send(("heard", code, self.heard.pop(code, [])))
        self.awaited = ""

    async def connect(self, port: int, count: int) -> None:
        loop = asyncio.get_running_loop()

        async def one() -> Display:
            _transport, display = await loop.create_connection(
                lambda: Display(self, port, self.compress), "127.0.0.1", port
            )
            await display.ready
            return display

        gc.unfreeze()
        for start in range(0, count, CONNECT_BATCH):
            batch = min(CONNECT_BATCH, count - start)
            work = asyncio.gather(*(one() for _ in range(batch)))
            self.displays += await asyncio.wait_for(work, CONNECT_TIMEOUT_S)
        gc.collect()
        gc.freeze()

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        loop.add_reader(self.pipe.fileno(), lambda: commands.put_nowait(self.pipe.recv()))
        while True:
            command = await commands.get()
            if command[0] == "connect":
                _, port, count = command
                try:
                    await self.connect(port, count)
                    self.pipe.send(("connected", len(self.displays), ""))
                except Exception as error:  # told to the parent
                    self.pipe.send(("connected", len(self.displays), repr(error)))
            elif command[0] == "await":
                self.awaited = command[1]
                if len(self.heard.get(self.awaited, [])) == len(self.displays):
                    self.answer(self.awaited)
            elif command[0] == "report":
                if command[1] == self.awaited:
                    self.answer(self.awaited)
            elif command[0] == "lost":
                self.pipe.send(("lost", self.lost, ""))
            elif command[0] == "messages":
                self.pipe.send(("messages", self.messages, ""))
            elif command[0] == "close":
                self.closing = True
                for display in self.displays:
                    if display.transport is not None:
                        display.transport.close()
                await asyncio.sleep(0.5)
                self.pipe.send(("closed", 0, ""))
                return


def worker_main(pipe: Connection, compress: bool) -> None:
    asyncio.run(Worker(pipe, compress).serve())


# --- the parent: servers, calls, figures -----------------------------------


class Workers:
    """The display worker processes, as seen from the parent."""

    def __init__(self, count: int, compress: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(count):
            mine, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs, compress), daemon=True)
            process.start()
            theirs.close()
            self.pipes.append(mine)
            self.processes.append(process)
        self.replies: list[asyncio.Queue[tuple[str, Any, Any]]] = []

    def listen(self) -> None:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            replies: asyncio.Queue[tuple[str, Any, Any]] = asyncio.Queue()
            loop.add_reader(pipe.fileno(), self.receive, pipe, replies)
            self.replies.append(replies)

    @staticmethod
    def receive(pipe: Connection, replies: asyncio.Queue[tuple[str, Any, Any]]) -> None:
        try:
            replies.put_nowait(pipe.recv())
        except EOFError:
            asyncio.get_running_loop().remove_reader(pipe.fileno())
            replies.put_nowait(("gone", None, None))

    async def reply(self, index: int, kind: str, key: Any = None, timeout: float = 60) -> Any:
        """The worker's next reply of that kind (and code), skipping late
        answers about earlier calls."""
        async with asyncio.timeout(timeout):
            while True:
                got_kind, got_key, value = await self.replies[index].get()
                if got_kind == "gone":
                    raise RuntimeError(f"display worker {index} ended")
                if got_kind == kind and (key is None or got_key == key):
                    return got_key, value

    def cpu_seconds(self) -> list[float]:
        return [processor_seconds(process.pid) for process in self.processes]

    async def messages(self) -> int:
        """Engine.IO messages the displays have received so far."""
        for pipe in self.pipes:
            pipe.send(("messages",))
        return sum([(await self.reply(index, "messages"))[0] for index in range(len(self.pipes))])

    async def connect(self, plan: list[list[tuple[int, int]]]) -> None:
        """``plan[w]``: (port, count) for worker w to connect, each in turn."""
        for port_index in range(max(len(part) for part in plan)):
            for index, part in enumerate(plan):
                if port_index < len(part) and part[port_index][1]:
                    self.pipes[index].send(("connect", *part[port_index]))
            for index, part in enumerate(plan):
                if port_index < len(part) and part[port_index][1]:
                    _count, error = await self.reply(index, "connected", timeout=600)
                    if error:
                        raise RuntimeError(f"worker {index} could not connect: {error}")
        for index in range(len(self.pipes)):
            self.pipes[index].send(("lost",))
            lost, _ = await self.reply(index, "lost")
            if lost:
                raise RuntimeError(f"worker {index} lost {lost} displays")

    async def heard(self, code: str) -> list[float]:
        """Every worker's receipts of ``code``, waiting a bounded time."""
        moments: list[float] = []

        async def one(index: int) -> None:
            try:
                _, times = await self.reply(index, "heard", code, RECEIPT_TIMEOUT_S)
            except TimeoutError:
                self.pipes[index].send(("report", code))
                _, times = await self.reply(index, "heard", code, 10)
            moments.extend(times)

        await asyncio.gather(*(one(index) for index in range(len(self.pipes))))
        return moments

    async def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(("close",))
        for index in range(len(self.pipes)):
            await self.reply(index, "closed", timeout=30)
        for process in self.processes:
            process.join(timeout=10)


def spread(new: int, first: int, servers: list[ServerProcess], workers: int) -> list:
    """Displays ``first`` to ``first + new - 1``: display i on server i mod K,
    held by worker i mod W."""
    counts: dict[tuple[int, int], int] = {}
    for number in range(first, first + new):
        key = (number % workers, number % len(servers))
        counts[key] = counts.get(key, 0) + 1
    return [
        [(server.port, counts.get((worker, index), 0)) for index, server in enumerate(servers)]
        for worker in range(workers)
    ]


async def measure(servers: list[ServerProcess], workers: Workers, args: argparse.Namespace) -> None:
    caller = servers[0]
    token = caller.token("clerk")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    workers.listen()
    rss_before = [server.rss_mb() for server in servers]
    connected = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with HttpConnection(caller.port, headers) as http:
        issue = http.request_bytes("POST", "/api/v1/tickets", {"service": "HT"})
        call = http.request_bytes("POST", "/api/v1/counters/1/call-next")
        finish = http.request_bytes("POST", "/api/v1/counters/1/finish")
        for size in sizes:
            plan = spread(size - connected, connected, servers, len(workers.pipes))
            started = time.monotonic()
            await workers.connect(plan)
            connected = size
            print(f"{size} displays connected in {time.monotonic() - started:.1f} s")
            await asyncio.sleep(1)
            # Connecting may take longer than gunicorn keeps an idle
            # connection open (5 s): a new one for every size.
            await http.__aexit__()
            await http.__aenter__()
            latencies: list[float] = []
            round_trips: list[float] = []
            missing = 0
            server_before = [server.processor_seconds() for server in servers]
            client_before = workers.cpu_seconds()
            messages_before = await workers.messages()
            caller_before = time.process_time()
            wall_before = time.monotonic()
            for _ in range(args.calls):
                status, body = await http.send(issue)
                assert status == 201, body
                code = json.loads(body)["code"]
                for pipe in workers.pipes:
                    pipe.send(("await", code))
                sent = time.monotonic()
                status, body = await http.send(call)
                round_trips.append(time.monotonic() - sent)
                assert status == 200, body
                received = await workers.heard(code)
                latencies += [moment - sent for moment in received]
                missing += size - len(received)
                status, body = await http.send(finish)
                assert status == 200, body
            wall = time.monotonic() - wall_before
            server_seconds = [
                after - before
                for after, before in zip(
                    [server.processor_seconds() for server in servers], server_before, strict=True
                )
            ]
            client_seconds = [
                after - before
                for after, before in zip(workers.cpu_seconds(), client_before, strict=True)
            ]
            caller_seconds = time.process_time() - caller_before
            messages = (await workers.messages() - messages_before) / size / args.calls
            rss = [server.rss_mb() for server in servers]
            growth = sum(rss) - sum(rss_before)
            print(
                f"{size} displays on {len(servers)} server process(es), {args.calls} calls: "
                f"{describe_ms(latencies)}" + (f"; {missing} receipts missing" if missing else "")
            )
            print(f"  baseline, the call request's round trip: {describe_ms(round_trips)}")
            print(
                f"  each display received {messages:.2f} messages a call "
                "(its ticket_called, and the office's state after changes)"
            )
            print(
                f"  processor time over {wall:.2f} s: servers {sum(server_seconds):.2f} s "
                f"({', '.join(f'{s:.2f}' for s in server_seconds)}); display workers "
                f"{sum(client_seconds):.2f} s (busiest {max(client_seconds):.2f} s, "
                f"{max(client_seconds) / wall:.0%} of the wall time); caller {caller_seconds:.2f} s"
            )
            print(
                f"  server RSS {', '.join(f'{mb:.0f}' for mb in rss)} MB "
                f"(was {', '.join(f'{mb:.0f}' for mb in rss_before)} MB with no display): "
                f"{growth * 1024 / size:.0f} kB per display; {load_average()}"
            )


def start_servers(args: argparse.Namespace) -> list[ServerProcess]:
    environment = {"LUOT_WORKER_CONNECTIONS": str(max(4000, 2 * args.connections_per_server))}
    if args.processes > 1:
        if not args.database_url.startswith("postgresql") or not args.message_queue:
            raise SystemExit("--processes needs a PostgreSQL --database-url and --message-queue")
        environment |= {
            "SOCKETIO_MESSAGE_QUEUE": args.message_queue,
            "LUOT_SOCKETIO_CHANNEL": "luot-bench-" + secrets.token_hex(4),
            "LUOT_SECRET_KEY": "bench-only-secret-shared-by-the-processes",
        }
    servers = []
    # One after the other: the first creates the schema and the demo office.
    for _ in range(args.processes):
        server = ServerProcess(args.database_url, gunicorn=args.gunicorn, **environment)
        servers.append(server.__enter__())
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4, help="display worker processes")
    parser.add_argument("--processes", type=int, default=1, help="server processes")
    parser.add_argument("--gunicorn", action="store_true", help="serve with gunicorn")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    parser.add_argument("--message-queue", default="", help="Redis URL, for --processes > 1")
    parser.add_argument(
        "--compress", action="store_true", help="offer per-message compression, as browsers do"
    )
    args = parser.parse_args()
    largest = max(int(size) for size in args.sizes.split(","))
    args.connections_per_server = largest // args.processes + 1
    # Every display is a socket on both sides of the loopback; the limit is
    # inherited by the servers and the workers.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, min(hard, largest + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    print(f"machine: {machine()}; {load_average()}")
    print(
        f"servers: {args.processes} × {'gunicorn' if args.gunicorn else 'python server.py'}, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
        + (", Redis message queue" if args.processes > 1 else "")
        + f"; display workers: {args.clients}"
    )
    workers = Workers(args.clients, args.compress)
    servers: list[ServerProcess] = []
    try:
        servers = start_servers(args)

        async def run() -> None:
            try:
                await measure(servers, workers, args)
            finally:
                await workers.close()

        asyncio.run(asyncio.wait_for(run(), timeout=RUN_TIMEOUT_S))
    finally:
        for process in workers.processes:
            if process.is_alive():
                process.terminate()
        for server in reversed(servers):
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()

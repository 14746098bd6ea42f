"""A province in a box: many offices, several server processes, one day.

    .venv/bin/python bench/province.py --database-url URL \\
        [--processes 2] [--offices 20] [--peak-rate 10] [--day-seconds 120] \\
        [--displays 2] [--phone-share 0.5] [--client-processes 1] [--direct] [--rolling-restart]

Needs PostgreSQL (an existing database: each run works in a schema of its
own and drops it), Redis (``--redis-url``, db 12 by default) and nginx
(``apt-get install nginx``; ``--direct`` does without it).

**The installation.** ``--processes`` gunicorns with deploy/gunicorn.conf.py
(one gevent worker each) on 127.0.0.1, linked by Redis, behind an nginx
made from deploy/nginx.conf: the same ``/socket.io/`` WebSocket upgrade and
proxy settings, plain HTTP on a free loopback port, no TLS, static files
left out. One change: the upstream balances with ``least_conn`` instead of
``ip_hash``. Every client here comes from 127.0.0.1, and ``ip_hash`` would
send all of them to one process; these clients speak WebSocket only, which
needs no stickiness (a WebSocket is one connection from start to end), so
each new connection goes to the process holding the fewest. Browsers start
Socket.IO with long-polling, which does need stickiness: the production
file keeps ``ip_hash`` (see the README's scale section about it behind
another proxy). ``--direct`` skips nginx: each office's clients talk to one
process, chosen by office.

**The province.** ``--offices`` offices from a seeded generator: the first
is a provincial centre (10 services, 24 counters), the others commune
offices (3 to 6 of the same services, 2 to 5 counters); each counter
serves one to three services and every service is served. Counters are
open and worked by a terminal each.

**The day.** A one-stop office's day (07:30 to 17:00, busiest 08:30-10:30
and 14:00-15:30) is compressed into ``--day-seconds``; tickets arrive at
random (Poisson) at ``--peak-rate`` tickets/s for the whole province at the
day's busiest, less at other hours, spread over offices by size and over
services by a realistic mix. Service times are compressed with the day:
each office's counters are sized to keep up with its busiest hour (about
85 % busy), so a citizen's minutes become a fraction of a second.

**The clients**, in ``--client-processes`` asyncio processes, each with a
share of the offices, speaking Engine.IO 4 / Socket.IO 5 over aiohttp
WebSockets (a small client of this file's own; it reconnects by itself
within 0.5-1 s, as the pages do): per office ``--displays`` waiting-room
displays (/display), one terminal per counter (/counter, with the office's
clerk token: call next, start after the walk, finish after the service,
and call again when the office's state says someone waits), a kiosk
issuing over HTTP with an Idempotency-Key (retried on a refused connection
or a 502/503 for up to 30 s, as the kiosk page retries), and a phone
(/ticket) for ``--phone-share`` of the tickets, from issue to call.

**Figures** (after every screen is connected, until the day ends):
call → display and call → phone (call_next sent → ``ticket_called`` /
``ticket_updated`` called received; ``time.monotonic`` is one clock for
every process of the machine), the issue and call-next round trips,
processor time of each server process per ticket issued, PostgreSQL
transactions/s (``xact_commit`` of the database), Redis messages/s and
bytes/s on the installation's channel (counted by a subscriber of its
own: the Redis server is shared with other work, so its global counters
are not used), resident memory per connection (the workers' RSS before
and after the screens connect), and the clients' own processor time.

**--rolling-restart**: at a third of the day each process in turn is
stopped as ``systemctl restart`` stops it (SIGTERM: gunicorn's graceful
stop) and started again, ``--restart-gap`` seconds (12) after the one
before, the day running on. Reported: how long each
process took to leave and to be back, how many clients were dropped and
how long they took to be connected again (drop → state received), the
requests that failed and were retried; and the checks: every ticket
answered is in the database, numbers per service gap-free; every call of
the event log reached every display of its office (heard live, or among
the recent calls of the state sent on reconnecting); every phone whose
ticket was called heard it.

Bounded: the day lasts ``--day-seconds``; every wait has a timeout; the
run talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import gc
import itertools
import json
import multiprocessing
import os
import random
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import ROOT, free_port, machine, percentile

DAY_START_H = 7.5
DAY_END_H = 17.0
#: Tickets per hour through the day, relative to the busiest hour.
ARRIVAL_CURVE = (
    (7.5, 0.35),
    (8.0, 0.7),
    (8.5, 1.0),
    (10.5, 1.0),
    (11.0, 0.6),
    (11.5, 0.25),
    (13.5, 0.45),
    (14.0, 0.85),
    (15.5, 0.85),
    (16.5, 0.3),
    (17.0, 0.1),
)
#: code, prefix, name, share of a commune's tickets.
SERVICES = (
    ("HT", "A", "Tư pháp – Hộ tịch", 0.30),
    ("CT", "B", "Chứng thực", 0.22),
    ("DD", "C", "Đất đai", 0.14),
    ("LD", "D", "Lao động – Thương binh và Xã hội", 0.10),
    ("KD", "E", "Đăng ký kinh doanh", 0.08),
    ("XD", "F", "Xây dựng", 0.05),
    ("BH", "G", "Bảo hiểm xã hội", 0.04),
    ("GT", "H", "Giao thông – Vận tải", 0.03),
    ("TN", "K", "Tài nguyên – Môi trường", 0.02),
    ("YT", "M", "Y tế", 0.02),
)
CENTRE_COUNTERS = 24
#: How much busier the provincial centre is than a commune office.
CENTRE_WEIGHT = 8.0
UTILISATION = 0.85
WALK_SHARE = 0.15
ISSUE_RETRY_S = 30
CONNECT_TIMEOUT_S = 20


def curve(hour: float) -> float:
    for (h0, v0), (h1, v1) in itertools.pairwise(ARRIVAL_CURVE):
        if h0 <= hour <= h1:
            return v0 + (v1 - v0) * (hour - h0) / (h1 - h0)
    return 0.0


def mean_curve() -> float:
    steps = 1000
    span = DAY_END_H - DAY_START_H
    return sum(curve(DAY_START_H + span * (i + 0.5) / steps) for i in range(steps)) / steps


# ----------------------------------------------------------------------------
# The province


@dataclass
class OfficePlan:
    code: str
    name: str
    weight: float
    services: list[tuple[str, str, str, float]]
    #: For each counter (numbered from 1), the codes of the services it serves.
    counters: list[list[str]]
    #: Filled once seeded.
    token: str = ""
    counter_ids: dict[int, int] = field(default_factory=dict)
    #: The process (index) its clients talk to with --direct.
    process: int = 0
    #: Seconds of service, compressed, for a counter of this office.
    service_s: float = 1.0


def plan_province(count: int, seed: int) -> list[OfficePlan]:
    rng = random.Random(seed)
    plans = []
    for index in range(count):
        if index == 0:
            services = list(SERVICES)
            counters_count = CENTRE_COUNTERS
            weight = CENTRE_WEIGHT
            name = "Trung tâm Phục vụ hành chính công tỉnh"
        else:
            kinds = rng.randint(3, 6)
            services = list(SERVICES[:2]) + rng.sample(SERVICES[2:], kinds - 2)
            counters_count = rng.randint(2, 5)
            weight = rng.uniform(0.6, 1.6)
            name = f"Bộ phận Một cửa xã số {index}"
        codes = [service[0] for service in services]
        # Each counter one to three services, every service somewhere.
        counters: list[set[str]] = [set() for _ in range(counters_count)]
        for position, code in enumerate(codes):
            counters[position % counters_count].add(code)
        for own in counters:
            while len(own) < 3 and rng.random() < 0.5:
                own.add(rng.choice(codes))
        plans.append(
            OfficePlan(
                code=f"P{index:03d}",
                name=name,
                weight=weight,
                services=services,
                counters=[sorted(own) for own in counters],
            )
        )
    return plans


def seed_province(database_url: str, plans: list[OfficePlan]) -> None:
    """Migrate the empty schema, then write the offices, their services,
    counters (open, worked) and a clerk token each."""
    from queueing import accounts
    from queueing.database import Database
    from queueing.models import COUNTER_OPEN, Counter, CounterService, Office, Service
    from queueing.schema import ensure_schema

    database = Database(database_url)
    ensure_schema(database, "migrate")
    now = datetime.now(UTC)

    def work(session: Any) -> None:
        for plan in plans:
            office = Office(
                code=plan.code,
                name=plan.name,
                timezone="Asia/Ho_Chi_Minh",
                ticker_message="",
                created_at=now,
            )
            session.add(office)
            session.flush()
            ids = {}
            for order, (code, prefix, name, _share) in enumerate(plan.services, start=1):
                service = Service(
                    office_id=office.id, code=code, prefix=prefix, name=name, sort_order=order
                )
                session.add(service)
                session.flush()
                ids[code] = service.id
            for number, codes in enumerate(plan.counters, start=1):
                counter = Counter(
                    office_id=office.id,
                    number=number,
                    name=f"Quầy số {number}",
                    state=COUNTER_OPEN,
                    state_changed_at=now,
                )
                counter.service_links = [CounterService(service_id=ids[code]) for code in codes]
                session.add(counter)
                session.flush()
                plan.counter_ids[number] = counter.id
            _row, plan.token = accounts.create_token(
                session, f"bench-{plan.code}", "clerk", now, office_id=office.id
            )

    try:
        database.write(work)
    finally:
        database.dispose()


def size_service_times(plans: list[OfficePlan], peak_rate: float) -> None:
    """Each office's counters keep up with its busiest hour, about 85 % busy."""
    total = sum(plan.weight for plan in plans)
    for plan in plans:
        office_peak = peak_rate * plan.weight / total
        plan.service_s = UTILISATION * len(plan.counters) / office_peak


# ----------------------------------------------------------------------------
# The installation: gunicorns, nginx


class Gunicorn:
    """One gunicorn (deploy/gunicorn.conf.py) on a port of its own."""

    def __init__(self, index: int, folder: Path, environment: dict[str, str]) -> None:
        self.index = index
        self.port = free_port()
        self.folder = folder
        self.environment = {**environment, "LUOT_BIND": f"127.0.0.1:{self.port}"}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        log = (self.folder / f"server-{self.index}.log").open("a")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "server:create_app()",
            ],
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait:
            self.wait_serving()

    def wait_serving(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)
        raise RuntimeError(f"process {self.index} did not start; see {self.folder}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
            self.process = None

    def worker_pid(self) -> int | None:
        if self.process is None:
            return None
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids = children.read_text().split()
        except OSError:
            return None
        return int(pids[0]) if pids else None


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


NGINX_CONF = """
worker_processes 1;
worker_rlimit_nofile 100000;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 60000; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    # As deploy/nginx.conf, but least_conn: see the bench's docstring.
    upstream luot {{
        least_conn;
{servers}
    }}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64k;

        location /socket.io/ {{
            proxy_pass http://luot;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}

        location / {{
            proxy_pass http://luot;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, folder: Path, ports: list[int]) -> None:
        self.folder = folder
        self.port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
        self.config = folder / "nginx.conf"
        self.config.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=self.port))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise SystemExit("nginx is not installed: apt-get install nginx, or run with --direct")
        self.process = subprocess.Popen(
            [binary, "-c", str(self.config), "-p", str(self.folder), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "nginx-stderr.log").open("w"),
        )
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start; see " + str(self.folder))

    def pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [self.process.pid, *map(int, children.read_text().split())]
        except OSError:
            return [self.process.pid]

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class ChannelCounter(threading.Thread):
    """Counts the messages (and bytes) published on the installation's
    Redis channel, as one more subscriber."""

    def __init__(self, redis_url: str, channel: str) -> None:
        super().__init__(daemon=True)
        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe(channel)
        self.messages = 0
        self.bytes = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            message = self.pubsub.get_message(timeout=0.5)
            if message and message["type"] == "message":
                self.messages += 1
                self.bytes += len(message["data"])

    def close(self) -> None:
        self.running = False
        self.join(5)
        self.pubsub.close()
        self.client.close()


def pg_commits(admin_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                        " WHERE datname = current_database()"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------
# The clients: Engine.IO 4 / Socket.IO 5 over aiohttp WebSockets


class Disconnected(Exception):
    pass


class SocketClient:
    """One Socket.IO namespace over one WebSocket; reconnects by itself
    within 0.5-1 s, as the pages do, until closed."""

    def __init__(
        self,
        http: Any,
        base_url: str,
        namespace: str,
        auth: dict[str, Any],
        on_event: Any,
        stats: Stats,
    ) -> None:
        self.http = http
        self.url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.namespace = namespace
        self.auth = auth
        self.on_event = on_event
        self.stats = stats
        self.ws: Any = None
        self.connected = asyncio.Event()
        self.closed = False
        self.acks: dict[int, asyncio.Future[Any]] = {}
        self.next_ack = 1
        self.dropped_at: float | None = None
        self.has_connected = False
        self.task: asyncio.Task[None] | None = None
        self.prefix = f"42{namespace},"

    def start(self) -> None:
        self.task = asyncio.ensure_future(self.run())

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()

    async def run(self) -> None:
        while not self.closed:
            try:
                await self._session()
            except Exception as error:  # any failure: reconnect, as a page does
                if self.closed:
                    return
                self.stats.errors[f"socket {type(error).__name__}"] = (
                    self.stats.errors.get(f"socket {type(error).__name__}", 0) + 1
                )
            self.connected.clear()
            for future in self.acks.values():
                if not future.done():
                    future.set_exception(Disconnected())
            self.acks.clear()
            if self.closed:
                return
            if self.dropped_at is None and self.has_connected:
                self.dropped_at = time.monotonic()
                self.stats.drops += 1
            await asyncio.sleep(0.5 + random.random() * 0.5)

    async def _session(self) -> None:
        import aiohttp

        async with self.http.ws_connect(
            self.url, timeout=aiohttp.ClientWSTimeout(ws_close=5), autoping=True
        ) as ws:
            self.ws = ws
            opened = await asyncio.wait_for(ws.receive(), CONNECT_TIMEOUT_S)
            if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
                raise Disconnected()
            await ws.send_str(f"40{self.namespace},{json.dumps(self.auth)}")
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = message.data
                kind = data[0]
                if kind == "2":
                    await ws.send_str("3")
                elif kind == "4":
                    await self._socketio(data[1:])
            raise Disconnected()

    async def _socketio(self, data: str) -> None:
        kind = data[0]
        rest = data[1:]
        if rest.startswith("/"):
            comma = rest.find(",")
            rest = rest[comma + 1 :] if comma >= 0 else ""
        if kind == "2":
            name_end = rest.index('"', 2)
            self.on_event(self, rest[2:name_end], rest)
        elif kind == "3":
            digits = 0
            while rest[digits].isdigit():
                digits += 1
            future = self.acks.pop(int(rest[:digits]), None)
            if future is not None and not future.done():
                future.set_result(json.loads(rest[digits:])[0])
        elif kind == "0":
            if self.dropped_at is not None:
                self.stats.reconnect_s.append(time.monotonic() - self.dropped_at)
                self.dropped_at = None
            self.has_connected = True
            self.connected.set()
        elif kind == "1":
            raise Disconnected()
        elif kind == "4":
            self.stats.errors["connect refused"] = self.stats.errors.get("connect refused", 0) + 1
            self.closed = True
            raise Disconnected()

    async def call(self, event: str, payload: dict[str, Any], timeout: float = 30) -> Any:
        """Emit with an ack; raises Disconnected when the connection went."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        number = self.next_ack
        self.next_ack += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.acks[number] = future
        await self.ws.send_str(f"42{self.namespace},{number}{json.dumps([event, payload])}")
        return await asyncio.wait_for(future, timeout)


@dataclass
class Stats:
    drops: int = 0
    reconnect_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class ClientSettings:
    base_urls: list[str]
    direct: bool
    day_s: float
    peak_rate: float
    total_weight: float
    displays: int
    phone_share: float
    seed: int


async def client_main(plans: list[OfficePlan], settings: ClientSettings, pipe: Any) -> None:
    """One client process: the screens, terminals, kiosk and phones of its
    offices. Tells the parent when every screen is connected, waits for
    the go, runs the day, sends back what it saw."""
    import aiohttp

    gc.disable()
    rng = random.Random(settings.seed)
    stats = Stats()
    #: (office, code, call_count) -> (sent, acked, counter number)
    calls: dict[tuple[str, str, int], tuple[float, float, int]] = {}
    call_next_s: list[float] = []
    #: display index -> key -> received
    display_heard: list[dict[tuple[str, str, int], float]] = []
    display_resynced: list[set[tuple[str, str, int]]] = []
    display_office: list[str] = []
    phone_heard: dict[tuple[str, str], float] = {}
    phones_followed: list[tuple[str, int, str]] = []
    issued: list[tuple[str, str, int, int]] = []
    issue_s: list[float] = []
    issue_retried = 0
    #: Per office: who waits for each service (from the state terminals
    #: receive), and an event set at the next change.
    office_waiting: dict[str, dict[str, int]] = {plan.code: {} for plan in plans}
    waiting_changed: dict[str, asyncio.Event] = {plan.code: asyncio.Event() for plan in plans}
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0)
    http = aiohttp.ClientSession(connector=connector)

    def url_of(plan: OfficePlan) -> str:
        if settings.direct:
            return settings.base_urls[plan.process % len(settings.base_urls)]
        return settings.base_urls[0]

    def display_event(index: int, office: str) -> Any:
        def handle(client: SocketClient, name: str, raw: str) -> None:
            if name == "ticket_called":
                data = json.loads(raw)[1]
                key = (office, data["ticket"]["code"], data["call_count"])
                display_heard[index].setdefault(key, time.monotonic())
            elif name == "queue_state":
                data = json.loads(raw)[1]
                for call in data["recent_calls"]:
                    display_resynced[index].add((office, call["code"], call["call_count"]))

        return handle

    def terminal_event(office: str, reads: bool) -> Any:
        """Every terminal of an office hears the same state; one reads it
        for all (a clerk presses Next when the board shows someone waiting
        for the counter's services)."""

        def handle(client: SocketClient, name: str, raw: str) -> None:
            if reads and name in ("queue_changed", "queue_state"):
                data = json.loads(raw)[1]
                office_waiting[office] = {s["code"]: s["waiting"] for s in data["services"]}
                changed = waiting_changed[office]
                waiting_changed[office] = asyncio.Event()
                changed.set()

        return handle

    clients: list[SocketClient] = []
    for plan in plans:
        for _ in range(settings.displays):
            index = len(display_heard)
            display_heard.append({})
            display_resynced.append(set())
            display_office.append(plan.code)
            client = SocketClient(
                http,
                url_of(plan),
                "/display",
                {"office": plan.code},
                display_event(index, plan.code),
                stats,
            )
            clients.append(client)
        for number in range(1, len(plan.counters) + 1):
            client = SocketClient(
                http,
                url_of(plan),
                "/counter",
                {"token": plan.token, "office": plan.code},
                terminal_event(plan.code, reads=number == 1),
                stats,
            )
            client.counter_number = number  # type: ignore[attr-defined]
            client.plan = plan  # type: ignore[attr-defined]
            clients.append(client)
    for client in clients:
        client.start()
    await asyncio.wait_for(asyncio.gather(*(client.connected.wait() for client in clients)), 120)
    pipe.send(("connected", len(clients)))
    # The parent samples the servers' memory, then says go.
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    started = time.monotonic()

    async def work_counter(client: SocketClient) -> None:
        plan: OfficePlan = client.plan  # type: ignore[attr-defined]
        number: int = client.counter_number  # type: ignore[attr-defined]
        counter_id = plan.counter_ids[number]
        while not stop.is_set():
            try:
                sent = time.monotonic()
                ack = await client.call("call_next", {"counter": counter_id})
                acked = time.monotonic()
                call_next_s.append(acked - sent)
                if not ack["ok"]:
                    code = ack["error"]["code"]
                    stats.errors[f"call_next {code}"] = stats.errors.get(f"call_next {code}", 0) + 1
                    await client.call("finish", {"counter": counter_id})
                    continue
                ticket = ack["ticket"]
                if ticket is None:
                    own = plan.counters[number - 1]
                    while not stop.is_set():
                        event = waiting_changed[plan.code]
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(event.wait(), 2)
                        if any(office_waiting[plan.code].get(code, 0) for code in own):
                            break
                    continue
                calls[(plan.code, ticket["code"], ticket["call_count"])] = (sent, acked, number)
                service = rng.expovariate(1 / plan.service_s)
                await asyncio.sleep(service * WALK_SHARE)
                await client.call("start", {"counter": counter_id})
                await asyncio.sleep(service * (1 - WALK_SHARE))
                await client.call("finish", {"counter": counter_id})
            except (TimeoutError, Disconnected):
                stats.errors["terminal command unanswered"] = (
                    stats.errors.get("terminal command unanswered", 0) + 1
                )
                await asyncio.sleep(0.2)

    async def follow(plan: OfficePlan, ticket: dict[str, Any]) -> None:
        """A citizen's phone on the ticket page, from issue to call."""
        key = (plan.code, ticket["code"])
        done = asyncio.Event()

        def handle(client: SocketClient, name: str, raw: str) -> None:
            if name == "ticket_updated":
                data = json.loads(raw)[1]
                if data["state"] != "waiting":
                    phone_heard.setdefault(key, time.monotonic())
                    done.set()

        phone = SocketClient(
            http,
            url_of(plan),
            "/ticket",
            {"ticket": ticket["id"], "token": ticket["access_token"]},
            handle,
            stats,
        )
        phones_followed.append((plan.code, ticket["id"], ticket["code"]))
        phone.start()
        try:
            await asyncio.wait_for(done.wait(), settings.day_s + 60)
        except TimeoutError:
            pass
        finally:
            await phone.close()

    phone_tasks: list[asyncio.Task[None]] = []
    issuing = asyncio.Semaphore(64)

    async def issue(plan: OfficePlan, service: str) -> None:
        nonlocal issue_retried
        async with issuing:
            key = str(uuid.uuid4())
            body = {"service": service, "office": plan.code}
            first = time.monotonic()
            deadline = first + ISSUE_RETRY_S
            attempt = 0
            while time.monotonic() < deadline:
                attempt += 1
                sent = time.monotonic()
                try:
                    async with http.post(
                        url_of(plan) + "/api/v1/tickets",
                        json=body,
                        headers={"Idempotency-Key": key},
                        timeout=aiohttp.ClientTimeout(total=30),
                    ) as response:
                        status = response.status
                        # nginx answers a 502 in HTML: only a success is read.
                        answer = (
                            await response.json(content_type=None) if status in (200, 201) else None
                        )
                except (TimeoutError, aiohttp.ClientError) as error:
                    name = f"issue {type(error).__name__}"
                    stats.errors[name] = stats.errors.get(name, 0) + 1
                    await asyncio.sleep(0.2)
                    continue
                if answer is not None:
                    issue_s.append(time.monotonic() - sent)
                    if attempt > 1:
                        issue_retried += 1
                    issued.append((plan.code, service, answer["id"], answer["number"]))
                    if rng.random() < settings.phone_share:
                        phone_tasks.append(asyncio.ensure_future(follow(plan, answer)))
                    return
                stats.errors[f"issue {status}"] = stats.errors.get(f"issue {status}", 0) + 1
                if status in (502, 503, 504):
                    await asyncio.sleep(0.2)
                    continue
                return
            stats.errors["issue given up"] = stats.errors.get("issue given up", 0) + 1

    async def kiosk() -> None:
        weights = [plan.weight for plan in plans]
        share = sum(weights) / settings.total_weight
        tasks = []
        while True:
            elapsed = time.monotonic() - started
            if elapsed >= settings.day_s:
                break
            hour = DAY_START_H + (DAY_END_H - DAY_START_H) * elapsed / settings.day_s
            rate = settings.peak_rate * share * max(curve(hour), 0.02)
            gap = rng.expovariate(rate)
            if elapsed + gap >= settings.day_s:
                await asyncio.sleep(settings.day_s - elapsed)
                break
            await asyncio.sleep(gap)
            plan = rng.choices(plans, weights)[0]
            service = rng.choices([s[0] for s in plan.services], [s[3] for s in plan.services])[0]
            tasks.append(asyncio.ensure_future(issue(plan, service)))
        await asyncio.gather(*tasks)

    async def probe() -> None:
        """The same run's baseline: a static file's round trip through the
        same path (no database, no state), four times a second."""
        urls = settings.base_urls
        turn = 0
        while not stop.is_set():
            turn += 1
            sent = time.monotonic()
            try:
                async with http.get(
                    urls[turn % len(urls)] + "/static/common/luot.js",
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as response:
                    await response.read()
                if response.status == 200:
                    baseline_s.append(time.monotonic() - sent)
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.25)

    baseline_s: list[float] = []
    probing = asyncio.ensure_future(probe())
    counter_tasks = [
        asyncio.ensure_future(work_counter(client))
        for client in clients
        if client.namespace == "/counter"
    ]
    cpu_before = time.process_time()
    await kiosk()
    stop.set()
    ended = time.monotonic()
    # Let the calls in progress land, then stop.
    await asyncio.wait(counter_tasks, timeout=10)
    await asyncio.sleep(2)
    cpu = time.process_time() - cpu_before
    probing.cancel()
    # Phones whose ticket was called at the very end hear it a moment later.
    pending = [task for task in phone_tasks if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=10)
    for task in phone_tasks:
        task.cancel()
    for task in counter_tasks:
        task.cancel()
    for client in clients:
        await client.close()
    await http.close()
    pipe.send(
        (
            "done",
            {
                "started": started,
                "ended": ended,
                "calls": [[*key, *value] for key, value in calls.items()],
                "call_next_s": call_next_s,
                "display_heard": [
                    [[*key, moment] for key, moment in heard.items()] for heard in display_heard
                ],
                "display_resynced": [[list(key) for key in keys] for keys in display_resynced],
                "display_office": display_office,
                "phone_heard": [[*key, moment] for key, moment in phone_heard.items()],
                "phones_followed": phones_followed,
                "issued": issued,
                "issue_s": issue_s,
                "baseline_s": baseline_s,
                "issue_retried": issue_retried,
                "drops": stats.drops,
                "reconnect_s": stats.reconnect_s,
                "errors": stats.errors,
                "cpu_s": cpu,
                "connections": len(clients),
            },
        )
    )


def run_client(plans: list[OfficePlan], settings: ClientSettings, pipe: Any) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(client_main(plans, settings, pipe))


# ----------------------------------------------------------------------------
# The run


def describe(values: list[float]) -> str:
    if not values:
        return "none"
    ms = [value * 1000 for value in values]
    return (
        f"p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms (n={len(ms)})"
    )


def schema_url(database_url: str, schema: str) -> str:
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options=-csearch_path%3D{schema}"


def rolling_restart(servers: list[Gunicorn], log: list[dict[str, float]], gap_s: float) -> None:
    """Each process in turn, ``gap_s`` apart: nginx holds a process that
    failed a request as down for its ``fail_timeout`` (10 s), and with every
    process so marked it answers 502 to all until the first is due again."""
    for number, server in enumerate(servers):
        if number:
            time.sleep(gap_s)
        began = time.monotonic()
        server.stop()
        left = time.monotonic()
        server.start()
        log.append(
            {
                "process": server.index,
                "leave_s": left - began,
                "back_s": time.monotonic() - left,
                "at": began,
            }
        )


def check_losses(database_url: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """What the database holds against what the clients were answered and heard."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        tickets = connection.execute(
            text(
                "SELECT o.code, s.code, t.id, t.number FROM tickets t"
                " JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = t.office_id"
            )
        ).all()
        call_rows = connection.execute(
            text(
                "SELECT o.code, e.data FROM events e JOIN offices o ON o.id = e.office_id"
                " WHERE e.kind IN ('called', 'recalled')"
            )
        ).all()
        ticket_states = dict(
            connection.execute(text("SELECT id, state FROM tickets")).all()  # type: ignore[arg-type]
        )
    engine.dispose()
    answered = {row[2] for result in results for row in result["issued"]}
    stored = {row[2] for row in tickets}
    numbers: dict[tuple[str, str], list[int]] = {}
    for office, service, _id, number in tickets:
        numbers.setdefault((office, service), []).append(number)
    gaps = sum(
        1 for values in numbers.values() if sorted(values) != list(range(1, len(values) + 1))
    )
    made = {(office, data["code"], data["call_count"]) for office, data in call_rows}
    missing_on_displays = 0
    display_count = 0
    for result in results:
        for office, heard, resynced in zip(
            result["display_office"],
            result["display_heard"],
            result["display_resynced"],
            strict=True,
        ):
            display_count += 1
            known = {tuple(item[:3]) for item in heard} | {tuple(item) for item in resynced}
            missing_on_displays += sum(1 for key in made if key[0] == office and key not in known)
    phones_missing = 0
    for result in results:
        heard_keys = {(item[0], item[1]) for item in result["phone_heard"]}
        for office, ticket_id, code in result["phones_followed"]:
            if ticket_states.get(ticket_id) != "waiting" and (office, code) not in heard_keys:
                phones_missing += 1
    return {
        "answered": len(answered),
        "stored": len(stored),
        "answered_not_stored": len(answered - stored),
        "stored_not_answered": len(stored - answered),
        "lines_with_gaps": gaps,
        "calls": len(made),
        "displays": display_count,
        "calls_missing_on_displays": missing_on_displays,
        "phones_missing_their_call": phones_missing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an existing PostgreSQL database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--peak-rate", type=float, default=10.0, help="tickets/s, whole province")
    parser.add_argument("--day-seconds", type=float, default=120.0)
    parser.add_argument("--displays", type=int, default=2, help="per office")
    parser.add_argument("--phone-share", type=float, default=0.5)
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--direct", action="store_true", help="no nginx: offices by process")
    parser.add_argument("--rolling-restart", action="store_true")
    parser.add_argument(
        "--restart-gap", type=float, default=12.0, help="seconds between two processes' restarts"
    )
    parser.add_argument("--pool", type=int, default=5, help="PostgreSQL pool (and overflow)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    print(machine())
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    plans = plan_province(args.offices, args.seed)
    size_service_times(plans, args.peak_rate)
    schema = "province_" + secrets.token_hex(4)
    from sqlalchemy import create_engine, text

    admin = create_engine(args.database_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop_schema() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    # Dropped however the run ends (an error, ^C) but a kill.
    atexit.register(drop_schema)
    url = schema_url(args.database_url, schema)
    folder = Path(tempfile.mkdtemp(prefix="luot-province-"))
    servers: list[Gunicorn] = []
    nginx: Nginx | None = None
    channel: ChannelCounter | None = None
    children: list[multiprocessing.process.BaseProcess] = []
    try:
        seed_province(url, plans)
        channel_name = f"luot-province-{schema}"
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "SOCKETIO_MESSAGE_QUEUE": args.redis_url,
            "LUOT_SOCKETIO_CHANNEL": channel_name,
            "LUOT_SECRET_KEY": "province-bench-" + secrets.token_hex(16),
            "LUOT_DEMO": "0",
            "LUOT_ISSUE_RATE_LIMIT": "none",
            "LUOT_PUBLIC_URL": "http://127.0.0.1",
            "LUOT_PROXY_COUNT": "0" if args.direct else "1",
            "LUOT_LOG_LEVEL": "warning",
            # The PostgreSQL server is shared: 10 connections a process at most.
            "LUOT_DB_POOL_SIZE": str(args.pool),
            "LUOT_DB_MAX_OVERFLOW": str(args.pool),
        }
        for index in range(args.processes):
            servers.append(Gunicorn(index, folder, environment))
        for server in servers:
            server.start(wait=False)
        for server in servers:
            server.wait_serving()
        if args.direct:
            base_urls = [f"http://127.0.0.1:{server.port}" for server in servers]
        else:
            nginx = Nginx(folder, [server.port for server in servers])
            nginx.start()
            base_urls = [f"http://127.0.0.1:{nginx.port}"]
        for index, plan in enumerate(plans):
            plan.process = index
        channel = ChannelCounter(args.redis_url, channel_name)
        channel.start()

        total_weight = sum(plan.weight for plan in plans)
        context = multiprocessing.get_context("spawn")
        pipes = []
        shares: list[list[OfficePlan]] = [[] for _ in range(args.client_processes)]
        for index, plan in enumerate(plans):
            shares[index % args.client_processes].append(plan)
        rss_before = [rss_mb(server.worker_pid()) for server in servers]
        for index, share in enumerate(shares):
            parent, child = context.Pipe()
            settings = ClientSettings(
                base_urls=base_urls,
                direct=args.direct,
                day_s=args.day_seconds,
                peak_rate=args.peak_rate,
                total_weight=total_weight,
                displays=args.displays,
                phone_share=args.phone_share,
                seed=args.seed * 100 + index,
            )
            process = context.Process(target=run_client, args=(share, settings, child))
            process.start()
            children.append(process)
            pipes.append(parent)
        connections = 0
        for pipe in pipes:
            if not pipe.poll(180):
                raise RuntimeError("the clients did not connect")
            connections += pipe.recv()[1]
        time.sleep(1)
        rss_after = [rss_mb(server.worker_pid()) for server in servers]
        cpu_before = [cpu_seconds(server.worker_pid()) for server in servers]
        nginx_cpu_before = sum(cpu_seconds(pid) for pid in (nginx.pids() if nginx else []))
        commits_before = pg_commits(args.database_url)
        messages_before, bytes_before = channel.messages, channel.bytes
        began = time.monotonic()
        for pipe in pipes:
            pipe.send("go")
        restarts: list[dict[str, float]] = []
        cpu_lost = [0.0] * len(servers)
        if args.rolling_restart:
            time.sleep(args.day_seconds / 3)
            for index, server in enumerate(servers):
                cpu_lost[index] = cpu_seconds(server.worker_pid()) - cpu_before[index]
            rolling_restart(servers, restarts, args.restart_gap)
            cpu_before = [cpu_seconds(server.worker_pid()) for server in servers]
        # The figures cover the day: from the go to its end.
        time.sleep(max(0.0, began + args.day_seconds - time.monotonic()))
        elapsed = time.monotonic() - began
        cpu_after = [cpu_seconds(server.worker_pid()) for server in servers]
        nginx_cpu = sum(cpu_seconds(pid) for pid in (nginx.pids() if nginx else [])) - (
            nginx_cpu_before
        )
        commits = pg_commits(args.database_url) - commits_before
        messages = channel.messages - messages_before
        message_bytes = channel.bytes - bytes_before
        results = []
        for pipe in pipes:
            if not pipe.poll(300):
                raise RuntimeError("the clients did not finish")
            results.append(pipe.recv()[1])
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        for process in children:
            process.join(30)
            if process.is_alive():
                process.kill()
        if channel is not None:
            channel.close()
        if nginx is not None:
            nginx.stop()
        for server in servers:
            try:
                server.stop()
            except Exception as error:
                print(f"stopping process {server.index}: {error}")

    # Figures.
    calls: dict[tuple[str, str, int], tuple[float, float, int]] = {}
    for result in results:
        for office, code, count, sent, acked, number in result["calls"]:
            calls[(office, code, count)] = (sent, acked, number)
    to_display = []
    for result in results:
        for heard in result["display_heard"]:
            for office, code, count, moment in heard:
                sent = calls.get((office, code, count))
                if sent is not None:
                    to_display.append(moment - sent[0])
    to_phone = []
    for result in results:
        for office, code, moment in result["phone_heard"]:
            sent = calls.get((office, code, 1))
            if sent is not None:
                to_phone.append(moment - sent[0])
    issued = sum(len(result["issued"]) for result in results)
    errors: dict[str, int] = {}
    for result in results:
        for name, count in result["errors"].items():
            errors[name] = errors.get(name, 0) + count
    cpu = [
        after - before + lost
        for after, before, lost in zip(cpu_after, cpu_before, cpu_lost, strict=True)
    ]
    screens = args.offices * args.displays + sum(len(p.counters) for p in plans)
    phones = sum(len(result["phones_followed"]) for result in results)
    figures: dict[str, Any] = {
        "machine": machine(),
        "processes": args.processes,
        "offices": args.offices,
        "counters": sum(len(p.counters) for p in plans),
        "displays": args.offices * args.displays,
        "persistent_connections": connections,
        "phones_followed": phones,
        "peak_rate": args.peak_rate,
        "day_seconds": args.day_seconds,
        "through": "direct" if args.direct else "nginx",
        "elapsed_s": elapsed,
        "tickets_issued": issued,
        "tickets_per_s": issued / elapsed,
        "calls": len(calls),
        "baseline_static_file": describe([v for r in results for v in r["baseline_s"]]),
        "call_to_display": describe(to_display),
        "call_to_phone": describe(to_phone),
        "issue": describe([v for r in results for v in r["issue_s"]]),
        "call_next": describe([v for r in results for v in r["call_next_s"]]),
        "cpu_s_per_process": [round(value, 1) for value in cpu],
        "cpu_share_per_process": [round(value / elapsed, 3) for value in cpu],
        "cpu_ms_per_ticket": round(1000 * sum(cpu) / max(issued, 1), 2),
        "nginx_cpu_ms_per_ticket": round(1000 * nginx_cpu / max(issued, 1), 2),
        "client_cpu_s": [round(r["cpu_s"], 1) for r in results],
        "pg_transactions_per_s": round(commits / elapsed, 1),
        "pg_transactions_per_ticket": round(commits / max(issued, 1), 2),
        "redis_messages_per_s": round(messages / elapsed, 1),
        "redis_kb_per_s": round(message_bytes / elapsed / 1024, 1),
        "redis_messages_per_ticket": round(messages / max(issued, 1), 2),
        "rss_mb_before": [round(value, 1) for value in rss_before],
        "rss_mb_connected": [round(value, 1) for value in rss_after],
        "kb_per_connection": round(
            1024 * (sum(rss_after) - sum(rss_before)) / max(connections, 1), 1
        ),
        "screens": screens,
        "errors": errors,
        "issue_retried": sum(r["issue_retried"] for r in results),
    }
    if args.rolling_restart:
        figures["restarts"] = [
            {key: round(value, 2) for key, value in entry.items() if key != "at"}
            for entry in restarts
        ]
        figures["client_drops"] = sum(r["drops"] for r in results)
        reconnect = [v for r in results for v in r["reconnect_s"]]
        figures["reconnect"] = describe(reconnect)
    figures["losses"] = check_losses(url, results)
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

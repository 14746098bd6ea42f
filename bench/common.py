"""What the benchmarks share: a real server process on 127.0.0.1, and the
machine they ran on."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def describe_ms(values: list[float]) -> str:
    milliseconds = [value * 1000 for value in values]
    return (
        f"p50 {statistics.median(milliseconds):.1f} ms, "
        f"p95 {percentile(milliseconds, 0.95):.1f} ms, "
        f"p99 {percentile(milliseconds, 0.99):.1f} ms, max {max(milliseconds):.1f} ms"
    )


def processor_seconds(pid: int) -> float:
    """User and system time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


class ServerProcess:
    """``python server.py`` with the demo office on a fresh database; with
    ``gunicorn=True``, gunicorn with deploy/gunicorn.conf.py instead."""

    def __init__(self, database_url: str = "", gunicorn: bool = False, **environment: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="luot-bench-"))
        self.database_url = database_url or f"sqlite:///{self.folder / 'luot.db'}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LUOT_DEMO": "1",
            "LUOT_ISSUE_RATE_LIMIT": "none",
            **environment,
        }
        self.command = [sys.executable, "server.py", "--port", str(self.port)]
        self.gunicorn = gunicorn
        if gunicorn:
            self.environment["LUOT_BIND"] = f"127.0.0.1:{self.port}"
            self.environment.setdefault("LUOT_SECRET_KEY", "bench-only-secret")
            self.command = [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "server:create_app()",
            ]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        log = (self.folder / "server.log").open("w")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base_url}/api/v1/services", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("the server did not start; see " + str(self.folder / "server.log"))

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def url(self, path: str) -> str:
        return self.base_url + path

    def serving_pid(self) -> int:
        """The process that holds the connections: the one started, or
        gunicorn's worker (its master only watches)."""
        assert self.process is not None
        pid = self.process.pid
        if not self.gunicorn:
            return pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return int(children[0]) if children else pid

    def rss_mb(self) -> float:
        """Resident memory of the serving process."""
        return rss_mb(self.serving_pid())

    def processor_seconds(self) -> float:
        """Processor time the serving process has used so far."""
        return processor_seconds(self.serving_pid())

    def token(self, role: str) -> str:
        from queueing import accounts
        from queueing.database import Database

        database = Database(self.database_url)
        try:
            _row, token = database.write(
                lambda session: accounts.create_token(session, "bench", role, datetime.now(UTC))
            )
        finally:
            database.dispose()
        return token


class BaselineProcess(ServerProcess):
    """``bench/issue_baseline.py``: a bare Flask app on the same server as
    ``python server.py``, doing a ticket's least durable work in
    ``database_url`` (a SQLite file of its own when empty; on PostgreSQL
    tables of its own, so start it after Luot has made its schema)."""

    def __init__(self, database_url: str = "") -> None:
        super().__init__(database_url)
        if not database_url:
            self.database_url = f"sqlite:///{self.folder / 'baseline.db'}"
        self.command = [
            sys.executable,
            "bench/issue_baseline.py",
            "--port",
            str(self.port),
            "--database-url",
            self.database_url,
        ]


class HttpConnection:
    """One kept-alive HTTP/1.1 connection to 127.0.0.1 on asyncio.

    Plain and small on purpose: the benchmarks share two cores with the
    server they measure, and a full client library costs more per request
    than the server's own work does.
    """

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> HttpConnection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()

    def request_bytes(self, method: str, path: str, body: object = None) -> bytes:
        """A request, to build once and send many times."""
        content = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{self.headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
        )
        return head.encode() + content

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Sends a request; returns the status and the body."""
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
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
            return status, await self.reader.readexactly(length)
        body = b""
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return status, body
            body += chunk[:-2]

    async def post(self, path: str, body: object = None) -> tuple[int, object]:
        status, content = await self.send(self.request_bytes("POST", path, body))
        return status, json.loads(content) if content else None

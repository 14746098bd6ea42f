"""What the benchmarks share: a real server process on 127.0.0.1, and the
machine they ran on."""

from __future__ import annotations

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


class ServerProcess:
    """``python server.py`` with the demo office on a fresh database."""

    def __init__(self, database_url: str = "", **environment: str) -> None:
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
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        log = (self.folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "server.py", "--port", str(self.port)],
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base_url}/api/v1/services", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start; see " + str(self.folder / "server.log"))

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def url(self, path: str) -> str:
        return self.base_url + path

    def rss_mb(self) -> float:
        """Resident memory of the server process."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

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

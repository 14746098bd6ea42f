"""The README's promise, end to end: ``python server.py`` serves a demo office
that a newcomer drives over HTTP while a real Socket.IO display listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'luot.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("LUOT_DEMO", None)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/v1/queue", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("server did not start: " + (tmp_path / "server.log").read_text())
    yield base, env
    process.terminate()
    process.wait(timeout=10)
    log.close()


def make_token(env, role: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "server",
            "create-api-token",
            role,
            "--role",
            role,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_demo_office_visit_with_a_live_display(served):
    base, env = served
    calls: list[dict] = []
    called = threading.Event()
    display = socketio.Client(reconnection=False)

    @display.on("ticket_called", namespace="/display")
    def on_called(data):
        calls.append(data)
        called.set()

    display.connect(base, namespaces=["/display"], transports=["websocket"], wait_timeout=10)
    try:
        clerk = {"Authorization": f"Bearer {make_token(env, 'clerk')}"}
        manager = {"Authorization": f"Bearer {make_token(env, 'manager')}"}
        ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "HT"}, timeout=5)
        assert ticket.status_code == 201
        ticket_id = ticket.json()["id"]
        call = requests.post(f"{base}/api/v1/counters/1/call-next", headers=clerk, timeout=5)
        assert call.json()["ticket"]["id"] == ticket_id
        assert called.wait(timeout=5), "the display heard no call"
        assert calls[0]["ticket"]["code"] == ticket.json()["code"]
        assert calls[0]["counter"]["number"] == 1
        for action in ("start", "finish"):
            response = requests.post(f"{base}/api/v1/counters/1/{action}", headers=clerk, timeout=5)
            assert response.status_code == 200
        rating = requests.post(
            f"{base}/api/v1/tickets/{ticket_id}/rating", json={"score": 5}, timeout=5
        )
        assert rating.status_code == 201
        summary = requests.get(f"{base}/api/v1/reports/summary", headers=manager, timeout=5)
        assert summary.status_code == 200
        figures = summary.json()
        assert (figures["issued"], figures["served"], figures["rating_mean"]) == (1, 1, 5.0)
    finally:
        display.disconnect()

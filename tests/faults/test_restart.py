"""A server killed mid-day loses nothing, and its clients come back by themselves."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
import socketio
from sqlalchemy import select

from queueing import operations
from queueing.database import Database
from queueing.models import Office
from queueing.operations import Actor
from tests.conftest import LiveServer, free_port


def test_kill_9_and_restart_loses_no_ticket_call_or_rating(tmp_path):
    server = LiveServer(tmp_path)
    server.start()
    try:
        clerk = server.headers("clerk")
        issued = [
            requests.post(server.url("/api/v1/tickets"), json={"service": "HT"}, timeout=5).json()
            for _ in range(6)
        ]
        requests.post(server.url("/api/v1/counters/1/call-next"), headers=clerk, timeout=5)
        requests.post(server.url("/api/v1/counters/1/finish"), headers=clerk, timeout=5)
        rated = requests.post(
            server.url(f"/api/v1/tickets/{issued[0]['id']}/rating"),
            json={"score": 4, "token": issued[0]["access_token"]},
            timeout=5,
        )
        assert rated.status_code == 201
        serving = requests.post(
            server.url("/api/v1/counters/2/call-next"), headers=clerk, timeout=5
        ).json()["ticket"]
        requests.post(server.url("/api/v1/counters/2/start"), headers=clerk, timeout=5)

        server.stop(kill=True)
        server.start()

        states = [
            requests.get(
                server.url(f"/api/v1/tickets/{t['id']}?token={t['access_token']}"), timeout=5
            ).json()["state"]
            for t in issued
        ]
        assert states == ["done", "serving", "waiting", "waiting", "waiting", "waiting"]
        counters = requests.get(server.url("/api/v1/counters"), timeout=5).json()["counters"]
        assert counters[1]["current_ticket"]["id"] == serving["id"]
        assert counters[1]["current_ticket"]["state"] == "serving"
        again = requests.post(
            server.url(f"/api/v1/tickets/{issued[0]['id']}/rating"),
            json={"score": 5, "token": issued[0]["access_token"]},
            timeout=5,
        )
        assert again.json()["error"]["code"] == "already_rated"
        following = requests.post(
            server.url("/api/v1/tickets"), json={"service": "HT"}, timeout=5
        ).json()
        assert following["number"] == 7
    finally:
        server.close()


def issue_in_the_database(database_url: str, service: str) -> None:
    """Issue a ticket without the server, as another process would."""
    database = Database(database_url)

    def work(session):
        office = session.scalar(select(Office).where(Office.code == "DEMO"))
        operations.issue_ticket(session, office.id, service, datetime.now(UTC), Actor("public"))

    try:
        database.write(work)
    finally:
        database.dispose()


def test_a_display_client_resyncs_by_itself_after_a_restart(tmp_path):
    server = LiveServer(tmp_path)
    server.start()
    states: list[dict] = []
    fresh = threading.Event()
    display = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=1)

    @display.on("queue_state", namespace="/display")
    def on_state(data):
        states.append(data)
        fresh.set()

    try:
        display.connect(server.base_url, namespaces=["/display"], transports=["websocket"])
        assert fresh.wait(5)
        fresh.clear()
        server.stop(kill=True)
        # While it is down, a ticket is issued by another path: the database.
        issue_in_the_database(server.database_url, "KD")
        server.start()
        assert fresh.wait(10), "the display did not reconnect"
        # The state it got on reconnecting is the whole, current one: it
        # includes the ticket issued before the display came back.
        land = next(s for s in states[-1]["services"] if s["code"] == "KD")
        assert land["waiting"] == 1
    finally:
        display.disconnect()
        server.close()


@pytest.fixture
def own_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed: needed to stop a Redis of the test's own")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            import redis

            redis.Redis(port=port).ping()
            break
        except Exception:
            time.sleep(0.1)
    yield process, f"redis://127.0.0.1:{port}/0"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_redis_gone_the_process_serves_its_own_clients_and_says_so(tmp_path, own_redis):
    redis_process, url = own_redis
    server = LiveServer(tmp_path, SOCKETIO_MESSAGE_QUEUE=url)
    server.start()
    heard = threading.Event()
    display = socketio.Client(reconnection=False)

    @display.on("ticket_called", namespace="/display")
    def on_called(data):
        heard.set()

    try:
        display.connect(server.base_url, namespaces=["/display"], transports=["websocket"])
        assert requests.get(server.url("/healthz"), timeout=5).json()["status"] == "ok"
        redis_process.kill()
        redis_process.wait()
        ticket = requests.post(server.url("/api/v1/tickets"), json={"service": "HT"}, timeout=10)
        assert ticket.status_code == 201
        call = requests.post(
            server.url("/api/v1/counters/3/call-next"), headers=server.headers("clerk"), timeout=10
        )
        assert call.status_code == 200
        assert heard.wait(5), "the process's own display heard no call"
        health = requests.get(server.url("/healthz"), timeout=10).json()
        assert health["status"] == "degraded"
        assert health["message_queue"]["ok"] is False
        log = (tmp_path / "server.log").read_text()
        assert "Cannot publish to redis" in log
    finally:
        display.disconnect()
        server.close()

"""Two server processes sharing PostgreSQL, linked through Redis."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.conftest import LiveServer, linked_processes, postgres_schema, skip_without

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TICKETS_PER_PROCESS = 40


@pytest.fixture
def two_processes(tmp_path):
    skip_without("postgresql", "redis")
    with postgres_schema() as url, linked_processes(tmp_path, url) as servers:
        yield servers


def test_issuing_on_both_processes_gives_unique_numbers(two_processes):
    first, second = two_processes

    def issue(server: LiveServer) -> str:
        response = requests.post(server.url("/api/v1/tickets"), json={"service": "DD"}, timeout=30)
        assert response.status_code == 201, response.text
        return str(response.json()["code"])

    targets = [first, second] * TICKETS_PER_PROCESS
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(issue, targets))
    assert max(Tally(codes).values()) == 1
    numbers = sorted(int(code[1:]) for code in codes)
    assert numbers == list(range(1, 2 * TICKETS_PER_PROCESS + 1))


def test_a_call_on_process_a_reaches_a_display_on_process_b(two_processes):
    first, second = two_processes
    heard = threading.Event()
    calls: list[dict] = []
    display = socketio.Client(reconnection=False)

    @display.on("ticket_called", namespace="/display")
    def on_called(data):
        calls.append(data)
        heard.set()

    terminal = socketio.Client(reconnection=False)
    display.connect(second.base_url, namespaces=["/display"], transports=["websocket"])
    terminal.connect(
        first.base_url,
        namespaces=["/counter"],
        transports=["websocket"],
        auth={"token": first.token("clerk")},
    )
    try:
        ticket = requests.post(first.url("/api/v1/tickets"), json={"service": "LD"}, timeout=10)
        ack = terminal.call("call_next", {"counter": 2}, namespace="/counter", timeout=10)
        assert ack["ok"] is True
        assert ack["ticket"]["id"] == ticket.json()["id"]
        assert heard.wait(timeout=10), "the display on the other process heard no call"
        assert calls[0]["ticket"]["code"] == ticket.json()["code"]
        assert calls[0]["counter"]["number"] == 2
    finally:
        terminal.disconnect()
        display.disconnect()

"""Real Socket.IO clients against a real server: a reconnecting screen or
terminal gets the whole, fresh state."""

from __future__ import annotations

import queue
import time
from typing import Any

import pytest
import socketio

from tests.conftest import LiveServer
from tests.display.clerk_api import ClerkApi


class Listener:
    """A python-socketio client that queues what one namespace receives."""

    def __init__(self, server: LiveServer, namespace: str, auth: dict[str, Any]) -> None:
        self.server = server
        self.namespace = namespace
        self.auth = auth
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in ("queue_state", "queue_changed", "ticket_called"):
            self.client.on(name, self._keeper(name), namespace=namespace)

    def _keeper(self, name: str) -> Any:
        return lambda payload: self.events.put((name, payload))

    def connect(self) -> None:
        self.client.connect(
            self.server.base_url,
            namespaces=[self.namespace],
            auth=self.auth,
            transports=["websocket"],
            wait_timeout=10,
        )

    def disconnect(self) -> None:
        self.client.disconnect()

    def next(self, name: str, until: Any = None, timeout: float = 10) -> Any:
        """The next ``name`` event (for which ``until(payload)`` holds, if
        given), within ``timeout`` seconds however many others come first."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got, payload = self.events.get(timeout=left)
            except queue.Empty:
                break
            if got == name and (until is None or until(payload)):
                return payload
        raise AssertionError(f"no {name} on {self.namespace} within {timeout} s")


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


def waiting_of(state: dict[str, Any], code: str) -> int:
    return int(next(s["waiting"] for s in state["services"] if s["code"] == code))


def test_a_display_that_reconnects_gets_the_changes_it_missed(live_server, api):
    display = Listener(live_server, "/display", {})
    display.connect()
    before = display.next("queue_state")
    display.disconnect()
    api.free(2)
    for _ in range(3):
        api.issue("KD")
    called = api.call_next(2)
    display.connect()
    try:
        after = display.next("queue_state")
    finally:
        display.disconnect()
    assert waiting_of(after, "KD") == waiting_of(before, "KD") + 2
    counter = next(c for c in after["counters"] if c["id"] == 2)
    assert counter["current_ticket"]["code"] == called["code"]
    assert after["recent_calls"][0]["code"] == called["code"]
    assert after["generated_at"] > before["generated_at"]


def test_a_terminal_that_reconnects_gets_a_fresh_state(live_server, api):
    terminal = Listener(live_server, "/counter", {"token": live_server.token("clerk")})
    terminal.connect()
    before = terminal.next("queue_state")
    terminal.disconnect()
    api.free(3)
    api.post("/api/v1/counters/3/pause", reason="Họp")
    terminal.connect()
    try:
        after = terminal.next("queue_state")
        # Still live after the reconnect: later changes arrive too (the
        # pause's own queue_changed may come first, sent a moment after it).
        api.post("/api/v1/counters/3/open")
        changed = terminal.next(
            "queue_changed", until=lambda state: state["counters"][2]["state"] == "open"
        )
    finally:
        terminal.disconnect()
    assert next(c for c in before["counters"] if c["id"] == 3)["state"] == "open"
    paused = next(c for c in after["counters"] if c["id"] == 3)
    assert (paused["state"], paused["pause_reason"]) == ("paused", "Họp")
    assert changed["counters"][2]["pause_reason"] == ""


def test_a_limited_display_hears_only_its_counters_calls(live_server, api):
    display = Listener(live_server, "/display", {"counters": [1]})
    display.connect()
    try:
        display.next("queue_state")
        api.free(1, 3)
        api.issue("HT")
        api.issue("HT")
        api.call_next(3)
        mine = api.call_next(1)
        call = display.next("ticket_called")
    finally:
        display.disconnect()
    assert (call["ticket"]["code"], call["counter"]["id"], call["call_count"]) == (
        mine["code"],
        1,
        1,
    )

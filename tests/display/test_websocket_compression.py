"""Displays connect over WebSocket without per-message compression: the
server sends every frame as it is, to browsers (which always offer
compression) as to any other client."""

from __future__ import annotations

import base64
import os
import queue
import socket
import threading
from typing import Any

import requests
import socketio

from tests.conftest import LiveServer

#: What Chromium and Firefox send on every WebSocket handshake.
BROWSER_EXTENSIONS = "permessage-deflate; client_max_window_bits"


def handshake_response(server: LiveServer, headers: dict[str, str]) -> str:
    """The raw HTTP response to a WebSocket upgrade of Engine.IO."""
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + "\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def test_a_browser_offering_compression_is_answered_without_it(live_server):
    response = handshake_response(live_server, {"Sec-WebSocket-Extensions": BROWSER_EXTENSIONS})
    status, *header_lines = response.split("\r\n")
    names = {line.split(":", 1)[0].strip().lower() for line in header_lines}
    assert status.startswith("HTTP/1.1 101")
    assert "sec-websocket-extensions" not in names


def test_a_display_offering_compression_hears_the_state_and_the_calls(live_server):
    """The client here cannot inflate: had the server compressed, it would
    fail on the first compressed frame and hear nothing."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    connected = threading.Event()
    display = socketio.Client(reconnection=False)
    display.on("queue_state", lambda data: events.put(("queue_state", data)), namespace="/display")
    display.on(
        "ticket_called", lambda data: events.put(("ticket_called", data)), namespace="/display"
    )
    display.on("connect", connected.set, namespace="/display")
    display.connect(
        live_server.base_url,
        namespaces=["/display"],
        transports=["websocket"],
        headers={"Sec-WebSocket-Extensions": BROWSER_EXTENSIONS},
        wait_timeout=10,
    )
    try:
        assert connected.wait(timeout=5)
        name, state = events.get(timeout=5)
        assert name == "queue_state"
        assert {"services", "counters", "recent_calls"} <= set(state)
        clerk = live_server.headers("clerk")
        issued = requests.post(
            live_server.url("/api/v1/tickets"), json={"service": "HT"}, timeout=5
        ).json()
        requests.post(live_server.url("/api/v1/counters/2/call-next"), headers=clerk, timeout=5)
        name, call = events.get(timeout=5)
        assert name == "ticket_called"
        assert call["ticket"]["code"] == issued["code"]
        requests.post(live_server.url("/api/v1/counters/2/finish"), headers=clerk, timeout=5)
    finally:
        display.disconnect()

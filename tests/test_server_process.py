"""The README's promise, end to end: ``python server.py`` serves a demo office
that a newcomer drives over HTTP while a real Socket.IO display listens."""

from __future__ import annotations

import subprocess
import sys
import threading

import requests
import socketio

from tests.conftest import ROOT


def make_token_with_cli(live_server, role: str) -> str:
    command = ["create-api-token", role, "--role", role]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", *command],
        cwd=ROOT,
        env=live_server.environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_demo_office_visit_with_a_live_display(live_server):
    base = live_server.base_url
    calls: list[dict] = []
    called = threading.Event()
    display = socketio.Client(reconnection=False)

    @display.on("ticket_called", namespace="/display")
    def on_called(data):
        calls.append(data)
        called.set()

    display.connect(base, namespaces=["/display"], transports=["websocket"], wait_timeout=10)
    try:
        clerk = {"Authorization": f"Bearer {make_token_with_cli(live_server, 'clerk')}"}
        manager = {"Authorization": f"Bearer {make_token_with_cli(live_server, 'manager')}"}
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
            f"{base}/api/v1/tickets/{ticket_id}/rating",
            json={"score": 5, "token": ticket.json()["access_token"]},
            timeout=5,
        )
        assert rating.status_code == 201
        summary = requests.get(f"{base}/api/v1/reports/summary", headers=manager, timeout=5)
        assert summary.status_code == 200
        figures = summary.json()
        assert (figures["issued"], figures["served"], figures["rating_mean"]) == (1, 1, 5.0)
    finally:
        display.disconnect()


def test_the_listener_turns_nagle_off_for_every_connection_it_accepts():
    """Responses leave in more than one write: with Nagle's algorithm on, a
    kept-alive client would wait for its own delayed acknowledgement (40 ms)
    on every request."""
    import socket

    from server import listener

    with listener("127.0.0.1", 0) as server_socket:
        port = server_socket.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            accepted, _address = server_socket.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0

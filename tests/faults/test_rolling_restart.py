"""Restarting the server processes one by one, under load, loses nothing.

Two gunicorn processes (deploy/gunicorn.conf.py) share PostgreSQL and Redis.
A kiosk issues tickets to either, two clerks' terminals call and finish,
a display and a citizen's phone are connected to each process; each
process in turn is stopped as a rolling restart stops it (SIGTERM, then
gunicorn's graceful stop) and started again. Afterwards every ticket
answered is in the database with gap-free numbers, every call in the
event log reached every display (heard live, or in the state a display
is sent on reconnecting), the phone saw its ticket called, and every
client came back by itself.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import select

from queueing.models import Counter, CounterService, Event, Service, Ticket
from tests.conftest import LiveServer, linked_processes, postgres_schema, skip_without

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

#: How long a client may take to come back once its process answers again.
BACK_WITHIN_S = 15
#: How long a kiosk keeps retrying one ticket over both processes.
ISSUE_RETRY_S = 30
#: Answers a client retries: the process is going or not there yet.
RETRIED_ERRORS = ("database_busy",)


@pytest.fixture
def two_gunicorns(tmp_path):
    skip_without("postgresql", "redis")
    with postgres_schema() as url, linked_processes(tmp_path, url, gunicorn=True) as servers:
        yield servers


class Client:
    """A Socket.IO client of one process that reconnects by itself, and
    notes what it hears and when it is back."""

    def __init__(self, url: str, namespace: str, auth: dict[str, Any] | None = None) -> None:
        self.url = url
        self.namespace = namespace
        self.auth = auth
        self.sio = socketio.Client(
            reconnection=True,
            reconnection_delay=0.5,
            reconnection_delay_max=1,
            randomization_factor=0,
        )
        self.back = threading.Event()
        self.dropped = threading.Event()
        self.heard: list[tuple[str, Any]] = []
        self.sio.on("connect", self._connected, namespace=namespace)
        self.sio.on("disconnect", self._dropped, namespace=namespace)
        self.sio.on("*", self._heard, namespace=namespace)

    def _connected(self) -> None:
        self.back.set()

    def _dropped(self, *_reason: Any) -> None:
        self.back.clear()
        self.dropped.set()

    def _heard(self, event: str, data: Any) -> None:
        self.heard.append((event, data))

    def connect(self) -> None:
        self.sio.connect(
            self.url, namespaces=[self.namespace], transports=["websocket"], auth=self.auth
        )
        assert self.back.wait(10), f"{self.namespace} did not connect to {self.url}"


def call_key(code: Any, counter_number: Any, call_count: Any) -> tuple[Any, Any, Any]:
    return (code, counter_number, call_count)


def calls_known_to(display: Client) -> set[tuple[Any, Any, Any]]:
    """Calls a display heard live (``ticket_called``) or was sent again in
    the state it gets on (re)connecting (``queue_state``'s recent calls);
    the coalesced ``queue_changed`` is left out on purpose."""
    known = set()
    for event, data in list(display.heard):
        if event == "ticket_called":
            known.add(
                call_key(data["ticket"]["code"], data["counter"]["number"], data["call_count"])
            )
        elif event == "queue_state":
            for call in data["recent_calls"]:
                known.add(call_key(call["code"], call["counter_number"], call["call_count"]))
    return known


class Kiosk(threading.Thread):
    """Issues tickets to either process in turn; a ticket whose answer did
    not come is asked for again, with the same Idempotency-Key, of the other
    process (as the kiosk page retries)."""

    def __init__(self, urls: list[str], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.urls = urls
        self.stop_event = stop
        self.answers: list[dict[str, Any]] = []
        self.failures: list[str] = []
        self.unclean: list[str] = []
        self.given_up: list[str] = []

    def run(self) -> None:
        turn = 0
        while not self.stop_event.is_set():
            key = str(uuid.uuid4())
            deadline = time.monotonic() + ISSUE_RETRY_S
            while time.monotonic() < deadline:
                url = self.urls[turn % len(self.urls)]
                turn += 1
                try:
                    response = requests.post(
                        url + "/api/v1/tickets",
                        json={"service": "HT"},
                        headers={"Idempotency-Key": key},
                        timeout=10,
                    )
                except requests.ConnectionError as error:
                    self.failures.append(type(error).__name__)
                    continue
                if response.status_code in (200, 201):
                    self.answers.append(response.json())
                    break
                if response.status_code == 503:
                    self.failures.append("503")
                    continue
                self.unclean.append(f"{response.status_code} {response.text[:200]}")
                break
            else:
                self.given_up.append(key)
            self.stop_event.wait(0.1)


class Terminal(threading.Thread):
    """A clerk's terminal: call next, finish, again, at one counter, over
    its process's /counter namespace; a command left unanswered by a
    dropped connection is sent again once the terminal is back."""

    def __init__(self, client: Client, counter_id: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.counter_id = counter_id
        self.stop_event = stop
        self.unanswered = 0
        self.unclean: list[dict[str, Any]] = []

    def command(self, name: str) -> dict[str, Any] | None:
        if not self.client.back.wait(BACK_WITHIN_S + 30):
            return None
        try:
            ack = self.client.sio.call(
                name, {"counter": self.counter_id}, namespace="/counter", timeout=10
            )
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            self.unanswered += 1
            return None
        assert isinstance(ack, dict)
        return ack

    def run(self) -> None:
        while not self.stop_event.is_set():
            ack = self.command("call_next")
            if ack is not None and not ack["ok"]:
                code = ack["error"]["code"]
                if code not in ("counter_busy", *RETRIED_ERRORS):
                    self.unclean.append(ack)
            # Whether the call's answer came or not, the counter is freed:
            # finishing a ticket already finished is refused and harmless.
            self.command("finish")
            self.stop_event.wait(1.0)


def restart(server: LiveServer, clients: list[Client], on_down: Callable[[], None]) -> None:
    """A rolling restart's step: stop the process gracefully, let ``on_down``
    act meanwhile, start it again; its clients come back by themselves."""
    for client in clients:
        client.dropped.clear()
    server.stop()
    for client in clients:
        assert client.dropped.wait(10), f"{client.namespace} on {client.url} was never dropped"
    on_down()
    server.start()
    for client in clients:
        assert client.back.wait(BACK_WITHIN_S), (
            f"{client.namespace} on {client.url} did not come back within {BACK_WITHIN_S} s"
        )


# A client reconnecting in the second before a stopping worker closes its
# listener may be accepted and then cut before Engine.IO's open packet:
# python-engineio's client then raises without closing that WebSocket.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <socket\.socket:pytest.PytestUnraisableExceptionWarning"
)
def test_rolling_restart_loses_no_ticket_call_or_display_update(two_gunicorns):
    first, second = two_gunicorns
    token = first.token("clerk")

    def setup(session):
        # Counters 1 and 2 work Hộ tịch only: the phone's ticket (Lao động)
        # waits for counter 3, which calls it while the phone's process is down.
        civil_status = session.scalar(select(Service.id).where(Service.code == "HT"))
        for counter in session.scalars(select(Counter).where(Counter.number.in_((1, 2)))):
            counter.service_links = [CounterService(service_id=civil_status)]

    first.db.write(setup)
    counters = {
        c["number"]: c["id"]
        for c in requests.get(first.url("/api/v1/counters"), timeout=10).json()["counters"]
    }
    followed = requests.post(first.url("/api/v1/tickets"), json={"service": "LD"}, timeout=10)
    assert followed.status_code == 201
    followed_ticket = followed.json()

    displays = [Client(first.base_url, "/display"), Client(second.base_url, "/display")]
    terminals = [
        Client(first.base_url, "/counter", {"token": token}),
        Client(second.base_url, "/counter", {"token": token}),
    ]
    phone = Client(
        first.base_url,
        "/ticket",
        {"ticket": followed_ticket["id"], "token": followed_ticket["access_token"]},
    )
    everyone = [*displays, *terminals, phone]
    for client in everyone:
        client.connect()

    stop = threading.Event()
    kiosk = Kiosk([first.base_url, second.base_url], stop)
    workers = [
        Terminal(terminals[0], counters[1], stop),
        Terminal(terminals[1], counters[2], stop),
    ]
    kiosk.start()
    for worker in workers:
        worker.start()

    def call_the_followed_ticket() -> None:
        called = requests.post(
            second.url(f"/api/v1/counters/{counters[3]}/call/{followed_ticket['id']}"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert called.status_code == 200, called.text

    try:
        heard_before = len(kiosk.answers)
        deadline = time.monotonic() + 10
        while len(kiosk.answers) < heard_before + 10 and time.monotonic() < deadline:
            stop.wait(0.1)
        restart(first, [displays[0], terminals[0], phone], call_the_followed_ticket)
        restart(second, [displays[1], terminals[1]], lambda: None)
        # Some more load on both restarted processes.
        issued = len(kiosk.answers)
        deadline = time.monotonic() + 10
        while len(kiosk.answers) < issued + 10 and time.monotonic() < deadline:
            stop.wait(0.1)
    finally:
        stop.set()
        kiosk.join(ISSUE_RETRY_S + 15)
        for worker in workers:
            worker.join(60)

    try:
        # The last changes are announced right after their commit: a marker
        # call, heard by both displays, says everything before it has arrived.
        marker = requests.post(second.url("/api/v1/tickets"), json={"service": "DD"}, timeout=10)
        assert marker.status_code == 201
        finished = requests.post(
            first.url(f"/api/v1/counters/{counters[3]}/finish"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert finished.status_code == 200, finished.text
        marked = requests.post(
            first.url(f"/api/v1/counters/{counters[3]}/call/{marker.json()['id']}"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert marked.status_code == 200, marked.text
        marker_key = call_key(marker.json()["code"], 3, 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            marker_key in calls_known_to(display) for display in displays
        ):
            stop.wait(0.05)

        assert not kiosk.unclean, (
            f"issuing answered other than success or a retried error: {kiosk.unclean}"
        )
        assert not kiosk.given_up, "a ticket was never issued on either process"
        assert kiosk.failures, "no request met a restart: the test restarted nothing under load"
        for worker in workers:
            assert not worker.unclean, f"a terminal was answered with an error: {worker.unclean}"

        with first.db.read() as session:
            tickets = session.execute(
                select(Ticket.id, Ticket.number)
                .join(Service, Service.id == Ticket.service_id)
                .where(Service.code == "HT")
            ).all()
            calls = (
                session.execute(select(Event.data).where(Event.kind.in_(("called", "recalled"))))
                .scalars()
                .all()
            )
        answered = {answer["id"] for answer in kiosk.answers}
        assert answered == {row.id for row in tickets}
        numbers = sorted(row.number for row in tickets)
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(kiosk.answers) >= 20

        made = {call_key(d["code"], d["counter_number"], d["call_count"]) for d in calls}
        assert len(made) == len(calls)
        assert len(made) >= 10, "too few calls to say anything"
        for display in displays:
            missing = made - calls_known_to(display)
            assert not missing, f"calls never shown on the display of {display.url}: {missing}"

        # The phone was away when its ticket was called: it learnt it on
        # reconnecting, then heard it finished live.
        updates = [data for event, data in phone.heard if event == "ticket_updated"]
        states = [u["state"] for u in updates]
        assert [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s] == [
            "waiting",
            "called",
            "done",
        ]
        assert next(u for u in updates if u["state"] == "called")["counter"] == counters[3]
        for server in (first, second):
            log = (server.folder / "server.log").read_text()
            assert "Worker graceful timeout" not in log, "a worker was held until forced out"
    finally:
        for client in everyone:
            client.sio.disconnect()
        # Any socket the client library left is reported here, under the
        # filter above, rather than after the session.
        gc.collect()

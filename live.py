"""The one place that pushes live updates to Socket.IO rooms, after commit.

Rooms:
- ``display:<office>:calls`` — displays of the whole office hear every call;
- ``display:<office>:counter:<id>`` — a display limited to some counters;
- ``display:<office>:state`` — every display of the office (``queue_changed``);
- ``counter:<office>`` — clerks' terminals of the office (``queue_changed``,
  ``counter_taken``);
- ``manager:<office>`` — managers' live boards (``queue_changed``);
- ``ticket:<id>`` — the citizen's page of one ticket (``ticket_updated``);
- ``line:<service>`` — citizens' pages of the tickets waiting for a service
  (``line_changed``: every waiting ticket's position and estimated wait,
  from which each page reads its own).

A call is announced at once. The office's full state and the lines are
recomputed at most once per ``LUOT_LIVE_COALESCE_SECONDS`` however many
tickets are issued meanwhile, so a burst of issuing costs one recomputation.

One :class:`Publisher` per app, made at start-up and kept as
``app.extensions["luot.publisher"]`` (:func:`publisher_of`); the
request code reaches it through ``web.context.write``. It emits through the
app's Socket.IO server, which is in-process or, with
``SOCKETIO_MESSAGE_QUEUE`` set, relays every emit through Redis to the
clients of the other server processes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing.database import Database
from queueing.models import Counter, Event, Office, Ticket
from queueing.operations import newest_event
from queueing.queries import (
    QueueView,
    counter_payload,
    iso,
    public_state,
    public_ticket,
    queue_state,
    service_codes,
    ticket_payload,
)
from queueing.rules import service_day
from web.office_cache import forget_on_settings_change, office_cache_of

#: Kinds of event that announce a ticket on the displays.
CALL_EVENTS = frozenset({"called", "recalled"})
#: Kinds of event after which the counter's rating tablet asks for a rating.
FINISH_EVENTS = frozenset({"finished"})
#: How many waiting tickets of a line ``line_changed`` lists, nearest first.
LINE_LENGTH = 500


def display_calls_room(office_id: int) -> str:
    return f"display:{office_id}:calls"


def display_counter_room(office_id: int, counter_id: int) -> str:
    return f"display:{office_id}:counter:{counter_id}"


def display_state_room(office_id: int) -> str:
    return f"display:{office_id}:state"


def counter_room(office_id: int) -> str:
    return f"counter:{office_id}"


def manager_room(office_id: int) -> str:
    return f"manager:{office_id}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def line_room(service_id: int) -> str:
    return f"line:{service_id}"


#: The most of the process's time the coalesced recomputations may take:
#: however long the lines grow, issuing and calling keep the rest.
STATE_SHARE = 0.2


class _Pending:
    """Offices whose state is due to be recomputed, with their services; the
    offices whose recomputation task runs; and the earliest moment
    (monotonic) each may be recomputed again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.services: dict[int, set[int]] = {}
        self.running: set[int] = set()
        self.not_before: dict[int, float] = {}


def publisher_of(app: Flask) -> Publisher:
    publisher: Publisher = app.extensions["luot.publisher"]
    return publisher


class Publisher:
    """Pushes what committed events changed to the clients concerned."""

    def __init__(
        self,
        app: Flask,
        socketio: SocketIO,
        database: Database,
        clock: Callable[[], datetime],
    ) -> None:
        self.app = app
        self.socketio = socketio
        self.database = database
        self.clock = clock
        self.pending = _Pending()

    def publish(self, events: list[Event], base_url: str) -> None:
        """Tell every interested client what ``events`` changed; ``base_url``
        is where citizens' links point (their ticket pages)."""
        # An administrator's change is read again from now on, here at once
        # and in the other processes through the message queue.
        forget_on_settings_change(self.app, events)
        by_office: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            by_office[event.office_id].append(event)
        if all(event.kind == "issued" for event in events):
            # The commonest change, a ticket issued, needs nothing read: its
            # line and the office's state are recomputed a moment later.
            for office_id, office_events in by_office.items():
                self.schedule_state(office_id, _issued_services(office_events), base_url)
            return
        at = self.clock()
        status_url = _status_url(base_url)
        with self.database.read() as session:
            for office_id, office_events in by_office.items():
                office = session.get(Office, office_id)
                if office is None:
                    continue
                view = QueueView(session, office, at)
                codes = service_codes(session, office.id)
                for event in office_events:
                    if event.kind == "counter_taken":
                        self._announce_taken(event)
                    if event.kind in CALL_EVENTS and event.ticket_id and event.counter_id:
                        self._announce_call(session, view, event, codes, status_url)
                    elif event.kind in FINISH_EVENTS and event.ticket_id and event.counter_id:
                        self._announce_finish(session, view, event, codes, status_url)
                services = self._update_tickets(session, view, office_events, status_url)
                self.schedule_state(office.id, services, base_url)

    def _announce_call(
        self,
        session: Session,
        view: QueueView,
        event: Event,
        codes: dict[int, str],
        status_url: Callable[[str], str],
    ) -> None:
        """``ticket_called`` reaches the displays of the whole office and those
        limited to the counter."""
        found = _public_call(session, view, event, codes, status_url)
        if found is None:
            return
        ticket, counter, payload = found
        payload["call_count"] = event.data.get("call_count", ticket.call_count)
        office_id = view.office.id
        for room in (display_calls_room(office_id), display_counter_room(office_id, counter.id)):
            self.socketio.emit("ticket_called", payload, namespace="/display", to=room)

    def _announce_taken(self, event: Event) -> None:
        """``counter_taken`` tells the terminal that worked the counter that
        another clerk took it over."""
        self.socketio.emit(
            "counter_taken",
            {
                "counter": event.counter_id,
                "clerk_id": event.data.get("clerk_id"),
                "from_clerk_id": event.data.get("from_clerk_id"),
            },
            namespace="/counter",
            to=counter_room(event.office_id),
        )

    def _announce_finish(
        self,
        session: Session,
        view: QueueView,
        event: Event,
        codes: dict[int, str],
        status_url: Callable[[str], str],
    ) -> None:
        """``ticket_finished`` reaches the counter's own screens (its rating
        tablet connects to /display limited to that counter)."""
        found = _public_call(session, view, event, codes, status_url)
        if found is None:
            return
        _ticket, counter, payload = found
        self.socketio.emit(
            "ticket_finished",
            payload,
            namespace="/display",
            to=display_counter_room(view.office.id, counter.id),
        )

    def _update_tickets(
        self,
        session: Session,
        view: QueueView,
        events: list[Event],
        status_url: Callable[[str], str],
    ) -> set[int]:
        """Send ``ticket_updated`` for the tickets the events touched; returns
        the services whose lines moved."""
        touched: set[int] = set()
        services = _issued_services(events)
        for event in events:
            if event.kind == "issued":
                continue
            if event.ticket_id is not None:
                touched.add(event.ticket_id)
                new_leg = event.data.get("new_ticket_id")
                if isinstance(new_leg, int):
                    touched.add(new_leg)
        if not touched:
            return services
        for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(touched))):
            services.add(ticket.service_id)
            self.socketio.emit(
                "ticket_updated",
                ticket_payload(view, ticket, status_url),
                namespace="/ticket",
                to=ticket_room(ticket.id),
            )
        return services

    def schedule_state(self, office_id: int, services: set[int], base_url: str) -> None:
        """Recompute and send the office's state and lines, at once or, with
        ``LUOT_LIVE_COALESCE_SECONDS`` set, once for every change meanwhile."""
        delay = float(self.app.config.get("LUOT_LIVE_COALESCE_SECONDS", 0.1))
        if delay <= 0:
            self.emit_state(office_id, services, base_url)
            return
        pending = self.pending
        with pending.lock:
            pending.services.setdefault(office_id, set()).update(services)
            # One task an office: two running at once could send their
            # states out of order, the older last, and a screen would keep it.
            if office_id in pending.running:
                return
            pending.running.add(office_id)
        self.socketio.start_background_task(self._emit_later, office_id, base_url, delay)

    def _emit_later(self, office_id: int, base_url: str, delay: float) -> None:
        """Recompute an office's state after the delay, and again while
        changes keep coming in during a recomputation."""
        try:
            while self._recompute(office_id, base_url, delay):
                pass
        except BaseException:
            # Killed or broken: a later change must start a task again.
            with self.pending.lock:
                self.pending.running.discard(office_id)
            raise

    def _recompute(self, office_id: int, base_url: str, delay: float) -> bool:
        """One pass: wait, send the state of the changes so far; whether
        more came in meanwhile (if not, the office's task is over)."""
        pending = self.pending
        with pending.lock:
            not_before = pending.not_before.get(office_id, 0.0)
        self.socketio.sleep(max(delay, not_before - time.monotonic()))
        with pending.lock:
            # Taken out before computing: a change committed from now on is
            # seen by the next pass, so none is lost.
            services = pending.services.pop(office_id, set())
        started = time.monotonic()
        with self.app.app_context():
            try:
                self.emit_state(office_id, services, base_url)
            except Exception:
                self.app.logger.exception("sending the state of office %s failed", office_id)
        finished = time.monotonic()
        with pending.lock:
            # A long line makes the state slow to compute: space the next
            # recomputation so that they take at most STATE_SHARE of the time.
            rest = (finished - started) * (1 - STATE_SHARE) / STATE_SHARE
            pending.not_before[office_id] = finished + rest
            if office_id in pending.services:
                return True
            pending.running.discard(office_id)
            return False

    def emit_state(self, office_id: int, services: set[int], base_url: str) -> None:
        at = self.clock()
        with self.database.read() as session:
            office = session.get(Office, office_id)
            if office is None:
                return
            version = newest_event(session, office_id)
            # One forecast of the line serves the state and every line's
            # places, and the tickets issued next (web/office_cache.py).
            view = QueueView(session, office, at)
            day = service_day(at, office.timezone)
            view.use_forecast(
                office_cache_of(self.app).forecast(office, view.office_line, day, at, version)
            )
            state = queue_state(session, office, at, _status_url(base_url), view)
            emit = self.socketio.emit
            emit(
                "queue_changed",
                public_state(state),
                namespace="/display",
                to=display_state_room(office_id),
            )
            emit("queue_changed", state, namespace="/counter", to=counter_room(office_id))
            emit("queue_changed", state, namespace="/manager", to=manager_room(office_id))
            self._emit_lines(session, view, services)

    def _emit_lines(self, session: Session, view: QueueView, services: set[int]) -> None:
        """Every line of the office may have moved: counters are shared, so a
        change in one service's line moves the places in another's."""
        lines = line_places(view)
        codes = service_codes(session, view.office.id)
        # As a state's: a page keeps the newest line it heard (Luot.latestOnly).
        generated_at = iso(view.now, view.office.timezone)
        for service_id in sorted(services | set(lines)):
            if service_id in codes:
                rows = lines.get(service_id, [])[:LINE_LENGTH]
                payload = {
                    "service": codes[service_id],
                    "tickets": rows,
                    "generated_at": generated_at,
                }
                self.socketio.emit(
                    "line_changed", payload, namespace="/ticket", to=line_room(service_id)
                )


def _public_call(
    session: Session,
    view: QueueView,
    event: Event,
    codes: dict[int, str],
    status_url: Callable[[str], str],
) -> tuple[Ticket, Counter, dict[str, Any]] | None:
    """The event's ticket and counter as the displays see them; None when
    either is gone. Displays are public: nobody's token, link or priority."""
    ticket = session.get(Ticket, event.ticket_id)
    counter = session.get(Counter, event.counter_id)
    if ticket is None or counter is None:
        return None
    payload = {
        "ticket": public_ticket(ticket_payload(view, ticket, status_url, counter)),
        "counter": public_state(counter_payload(view, counter, status_url, codes)),
    }
    return ticket, counter, payload


def _status_url(base_url: str) -> Callable[[str], str]:
    """The citizen's live page of a ticket, reached with the holder's token."""

    def status_url(access_token: str) -> str:
        return f"{base_url}/t/{access_token}"

    return status_url


def _issued_services(events: list[Event]) -> set[int]:
    """Services whose lines grew: nobody follows a ticket that did not exist
    a moment ago, but its service's line moves for everyone else."""
    services = set()
    for event in events:
        service_id = event.data.get("service_id") if event.kind == "issued" else None
        if isinstance(service_id, int):
            services.add(service_id)
    return services


def line_places(view: QueueView) -> dict[int, list[list[Any]]]:
    """Service id -> the places of its waiting tickets, from the office's one
    forecast, so that each citizen's page reads its own: ``[[id, position,
    estimated_wait_s], ...]`` (the wait null where no staffed counter can
    call the ticket), nearest first."""
    places = view.forecast.tickets
    lines: dict[int, list[list[Any]]] = {}
    for waiting in view.office_line.waiting:
        place = places.get(waiting.id)
        if place is not None:
            row = [waiting.id, place.position, place.wait_s(view.now)]
            lines.setdefault(waiting.service_id, []).append(row)
    for rows in lines.values():
        rows.sort(key=lambda row: (row[1], row[0]))
    return lines

"""What the kiosk's browser tests do to the live server's office."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select

from queueing import appointments
from queueing.errors import Invalid
from queueing.models import WAITING, Counter, CounterService, Kiosk, Office, Service, Ticket
from queueing.operations import Actor

#: The demo office books every service in slots of this length.
SLOT = timedelta(minutes=15)


#: Seconds a browser test waits for a request its route is to hold.
ROUTE_TIMEOUT_S = 10


def wait_until_held(page: Any, held: list[Any], what: str) -> None:
    """Let the page run until its route handler has held a request
    (``held`` is the list it appends to); fails after ROUTE_TIMEOUT_S."""
    deadline = time.monotonic() + ROUTE_TIMEOUT_S
    while not held:
        assert time.monotonic() < deadline, (
            f"the page sent no {what} request within {ROUTE_TIMEOUT_S} s"
        )
        # Playwright runs route handlers only while the test calls into it.
        page.wait_for_timeout(10)


def last_ticket_id(server: Any) -> int:
    with server.db.read() as session:
        return int(session.scalar(select(func.max(Ticket.id))) or 0)


def tickets_after(server: Any, ticket_id: int) -> list[Ticket]:
    """Tickets issued since ``ticket_id``, oldest first."""
    with server.db.read() as session:
        return list(
            session.scalars(select(Ticket).where(Ticket.id > ticket_id).order_by(Ticket.id))
        )


def service_fields(server: Any, code: str, **fields: Any) -> dict[str, Any]:
    """Set fields of a service; returns their previous values."""

    def work(session: Any) -> dict[str, Any]:
        service = session.scalar(select(Service).where(Service.code == code))
        previous = {name: getattr(service, name) for name in fields}
        for name, value in fields.items():
            setattr(service, name, value)
        return previous

    result: dict[str, Any] = server.db.write(work)
    return result


def kiosk_printer(server: Any, printer_url: str) -> int:
    """Give the demo kiosk this printer; returns the kiosk's id."""

    def work(session: Any) -> int:
        kiosk = session.scalar(select(Kiosk).order_by(Kiosk.id))
        kiosk.printer_url = printer_url
        return int(kiosk.id)

    result: int = server.db.write(work)
    return result


def issue(server: Any, service: str, **fields: Any) -> dict[str, Any]:
    response = requests.post(
        server.url("/api/v1/tickets"), json={"service": service, **fields}, timeout=10
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def clear_lines(server: Any, clerk: dict[str, str]) -> None:
    """Cancel every waiting ticket of the office, so positions are known:
    the demo's counters serve every service, so every line counts."""
    with server.db.read() as session:
        waiting = list(session.scalars(select(Ticket.id).where(Ticket.state == WAITING)))
    for ticket_id in waiting:
        response = requests.post(
            server.url(f"/api/v1/tickets/{ticket_id}/cancel"), headers=clerk, timeout=10
        )
        assert response.status_code == 200, response.text


def free_counter(server: Any, clerk: dict[str, str], counter_id: int) -> None:
    """Finish whatever the counter is busy with, so it can call again."""
    counters = requests.get(server.url("/api/v1/counters"), timeout=10).json()["counters"]
    (counter,) = [c for c in counters if c["id"] == counter_id]
    current = counter["current_ticket"]
    if current is not None and current["state"] in ("called", "serving"):
        response = requests.post(
            server.url(f"/api/v1/counters/{counter_id}/finish"), headers=clerk, timeout=10
        )
        assert response.status_code == 200, response.text


def served_only_by(server: Any, code: str, number: int) -> dict[int, int]:
    """Let counter ``number`` alone serve the service; returns what to give
    :func:`restore_service_links` to undo it (counter id -> preference)."""

    def work(session: Any) -> dict[int, int]:
        service = session.scalar(select(Service).where(Service.code == code))
        previous = {}
        for counter in session.scalars(select(Counter)):
            for link in list(counter.service_links):
                if link.service_id == service.id:
                    previous[counter.id] = link.preference
                    if counter.number != number:
                        counter.service_links.remove(link)
        return previous

    result: dict[int, int] = server.db.write(work)
    return result


def restore_service_links(server: Any, code: str, previous: dict[int, int]) -> None:
    def work(session: Any) -> None:
        service = session.scalar(select(Service).where(Service.code == code))
        for counter in session.scalars(select(Counter)):
            served = {link.service_id for link in counter.service_links}
            if counter.id in previous and service.id not in served:
                counter.service_links.append(
                    CounterService(service_id=service.id, preference=previous[counter.id])
                )

    server.db.write(work)


def next_slot_start() -> datetime:
    """The start of the next 15-minute slot, strictly after now: its
    check-in window is open (it opens half an hour before)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=now.minute % 15) + SLOT


def book(server: Any, service: str, start: datetime, *, now: datetime | None = None) -> str:
    """Book ``service`` at ``start`` through the use case; the booking code.
    ``now`` may be set back to book a slot that has already begun."""
    at = now or datetime.now(UTC)

    def work(session: Any) -> str:
        appointment, _created = appointments.book(
            session, server_office_id(session), service, start, at, Actor("public")
        )
        return str(appointment.code)

    result: str = server.db.write(work)
    return result


def server_office_id(session: Any) -> int:
    return int(session.scalar(select(Office.id).where(Office.code == "DEMO")))


def book_now(server: Any, service: str) -> str:
    """A booking whose check-in window is open now: the next slot, or the
    one after when earlier tests filled it."""
    for start in (next_slot_start(), next_slot_start() + SLOT):
        try:
            return book(server, service, start)
        except Invalid as refusal:
            if refusal.code != "slot_full":
                raise
    raise AssertionError("both slots are full")

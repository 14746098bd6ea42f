"""Offices beside the demo office, supervisors who oversee them, and visits
served in them: made through the same use cases as the admin screens and
the counters, at the tests' clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from queueing import operations, settings
from queueing.models import Counter, Office, Ticket
from queueing.operations import Actor

ADMIN = Actor("user:0")
CLERK = Actor("token:0")
PASSWORD = "correct-horse-battery"


def office_id(database: Any, code: str) -> int:
    with database.read() as session:
        found = session.scalar(select(Office.id).where(Office.code == code))
    assert found is not None, code
    return int(found)


def add_office(database: Any, at: datetime, code: str, name: str, name_en: str = "") -> int:
    """An office open at all hours with service ``HS`` (15 minutes' target,
    prefix ``H``) and counter 1 serving it, open; returns the office's id."""

    def work(session: Any) -> int:
        office = settings.create_office(
            session, {"code": code, "name": name, "name_en": name_en}, at, ADMIN
        )
        service = settings.create_service(
            session,
            office.id,
            {"code": "HS", "name": "Hộ tịch", "prefix": "H", "target_wait_minutes": 15},
            at,
            ADMIN,
        )
        counter = settings.create_counter(
            session,
            office.id,
            {"number": 1, "name": "Quầy số 1", "services": [(service.id, 1)]},
            at,
            ADMIN,
        )
        operations.open_counter(session, counter.id, at, CLERK)
        return int(office.id)

    return int(database.write(work))


def make_supervisor(database: Any, at: datetime, username: str, codes: list[str]) -> int:
    """A supervisor of the offices ``codes``, made as the admin screens make
    one; returns the user's id."""
    ids = [office_id(database, code) for code in codes]

    def work(session: Any) -> int:
        user = settings.create_user(
            session,
            ids[0],
            {
                "username": username,
                "password": PASSWORD,
                "role": "supervisor",
                "office_ids": ids,
                "display_name": f"Giám sát {username}",
            },
            at,
            ADMIN,
        )
        return int(user.id)

    return int(database.write(work))


def first_counter(database: Any, code: str) -> int:
    with database.read() as session:
        found = session.scalar(
            select(Counter.id)
            .join(Office, Office.id == Counter.office_id)
            .where(Office.code == code)
            .order_by(Counter.number)
            .limit(1)
        )
    assert found is not None, code
    return int(found)


def visit(
    database: Any,
    clock: Any,
    code: str,
    service: str,
    *,
    wait_s: float,
    service_s: float = 0,
    score: int | None = None,
    is_no_show: bool = False,
) -> None:
    """One citizen at office ``code``: issued now, called at its first
    counter after ``wait_s``, then served for ``service_s`` (and rated
    ``score``) or marked a no-show. Moves the clock past the visit."""
    office = office_id(database, code)
    counter = first_counter(database, code)
    issued = database.write(
        lambda session: operations.issue_ticket(session, office, service, clock(), CLERK)
    )[0]
    clock.advance(wait_s)
    called = database.write(lambda session: operations.call_next(session, counter, clock(), CLERK))
    assert called is not None and called.id == issued.id, "another ticket was waiting"
    if is_no_show:
        database.write(lambda session: operations.recall(session, counter, clock(), CLERK))
        database.write(lambda session: operations.mark_no_show(session, counter, clock(), CLERK))
        return
    database.write(lambda session: operations.start_service(session, counter, clock(), CLERK))
    clock.advance(service_s)
    database.write(lambda session: operations.finish(session, counter, clock(), CLERK))
    if score is not None:
        database.write(lambda session: operations.rate(session, issued.id, score, clock(), CLERK))


def ticket_count(database: Any) -> int:
    with database.read() as session:
        return len(session.scalars(select(Ticket.id)).all())

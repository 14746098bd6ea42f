"""Numbers and calls under real concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter as Tally

from sqlalchemy import select

from queueing import operations as ops
from queueing.errors import WrongState
from queueing.models import OPEN_STATES, NumberCounter, Service, Ticket
from queueing.operations import Actor

ISSUERS = 8
TICKETS_PER_ISSUER = 25
SERVICES = ("HT", "DD", "KD")


def test_issuing_and_calling_at_once_gives_unique_gapless_numbers_and_single_calls(
    db, office, counters, clock
):
    issued: list[int] = []
    called: list[int] = []
    errors: list[BaseException] = []
    issuing_done = threading.Event()
    start = threading.Barrier(ISSUERS + len(counters))
    lock = threading.Lock()

    def issuer(index: int) -> None:
        try:
            start.wait()
            for n in range(TICKETS_PER_ISSUER):
                service = SERVICES[(index + n) % len(SERVICES)]
                ticket, _ = db.write(
                    lambda s, service=service: ops.issue_ticket(
                        s, office.id, service, clock(), Actor("public")
                    )
                )
                with lock:
                    issued.append(ticket.id)
        except BaseException as error:  # reported below, with the thread's name
            errors.append(error)

    def caller(counter_id: int) -> None:
        try:
            start.wait()
            while True:
                ticket = db.write(
                    lambda s: ops.call_next(s, counter_id, clock(), Actor(f"counter:{counter_id}"))
                )
                if ticket is None:
                    if issuing_done.is_set():
                        # One more look: the last tickets may have landed
                        # between this call and the flag.
                        ticket = db.write(
                            lambda s: ops.call_next(s, counter_id, clock(), Actor("x"))
                        )
                        if ticket is None:
                            return
                    else:
                        continue
                with lock:
                    called.append(ticket.id)
                db.write(lambda s: ops.finish(s, counter_id, clock(), Actor("x")))
        except BaseException as error:
            errors.append(error)

    issuers = [threading.Thread(target=issuer, args=(i,)) for i in range(ISSUERS)]
    callers = [threading.Thread(target=caller, args=(c.id,)) for c in counters]
    for thread in issuers + callers:
        thread.start()
    for thread in issuers:
        thread.join(timeout=120)
    issuing_done.set()
    for thread in callers:
        thread.join(timeout=120)

    assert errors == []
    total = ISSUERS * TICKETS_PER_ISSUER
    assert len(issued) == total
    with db.read() as session:
        rows = session.execute(
            select(Ticket.service_id, Ticket.number, Ticket.call_count, Ticket.state)
        ).all()
    assert len(rows) == total
    numbers_per_service: dict[int, list[int]] = {}
    for service_id, number, _calls, _state in rows:
        numbers_per_service.setdefault(service_id, []).append(number)
    for numbers in numbers_per_service.values():
        # Unique and gap-free: exactly 1..n.
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    # Every ticket called exactly once, by exactly one counter.
    assert sorted(called) == sorted(issued)
    assert max(Tally(called).values()) == 1
    assert {calls for _s, _n, calls, _st in rows} == {1}
    assert {state for _s, _n, _c, state in rows} == {"done"}


def test_issuing_at_once_in_a_wrapped_range_hands_out_each_free_number_once(
    db, office, services, clock
):
    """DD runs 1..6 and has gone round once; 1, 3 and 5 are still waiting.
    Eight kiosks tap at the same moment: three get 2, 4 and 6 in turn, the
    other five are told the numbers are used up."""

    def narrow(session):
        service = session.get(Service, services["DD"].id)
        service.number_start, service.number_end, service.is_number_wrapping = 1, 6, True

    db.write(narrow)
    first_round = [
        db.write(lambda s: ops.issue_ticket(s, office.id, "DD", clock(), Actor("public")))[0]
        for _ in range(6)
    ]
    for ticket in first_round[1::2]:
        db.write(lambda s, t=ticket.id: ops.cancel(s, t, clock(), Actor("public")))
    issued: list[Ticket] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(ISSUERS)
    lock = threading.Lock()

    def kiosk() -> None:
        try:
            start.wait()
            ticket, _ = db.write(
                lambda s: ops.issue_ticket(s, office.id, "DD", clock(), Actor("public"))
            )
            with lock:
                issued.append(ticket)
        except WrongState as error:
            with lock:
                refused.append(error.code)
        except BaseException as error:  # reported below
            errors.append(error)

    kiosks = [threading.Thread(target=kiosk) for _ in range(ISSUERS)]
    for thread in kiosks:
        thread.start()
    for thread in kiosks:
        thread.join(timeout=60)

    assert errors == []
    assert sorted((t.sequence, t.number) for t in issued) == [(7, 2), (8, 4), (9, 6)]
    assert refused == ["numbers_exhausted"] * (ISSUERS - 3)
    with db.read() as session:
        held = session.scalars(
            select(Ticket.number).where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.number)
        ).all()
        assert held == [1, 2, 3, 4, 5, 6]
        assert session.scalar(select(NumberCounter.last_sequence)) == 9

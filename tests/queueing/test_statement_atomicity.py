"""Numbers and claims stay right however transactions interleave, on SQLite.

SQLite runs one writer at a time (``BEGIN IMMEDIATE``), so on it a claim
without its state condition, or a number read then written, still comes out
right: nothing can happen between the read and the write. PostgreSQL at READ
COMMITTED lets other transactions commit between any two statements. These
tests give SQLite that freedom, and more: every statement commits on its
own, so threads interleave between any two of them. What keeps a number
unique and a ticket called once must then be the one statement that takes
it: the counter's atomic upsert and the claim's conditional UPDATE.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select

from queueing import operations as ops
from queueing.database import SQLITE_BUSY_TIMEOUT_MS, Database
from queueing.demo import seed_demo
from queueing.models import Base, Counter, CounterService, Office, Service, Ticket
from queueing.operations import Actor

#: Threads issuing at once, and the tickets each issues.
ISSUERS = 8
TICKETS_PER_ISSUER = 15
#: Counters calling at once (the demo's three and more of the same kind).
COUNTERS = 6
#: Rounds in which every counter calls next at the same moment.
ROUNDS = 8
#: Seconds a thread may take before the test gives up on it.
THREAD_TIMEOUT_S = 120


def _statement_commit_engine(url: str) -> Any:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=COUNTERS + ISSUERS,
        max_overflow=10,
    )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No BEGIN at all: the driver commits each statement by itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return engine


@pytest.fixture
def interleaved(sqlite_url: str, clock: Any) -> Iterator[tuple[Database, int]]:
    """A SQLite file with the demo office and six open counters serving all
    its services, written through sessions whose every statement commits
    at once; yields the database and the office's id."""
    database = Database(sqlite_url)
    Base.metadata.create_all(database.engine)
    office: Office = database.write(lambda s: seed_demo(s, clock(), with_users=False))

    def more_counters(session: Any) -> None:
        template = session.scalar(
            select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
        )
        services = session.scalars(select(Service.id).where(Service.office_id == office.id)).all()
        existing = session.scalars(select(Counter.number).where(Counter.office_id == office.id))
        for number in range(max(existing) + 1, COUNTERS + 1):
            session.add(
                Counter(
                    office_id=office.id,
                    number=number,
                    state=template.state,
                    service_links=[
                        CounterService(service_id=service_id, preference=1)
                        for service_id in services
                    ],
                )
            )

    database.write(more_counters)
    database.engine.dispose()
    database.engine = _statement_commit_engine(sqlite_url)
    database.sessionmaker.configure(bind=database.engine)
    yield database, office.id
    database.dispose()


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT_S)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert stuck == [], f"threads still running after {THREAD_TIMEOUT_S} s: {stuck}"


def test_issuing_at_once_gives_unique_contiguous_numbers(interleaved, clock):
    database, office_id = interleaved
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(ISSUERS)
    lock = threading.Lock()

    def issuer() -> None:
        try:
            start.wait()
            for _ in range(TICKETS_PER_ISSUER):
                ticket, _new = database.write(
                    lambda s: ops.issue_ticket(s, office_id, "HT", clock(), Actor("public"))
                )
                with lock:
                    numbers.append(ticket.number)
        except BaseException as error:  # reported below
            errors.append(error)

    _run([threading.Thread(target=issuer, name=f"issuer {i}") for i in range(ISSUERS)])

    assert errors == []
    assert sorted(numbers) == list(range(1, ISSUERS * TICKETS_PER_ISSUER + 1))
    with database.read() as session:
        stored = session.scalars(select(Ticket.number)).all()
    assert sorted(stored) == sorted(numbers)


def test_counters_calling_next_at_once_call_every_ticket_exactly_once(interleaved, clock):
    database, office_id = interleaved
    total = COUNTERS * ROUNDS
    for _ in range(total):
        database.write(lambda s: ops.issue_ticket(s, office_id, "DD", clock(), Actor("public")))
    with database.read() as session:
        counter_ids = session.scalars(
            select(Counter.id).where(Counter.office_id == office_id).order_by(Counter.number)
        ).all()
    assert len(counter_ids) == COUNTERS
    called: list[int] = []
    errors: list[BaseException] = []
    each_round = threading.Barrier(COUNTERS)
    lock = threading.Lock()

    def counter(counter_id: int) -> None:
        actor = Actor(f"counter:{counter_id}")
        try:
            for _ in range(ROUNDS):
                each_round.wait()
                ticket = database.write(lambda s: ops.call_next(s, counter_id, clock(), actor))
                if ticket is not None:
                    with lock:
                        called.append(ticket.id)
                    database.write(lambda s: ops.finish(s, counter_id, clock(), actor))
        except BaseException as error:  # reported below
            errors.append(error)
            each_round.abort()

    _run([threading.Thread(target=counter, args=(c,), name=f"counter {c}") for c in counter_ids])

    assert errors == []
    # A counter whose candidates all went to others finds none that round;
    # what is left is called afterwards, one at a time.
    while ticket := database.write(lambda s: ops.call_next(s, counter_ids[0], clock(), Actor("x"))):
        called.append(ticket.id)
        database.write(lambda s: ops.finish(s, counter_ids[0], clock(), Actor("x")))
    tally = Tally(called)
    assert [ticket_id for ticket_id, times in tally.items() if times > 1] == []
    with database.read() as session:
        rows = session.execute(select(Ticket.id, Ticket.call_count, Ticket.state)).all()
    assert sorted(called) == sorted(row.id for row in rows)
    assert {(row.call_count, row.state) for row in rows} == {(1, "done")}

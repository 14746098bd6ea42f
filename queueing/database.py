"""Engines and transactions for SQLite and PostgreSQL.

SQLite runs in WAL mode, and every transaction starts with ``BEGIN
IMMEDIATE`` so that writers queue on the busy timeout instead of failing
half-way; PostgreSQL runs at READ COMMITTED, where the conditional updates of
:mod:`queueing.operations` lose cleanly when another transaction wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from .models import Event
from .reports.legs import keep_legs

T = TypeVar("T")

#: Milliseconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: How often a transaction that lost a race is run again.
RETRIES = 5


#: PostgreSQL connections a process keeps open, and may open beyond them at
#: a burst: every process of an installation counts against the server's
#: ``max_connections`` (100 by default), so many processes need fewer each.
POOL_SIZE = 10
POOL_OVERFLOW = 20
#: How long a request waits for a pooled connection before it fails (503).
POOL_TIMEOUT_S = 30.0


class DatabaseBusy(Exception):
    """The database stayed locked or kept conflicting, or every connection
    of the pool stayed in use; nothing was changed."""


#: A request that waited its pool's timeout (30 s) for a connection: the
#: clients retry a 503 (the kiosk page does), as they would a lock.
ALL_CONNECTIONS_BUSY = "every database connection is in use; nothing was changed"


def _configure_sqlite(engine: Engine, *, is_writer: bool, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" below own the transaction boundaries.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # Writers take the lock up front; readers see a WAL snapshot and
        # never wait for a writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_writer else "BEGIN")


def make_engine(
    url: str,
    *,
    is_writer: bool = True,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    pool_size: int = POOL_SIZE,
    max_overflow: int = POOL_OVERFLOW,
    pool_timeout_s: float = POOL_TIMEOUT_S,
) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            # The pool hands a connection to one thread at a time.
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=10,
            max_overflow=30,
            pool_timeout=pool_timeout_s,
        )
        _configure_sqlite(engine, is_writer=is_writer, busy_timeout_ms=busy_timeout_ms)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
    )


def _is_locked(error: DBAPIError) -> bool:
    text = str(error.orig).lower()
    return isinstance(error, OperationalError) and ("locked" in text or "busy" in text)


def _is_retryable(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        # A unique key (an idempotency key, a rating) taken by a concurrent
        # transaction: run again and see the winner's row.
        return True
    if isinstance(error, OperationalError):
        text = str(error.orig).lower()
        if "locked" in text or "busy" in text:
            # SQLite already waited its busy timeout: another wait would only
            # hold the caller longer before the same answer.
            return False
        return "deadlock" in text
    code = getattr(error.orig, "sqlstate", None)
    return code in {"40001", "40P01"}


class Database:
    """An engine and its sessions, with the one way to write: :meth:`write`."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
        pool_size: int = POOL_SIZE,
        max_overflow: int = POOL_OVERFLOW,
        pool_timeout_s: float = POOL_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url,
            busy_timeout_ms=busy_timeout_ms,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout_s=pool_timeout_s,
        )
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Every leg written keeps its durations, and a change to a past day
        # marks the day's report pack stale.
        event.listen(self.sessionmaker, "before_flush", keep_legs)
        # On SQLite reads get engines of their own, without BEGIN IMMEDIATE.
        self.read_engine = (
            make_engine(url, is_writer=False, busy_timeout_ms=busy_timeout_ms)
            if self.dialect == "sqlite"
            else self.engine
        )
        self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; its objects stay readable after it closes."""
        session = self.read_sessionmaker()
        try:
            yield session
        except PoolTimeout as error:
            raise DatabaseBusy(ALL_CONNECTIONS_BUSY) from error
        finally:
            # close() ends the transaction without expiring what was loaded.
            session.close()

    def write(
        self,
        work: Callable[[Session], T],
        *,
        after_commit: Callable[[list[Event]], None] | None = None,
    ) -> T:
        """Run ``work`` in one transaction, retried when it loses a race.

        The events ``work`` recorded (see :func:`queueing.operations.record`)
        go to ``after_commit`` once they are durable, never before.
        """
        last_error: Exception | None = None
        for attempt in range(RETRIES):
            session = self.sessionmaker()
            try:
                with session.begin():
                    result = work(session)
                events: list[Event] = list(session.info.get("events", []))
            except PoolTimeout as error:
                session.close()
                raise DatabaseBusy(ALL_CONNECTIONS_BUSY) from error
            except DBAPIError as error:
                session.close()
                if _is_locked(error):
                    raise DatabaseBusy("the database is busy; nothing was changed") from error
                if not _is_retryable(error):
                    raise
                last_error = error
                time.sleep(0.01 * (attempt + 1))
                continue
            except BaseException:
                session.close()
                raise
            session.close()
            if after_commit is not None and events:
                after_commit(events)
            return result
        raise DatabaseBusy("the database is busy; nothing was changed") from last_error

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

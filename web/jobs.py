"""Background work of a serving process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from queueing import appointments, operations
from queueing.database import Database
from queueing.models import Office
from queueing.operations import Actor
from queueing.reports import packs

from .context import database, write
from .context import now as current_time
from .extensions import socketio

log = logging.getLogger("luot.jobs")


def in_each_office(
    work: Callable[[Session, int], int], office_ids: Iterable[int] | None = None
) -> int:
    """Run ``work(session, office_id)`` for each office (every office unless
    given), one transaction each; returns the sum of what they return."""
    if office_ids is None:
        with database().read() as session:
            office_ids = list(session.scalars(select(Office.id)))
    return sum(
        write(lambda session, office_id=office_id: work(session, office_id))
        for office_id in office_ids
    )


def close_stale_days(app: Flask) -> int:
    """Close tickets of earlier local days in every office; returns how many."""
    with app.app_context():
        now = current_time()
        with database().read() as session:
            office_ids = operations.offices_with_stale_tickets(session, now)
        closed = in_each_office(
            lambda session, office_id: operations.close_day(
                session, office_id, now, Actor.system()
            ),
            office_ids,
        )
        if closed:
            log.info("closed %d ticket(s) left open from earlier days", closed)
        return closed


def free_silent_counters(app: Flask) -> int:
    """Pause and free the counters whose clerk's terminal fell silent for
    the office's grace period; returns how many."""
    with app.app_context():
        now = current_time()
        with database().read() as session:
            office_ids = operations.offices_with_terminals(session)
        freed = in_each_office(
            lambda session, office_id: operations.free_silent_counters(session, office_id, now),
            office_ids,
        )
        if freed:
            log.info("paused %d counter(s) whose terminal fell silent", freed)
        return freed


def pack_report_days(
    app: Flask, *, everything: bool = False, limit: int | None = packs.DAYS_PER_PASS
) -> int:
    """Pack, for the reports, the closed days of every office that have no
    sound pack: the last week's (or, with ``everything``, all of them) and
    every day changed since it was packed; at most ``limit`` days per office
    (None: all). One transaction per day; returns how many days."""
    with app.app_context():
        now = current_time()
        with database().read() as session:
            todo = [
                (office.id, day)
                for office in session.scalars(select(Office).order_by(Office.id))
                for day in packs.days_to_pack(session, office, everything=everything)[:limit]
            ]
        for office_id, day in todo:
            write(
                lambda session, office_id=office_id, day=day: packs.pack_day(
                    session, operations.get_office(session, office_id), day, now
                )
            )
        if todo:
            log.info("packed %d closed day(s) for the reports", len(todo))
        return len(todo)


def mark_missed_bookings(app: Flask) -> int:
    """Bookings not checked in by the end of their late window become
    missed, in every office; returns how many."""
    with app.app_context():
        now = current_time()
        with database().read() as session:
            office_ids = appointments.offices_with_past_bookings(session, now)
        missed = in_each_office(
            lambda session, office_id: appointments.mark_missed(session, office_id, now),
            office_ids,
        )
        if missed:
            log.info("marked %d booking(s) missed", missed)
        return missed


#: The PostgreSQL advisory lock whose holder runs the background pass
#: ("LUOB"; the schema's upgrades take "LUOT").
BACKGROUND_PASS_LOCK = 0x4C554F42


class PassHolder:
    """Whether this process runs the background pass: one process of an
    installation does, however many serve. On PostgreSQL it is the process
    that holds a session advisory lock on a connection it keeps for that;
    when that process ends, its connection closes, the lock is free, and
    another process takes it at its next pass. With SQLite (one process)
    it always does.

    Every process running every pass over every office read and wrote each
    office twice a minute per process: at a country's size (3,355 offices,
    two dozen processes) thousands of transactions a second, more than
    the tickets' (bench/README.md, "A province in a box")."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.connection: Connection | None = None

    def holds(self) -> bool:
        if self.database.dialect != "postgresql":
            return True
        try:
            if self.connection is not None:
                # Still connected, so still holding it.
                self.connection.execute(text("SELECT 1"))
                self.connection.commit()
                return True
            connection = self.database.engine.connect()
            taken = connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": BACKGROUND_PASS_LOCK}
            )
            connection.commit()
            if not taken:
                connection.close()
                return False
            self.connection = connection
            log.info("this process runs the background pass")
            return True
        except Exception:
            log.exception("the background pass's lock could not be checked; trying again")
            self.release()
            return False

    def release(self) -> None:
        """Give the lock up (closing its connection gives it up)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception:
                log.exception("closing the background pass's connection failed")


def day_close_loop(app: Flask) -> None:
    """Runs for the life of the process: a day closes within a minute of
    the office's local midnight, and at start-up after a night powered off,
    and is then packed for the reports (every closed day not yet packed, in
    the first passes); counters left by their clerks are paused within a
    minute of the grace; bookings not checked in are marked missed within a
    minute of their late window's end. One process of an installation runs
    the pass (:class:`PassHolder`)."""
    interval = float(app.config["LUOT_DAY_CLOSE_INTERVAL"])
    backlog = True

    def pack(app: Flask) -> int:
        nonlocal backlog
        packed = pack_report_days(app, everything=backlog)
        backlog = backlog and packed >= packs.DAYS_PER_PASS
        return packed

    holder = PassHolder(app.extensions["luot.database"])
    while True:
        if not holder.holds():
            socketio.sleep(interval)
            continue
        for name, job in (
            ("close_stale_days", close_stale_days),
            ("pack_report_days", pack),
            ("free_silent_counters", free_silent_counters),
            ("mark_missed_bookings", mark_missed_bookings),
        ):
            try:
                job(app)
            except Exception:
                log.exception("%s failed; trying again in %.0f s", name, interval)
        socketio.sleep(interval)


#: How often a serving worker looks whether it has been told to stop.
STOP_CHECK_SECONDS = 0.2


def drop_connections_when_stopping(is_serving: Callable[[], bool]) -> None:
    """Runs for the life of the process: once ``is_serving()`` turns false
    (gunicorn's worker on SIGTERM, as in a rolling restart), drop every
    Socket.IO connection this process holds.

    A stopping gunicorn worker stops accepting, then serves on until its
    open connections close or the graceful timeout (20 s) ends them; a
    display's WebSocket never closes by itself, so every restart held its
    screens on a process on its way out for the whole timeout. Dropped
    without a close packet, as a lost network would, the clients reconnect
    at once (behind nginx, to a process still serving) and resync from the
    state sent on connecting; the requests in flight still finish, and the
    worker leaves as soon as they have.
    """
    while is_serving():
        socketio.sleep(STOP_CHECK_SECONDS)
    server = socketio.server
    if server is None:
        return
    # Until the process ends: the worker closes its listener up to a second
    # after the signal, and a client quick to reconnect may land here again.
    while True:
        sockets = list(server.eio.sockets.values())
        if sockets:
            log.info("stopping: dropping %d Socket.IO connection(s)", len(sockets))
        for connection in sockets:
            try:
                connection.close(wait=False, abort=True)
            except Exception:
                log.exception("dropping a Socket.IO connection failed")
        socketio.sleep(STOP_CHECK_SECONDS)

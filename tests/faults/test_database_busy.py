"""A database locked by someone else: requests wait, then fail cleanly."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from tests.conftest import Clock, make_app


@pytest.fixture
def locked_app(sqlite_url):
    app = make_app(sqlite_url, Clock(), LUOT_DB_BUSY_TIMEOUT_MS=300)
    from queueing.demo import seed_demo

    app.extensions["luot.database"].write(lambda s: seed_demo(s, Clock()(), with_users=False))
    return app


#: Seconds any thread of these tests waits for another before failing.
WAIT_S = 10


def hold_write_lock(path: str, taken: threading.Event, release: threading.Event) -> None:
    """Takes the database's write lock, sets ``taken``, and keeps the lock
    until ``release`` is set."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    taken.set()
    release.wait(WAIT_S)
    connection.execute("ROLLBACK")
    connection.close()


def holding_the_lock(path: str) -> tuple[threading.Thread, threading.Event]:
    """A thread holding the write lock; set the event to release it."""
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, taken, release))
    holder.start()
    assert taken.wait(WAIT_S), "the lock was not taken"
    return holder, release


def watch_writes_beginning(app) -> tuple[dict[str, float], threading.Event]:
    """The moments (monotonic) the app's first write transaction started and
    finished taking the write lock, and an event set as it starts."""
    from sqlalchemy import event

    moments: dict[str, float] = {}
    asked = threading.Event()
    engine = app.extensions["luot.database"].engine

    def before(_connection, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            moments.setdefault("asked", time.monotonic())
            asked.set()

    def after(_connection, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            moments.setdefault("got", time.monotonic())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    return moments, asked


def test_a_lock_longer_than_the_busy_timeout_gives_503_and_changes_nothing(locked_app, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    client = locked_app.test_client()
    holder, release = holding_the_lock(path)
    try:
        response = client.post("/api/v1/tickets", json={"service": "HT"})
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_busy"
    services = client.get("/api/v1/services").get_json()["services"]
    assert services[0]["waiting"] == 0
    # Once the lock is gone the same request succeeds with the first number.
    retry = client.post("/api/v1/tickets", json={"service": "HT"})
    assert (retry.status_code, retry.get_json()["code"]) == (201, "A001")


def test_a_short_lock_is_waited_out(locked_app, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    client = locked_app.test_client()
    moments, asked = watch_writes_beginning(locked_app)
    holder, release = holding_the_lock(path)
    released_at: list[float] = []

    def release_once_asked() -> None:
        # Free the lock only once the request has asked for it.
        asked.wait(WAIT_S)
        released_at.append(time.monotonic())
        release.set()

    releaser = threading.Thread(target=release_once_asked)
    releaser.start()
    try:
        response = client.post("/api/v1/tickets", json={"service": "HT"})
    finally:
        release.set()
        releaser.join()
        holder.join()
    assert response.status_code == 201
    # The request asked for the lock while it was held, and had it only
    # after its release: it waited.
    assert moments["asked"] < released_at[0] < moments["got"]


def test_reads_go_on_while_a_writer_holds_the_lock(locked_app, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    client = locked_app.test_client()
    holder, release = holding_the_lock(path)
    try:
        response = client.get("/api/v1/queue")
    finally:
        release.set()
        holder.join()
    assert response.status_code == 200

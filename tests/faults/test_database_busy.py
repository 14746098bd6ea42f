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


def hold_write_lock(path: str, seconds: float, started: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def test_a_lock_longer_than_the_busy_timeout_gives_503_and_changes_nothing(locked_app, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    client = locked_app.test_client()
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 1.5, started))
    holder.start()
    started.wait()
    response = client.post("/api/v1/tickets", json={"service": "HT"})
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
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 0.1, started))
    holder.start()
    started.wait()
    response = client.post("/api/v1/tickets", json={"service": "HT"})
    holder.join()
    assert response.status_code == 201


def test_reads_go_on_while_a_writer_holds_the_lock(locked_app, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    client = locked_app.test_client()
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, started))
    holder.start()
    started.wait()
    response = client.get("/api/v1/queue")
    holder.join()
    assert response.status_code == 200

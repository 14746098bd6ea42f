"""``flask backup``: a consistent copy of SQLite while tickets are issued."""

from __future__ import annotations

import sqlite3
import threading


def test_backup_while_issuing_gives_a_consistent_copy(app, client, runner, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
        assert result.exit_code != 0
        assert "pg_dump" in result.output
        return
    stop = threading.Event()

    def issue_until_stopped():
        issuing = app.test_client()
        while not stop.is_set():
            assert issuing.post("/api/v1/tickets", json={"service": "HT"}).status_code == 201

    worker = threading.Thread(target=issue_until_stopped)
    worker.start()
    try:
        for _ in range(20):
            client.post("/api/v1/tickets", json={"service": "DD"})
        result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    finally:
        stop.set()
        worker.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    numbers = [n for (n,) in copy.execute("SELECT number FROM tickets WHERE service_id = 1")]
    counter = copy.execute("SELECT last_sequence FROM number_counters WHERE service_id = 1")
    # The copy is one moment of the database: its counter matches its tickets.
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert counter.fetchone()[0] == len(numbers)
    copy.close()


def test_backup_refuses_to_overwrite(runner, tmp_path, database_url):
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert target.read_bytes() == b"keep me"

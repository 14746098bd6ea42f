"""The limit of issuing: a bare Flask app doing the least durable work of a ticket.

    python bench/issue_baseline.py --port PORT --database-url URL

Served as Luot is by ``python server.py``: gevent's pywsgi with the same
listener (``TCP_NODELAY``). Its one endpoint, ``POST /api/v1/tickets``,
reads the JSON body's service, then in one transaction bumps the service's
number of the day (an upsert) and inserts the ticket's row, and answers a
small JSON with 201. On SQLite the file is in WAL mode with Luot's pragmas
and ``BEGIN IMMEDIATE``; on PostgreSQL it is the same server and database
as Luot's, in tables of its own. No ORM, no rules, no line: what no ticket
can do without, for ``bench/issue_http.py`` to measure Luot against.
"""

from __future__ import annotations

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()

import argparse
import json
import queue
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queueing.database import SQLITE_BUSY_TIMEOUT_MS  # noqa: E402 (after the path)

SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baseline_numbers (service TEXT NOT NULL, day TEXT NOT NULL,"
    " last_sequence INTEGER NOT NULL, PRIMARY KEY (service, day))",
    "CREATE TABLE IF NOT EXISTS baseline_tickets (id INTEGER PRIMARY KEY, service TEXT NOT NULL,"
    " day TEXT NOT NULL, sequence INTEGER NOT NULL, code TEXT NOT NULL,"
    " issued_at TEXT NOT NULL, access_token TEXT NOT NULL)",
)
POSTGRESQL_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baseline_numbers (service TEXT NOT NULL, day DATE NOT NULL,"
    " last_sequence INTEGER NOT NULL, PRIMARY KEY (service, day))",
    "CREATE TABLE IF NOT EXISTS baseline_tickets (id BIGSERIAL PRIMARY KEY,"
    " service TEXT NOT NULL, day DATE NOT NULL, sequence INTEGER NOT NULL,"
    " code TEXT NOT NULL, issued_at TIMESTAMPTZ NOT NULL, access_token TEXT NOT NULL)",
)
BUMP = (
    "INSERT INTO baseline_numbers (service, day, last_sequence) VALUES ({p}, {p}, 1)"
    " ON CONFLICT (service, day) DO UPDATE"
    " SET last_sequence = baseline_numbers.last_sequence + 1 RETURNING last_sequence"
)
INSERT = (
    "INSERT INTO baseline_tickets (service, day, sequence, code, issued_at, access_token)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}) RETURNING id"
)


class Connections:
    """A few DB-API connections, one per request at a time."""

    def __init__(self, url: str, size: int = 10) -> None:
        self.is_sqlite = url.startswith("sqlite")
        self.url = url
        self.free: queue.LifoQueue[Any] = queue.LifoQueue()
        self.size = size
        self.made = 0
        placeholder = "?" if self.is_sqlite else "%s"
        self.bump = BUMP.format(p=placeholder)
        self.insert = INSERT.format(p=placeholder)
        with self.connection() as connection:
            for statement in SQLITE_SCHEMA if self.is_sqlite else POSTGRESQL_SCHEMA:
                connection.execute(statement)
            if not self.is_sqlite:
                connection.commit()

    def _connect(self) -> Any:
        if self.is_sqlite:
            import sqlite3

            path = self.url.removeprefix("sqlite:///")
            connection = sqlite3.connect(
                path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            connection.isolation_level = None
            # Luot's pragmas (queueing/database.py).
            connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            return connection
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

    @contextmanager
    def connection(self) -> Iterator[Any]:
        try:
            connection = self.free.get_nowait()
        except queue.Empty:
            if self.made < self.size:
                self.made += 1
                connection = self._connect()
            else:
                connection = self.free.get()
        try:
            yield connection
        finally:
            self.free.put(connection)

    def issue(self, service: str) -> tuple[int, int, str]:
        """One transaction: the next number of the service today, and the row."""
        now = datetime.now(UTC)
        day = now.date()
        token = secrets.token_urlsafe(16)
        with self.connection() as connection:
            if self.is_sqlite:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    (sequence,) = connection.execute(self.bump, (service, str(day))).fetchone()
                    code = f"{service}{sequence:03d}"
                    (ticket_id,) = connection.execute(
                        self.insert, (service, str(day), sequence, code, now.isoformat(), token)
                    ).fetchone()
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            else:
                with connection.transaction():
                    (sequence,) = connection.execute(self.bump, (service, day)).fetchone()
                    code = f"{service}{sequence:03d}"
                    (ticket_id,) = connection.execute(
                        self.insert, (service, day, sequence, code, now, token)
                    ).fetchone()
        return ticket_id, sequence, code


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    connections = Connections(database_url)

    @app.post("/api/v1/tickets")
    def issue_ticket() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        service = body.get("service")
        if not isinstance(service, str) or not service:
            return Response(json.dumps({"error": "service"}), mimetype="application/json"), 400
        ticket_id, number, code = connections.issue(service)
        payload = {"id": ticket_id, "code": code, "number": number, "service": service}
        return Response(json.dumps(payload), mimetype="application/json"), 201

    @app.get("/api/v1/services")
    def services() -> Response:
        return Response("{}", mimetype="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    from gevent import pywsgi

    from server import listener

    app = create_app(args.database_url)
    pywsgi.WSGIServer(listener(args.host, args.port), app, log=None).serve_forever()


if __name__ == "__main__":
    main()

"""Fixtures shared by every area's tests.

Database tests run on SQLite and, when ``LUOT_TEST_POSTGRES_URL`` names a
server, on PostgreSQL too (each test in a schema of its own).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queueing import accounts  # noqa: E402
from queueing.database import Database  # noqa: E402
from queueing.demo import seed_demo  # noqa: E402
from queueing.models import Base, Counter, Office, Service  # noqa: E402

POSTGRES_URL = os.environ.get("LUOT_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("LUOT_TEST_REDIS_URL", "")

#: Monday 23 November 2026, 09:00 in Ho Chi Minh City.
MORNING = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A clock the tests move by hand; the app reads it as its ``now``."""

    moment: datetime = field(default=MORNING)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


def _postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A blank database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'luot.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set LUOT_TEST_POSTGRES_URL (.ci/run does)")
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'luot.db'}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def office(db: Database, clock: Clock) -> Office:
    """The demo office without its users: services HT, DD, KD, LD (prefixes
    A to D) and counters 1 to 3, open, serving all of them."""
    return db.write(lambda session: seed_demo(session, clock(), with_users=False))


@pytest.fixture
def counters(db: Database, office: Office) -> list[Counter]:
    with db.read() as session:
        return list(session.query(Counter).filter_by(office_id=office.id).order_by(Counter.number))


@pytest.fixture
def services(db: Database, office: Office) -> dict[str, Service]:
    with db.read() as session:
        return {s.code: s for s in session.query(Service).filter_by(office_id=office.id)}


def make_app(database_url: str, clock: Clock | None = None, **overrides: Any) -> Any:
    from server import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "LUOT_SCHEMA": "create",
        "LUOT_DEMO": False,
        "LUOT_ISSUE_RATE_LIMIT": "none",
        "LUOT_PUBLIC_URL": "http://luot.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Screens get the full state synchronously, so tests can read it at once.
        "LUOT_LIVE_COALESCE_SECONDS": 0,
        **overrides,
    }
    if clock is not None:
        config["LUOT_CLOCK"] = clock
    return create_app(config)


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[Any]:
    application = make_app(database_url, clock)
    database: Database = application.extensions["luot.database"]
    database.write(lambda session: seed_demo(session, clock(), with_users=False))
    yield application
    database.dispose()


@pytest.fixture
def app_db(app: Any) -> Database:
    database: Database = app.extensions["luot.database"]
    return database


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_token(app_db: Database, clock: Clock) -> Callable[..., str]:
    """Creates an API token: ``make_token("clerk")`` returns the token."""

    def make(role: str, *, office_id: int | None = None, name: str = "test") -> str:
        _row, token = app_db.write(
            lambda session: accounts.create_token(session, name, role, clock(), office_id=office_id)
        )
        return token

    return make


@pytest.fixture
def auth(make_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    """``auth("clerk")``: headers with a fresh token of that role."""

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(role)}"}

    return headers

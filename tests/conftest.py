"""Fixtures shared by every area's tests.

Database tests run on SQLite and, when ``LUOT_TEST_POSTGRES_URL`` names a
server, on PostgreSQL too (each test in a schema of its own).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def skip_without(*services: str) -> None:
    """Skip the test, with the reason, when a server it needs is not set."""
    settings = {
        "postgresql": ("PostgreSQL", "LUOT_TEST_POSTGRES_URL", POSTGRES_URL),
        "redis": ("Redis", "LUOT_TEST_REDIS_URL", REDIS_URL),
    }
    for service in services:
        name, variable, url = settings[service]
        if not url:
            pytest.skip(f"{name} not configured: set {variable} (.ci/run does)")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema of the test PostgreSQL server, as a database URL;
    dropped afterwards."""
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
    skip_without("postgresql")
    with postgres_schema() as url:
        yield url


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
        "LUOT_BOOKING_RATE_LIMIT": "none",
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


# -- a real server and a real browser ------------------------------------------

CHROMIUM = os.environ.get("LUOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    # Waiting-room displays play announcements with nobody to click first.
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
AXE = ROOT / "tests" / "assets" / "axe.min.js"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """``python server.py`` in a process of its own, on a fresh SQLite file
    seeded with the demo office (users included)."""

    def __init__(self, folder: Path, **environment: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{folder / 'luot.db'}"
        self.environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LUOT_DEMO": "1",
            "LUOT_ISSUE_RATE_LIMIT": "none",
            "LUOT_BOOKING_RATE_LIMIT": "none",
            "LUOT_LIVE_COALESCE_SECONDS": "0.05",
            # Tests change services in the database behind the server's
            # back, which no process hears of: it keeps no settings.
            "LUOT_SETTINGS_CACHE_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
            **environment,
        }
        self.command = [sys.executable, "server.py", "--port", str(self.port)]
        self.process: Any = None
        self._database: Database | None = None

    def serve_with_gunicorn(self) -> None:
        """Serve as production does: gunicorn with deploy/gunicorn.conf.py."""
        self.environment["LUOT_BIND"] = f"127.0.0.1:{self.port}"
        self.environment.setdefault("LUOT_SECRET_KEY", "test-only-secret-of-a-gunicorn-server")
        self.command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "server:create_app()",
        ]

    def start(self) -> None:
        import subprocess
        import time

        import requests

        log = (self.folder / "server.log").open("a")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url("/api/v1/queue"), timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
            except requests.Timeout:
                # gunicorn listens before its worker has loaded the app.
                pass
        self.stop()
        raise RuntimeError("server did not start: " + (self.folder / "server.log").read_text())

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def db(self) -> Database:
        """The server's database, opened from the test process."""
        if self._database is None:
            self._database = Database(self.database_url)
        return self._database

    def token(self, role: str) -> str:
        _row, token = self.db.write(
            lambda session: accounts.create_token(session, role, role, datetime.now(UTC))
        )
        return token

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def close(self) -> None:
        self.stop()
        if self._database is not None:
            self._database.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server per test module (tests share its demo office)."""
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(width=1080, height=1920, locale="vi-VN")``: a page in a
    fresh browser context (own cookies), closed after the test. axe-core is
    loaded into every page it opens, for :func:`serious_violations`."""
    contexts = []

    def make(width: int = 1920, height: int = 1080, **options: Any) -> Any:
        # Playwright evaluates the tests' string predicates with eval, which
        # the app's policy forbids; tests/security checks the pages under the
        # policy with bypass_csp=False.
        options.setdefault("bypass_csp", True)
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical accessibility violations on the page."""
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@contextmanager
def linked_processes(
    folder: Path, database_url: str, *, gunicorn: bool = False, **environment: str
) -> Iterator[list[LiveServer]]:
    """Two server processes of one installation: one database, one secret,
    linked through Redis on a channel of their own (parallel runs never
    hear each other); gunicorn with deploy/gunicorn.conf.py or server.py."""
    environment = {
        "DATABASE_URL": database_url,
        "SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
        "LUOT_SOCKETIO_CHANNEL": f"luot-test-{secrets.token_hex(6)}",
        "LUOT_SECRET_KEY": "shared-secret-of-both-processes",
        **environment,
    }
    servers: list[LiveServer] = []
    try:
        for name in ("a", "b"):
            (folder / name).mkdir()
            server = LiveServer(folder / name, **environment)
            if gunicorn:
                server.serve_with_gunicorn()
            server.database_url = database_url
            server.start()
            servers.append(server)
        yield servers
    finally:
        for server in servers:
            server.close()

"""Luot: the app factory, and ``python server.py`` to serve a demo office.

``python server.py [--host 127.0.0.1] [--port 5000]`` serves HTTP and
Socket.IO (with WebSocket) on the embedded default, SQLite, seeding the demo
office unless ``LUOT_DEMO=0``. In production gunicorn imports
``server:create_app()`` (see deploy/ and the README).
"""

from __future__ import annotations

if __name__ == "__main__":
    # Serving: gevent's cooperative server handles thousands of Socket.IO
    # connections in one process. Patching must come before anything else
    # imports socket or threading.
    try:
        from gevent import monkey

        monkey.patch_all()
    except ImportError:  # without gevent, Werkzeug's threaded server serves
        pass

import argparse
import gc
import logging
import os
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask, abort, redirect, url_for
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

import config
from queueing.database import Database
from queueing.schema import ensure_schema
from web.access import REGISTERED_KIOSK_KEY
from web.flood_guard import IssueFloodGuard
from web.office_cache import OfficeCache
from web.payloads import MAX_ID
from web.rate_limits import is_unlimited

log = logging.getLogger("luot")


def _async_mode() -> str:
    """gevent when gunicorn's gevent worker has patched the standard library,
    else threads (``python server.py``, tests)."""
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    except ImportError:
        pass
    return "threading"


def _cors_origins(value: str) -> Any:
    if value == "*":
        return "*"
    if value:
        return [origin.strip() for origin in value.split(",") if origin.strip()]
    # None: Socket.IO accepts only the app's own origin.
    return None


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number that fits a database id."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def is_registered_kiosk(app: Flask, environ: dict[str, Any]) -> bool:
    """Whether the request's session (signed cookie) registered a kiosk."""
    cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(app.config["SESSION_COOKIE_NAME"])
    if not cookie:
        return False
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    if serializer is None:
        return False
    try:
        data = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return False
    return isinstance(data, dict) and REGISTERED_KIOSK_KEY in data


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Ids in paths are database ids: one past a 64-bit integer names nothing
    # (404), rather than failing in the database driver.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_mapping(config.from_environment(demo_default=False))
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    if app.config["SECRET_KEY"] == config.DEVELOPMENT_SECRET_KEY and not (
        app.config["LUOT_DEMO"]
        or app.config["DEBUG"]
        or app.config.get("TESTING")
        # ``flask --app server <command>`` serves nothing: no secret needed.
        or click.get_current_context(silent=True) is not None
    ):
        raise RuntimeError(
            "LUOT_SECRET_KEY is not set: set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    for warning in config.warnings(app.config):
        log.warning(warning["message"])
    # Behind HTTPS (the public address says so) cookies never travel in clear.
    is_https = app.config["LUOT_PUBLIC_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=is_https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=is_https,
    )

    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "luot.db")
    database = Database(
        app.config["DATABASE_URL"],
        busy_timeout_ms=app.config["LUOT_DB_BUSY_TIMEOUT_MS"],
        pool_size=app.config["LUOT_DB_POOL_SIZE"],
        max_overflow=app.config["LUOT_DB_MAX_OVERFLOW"],
    )
    app.extensions["luot.database"] = database
    app.extensions["luot.office_cache"] = OfficeCache(
        database, float(app.config["LUOT_SETTINGS_CACHE_SECONDS"])
    )
    ensure_schema(database, app.config.get("LUOT_SCHEMA", "migrate"))

    issue_limit = str(app.config["LUOT_ISSUE_RATE_LIMIT"])
    if not is_unlimited(issue_limit):
        # Inside ProxyFix: the guard counts by the client's real address.
        app.wsgi_app = IssueFloodGuard(  # type: ignore[method-assign]
            app.wsgi_app,
            issue_limit,
            lambda environ: is_registered_kiosk(app, environ),
            delay_s=float(app.config["LUOT_FLOOD_DELAY_SECONDS"]),
        )
    if app.config["LUOT_PROXY_COUNT"]:
        count = app.config["LUOT_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )

    _import_socket_handlers()
    _init_extensions(app)
    _init_publisher(app, database)
    _register_areas(app)

    if app.config["LUOT_DEMO"]:
        _seed_demo(app)
    return app


def _init_extensions(app: Flask) -> None:
    from web import i18n, security, staff_menu
    from web.extensions import csrf, limiter, login_manager, socketio
    from web.sockets import WithoutWebSocketCompression

    message_queue = app.config["SOCKETIO_MESSAGE_QUEUE"] or None
    storage = app.config["LUOT_RATE_LIMIT_STORAGE"]
    if not storage:
        storage = (
            message_queue if message_queue and message_queue.startswith("redis") else "memory://"
        )
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down must not stop ticket issuing: count in memory meanwhile.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    staff_menu.init_app(app)
    security.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "counter.login"
    socketio.init_app(
        app,
        message_queue=message_queue,
        channel=app.config["LUOT_SOCKETIO_CHANNEL"],
        async_mode=_async_mode(),
        cors_allowed_origins=_cors_origins(app.config["LUOT_CORS_ORIGINS"]),
        json=app.json,  # type: ignore[arg-type]
    )
    app.wsgi_app = WithoutWebSocketCompression(app.wsgi_app)  # type: ignore[method-assign]


def _init_publisher(app: Flask, database: Database) -> None:
    """What tells the screens about committed changes: through this
    process's Socket.IO server, relayed by the message queue when one is set."""
    from live import Publisher
    from web.extensions import socketio

    clock = app.config.get("LUOT_CLOCK") or (lambda: datetime.now(UTC))
    app.extensions["luot.publisher"] = Publisher(app, socketio, database, clock)


def _import_socket_handlers() -> None:
    """Import the Socket.IO handlers before ``socketio.init_app``: handlers
    declared while no server exists are kept and bound to every app made
    (each test makes its own)."""
    import counter.sockets  # noqa: F401
    import display.sockets  # noqa: F401
    import kiosk.sockets  # noqa: F401
    import manager.sockets  # noqa: F401


def _register_areas(app: Flask) -> None:
    from admin import bp as admin_bp
    from api.routes import bp as api_bp
    from book.routes import bp as book_bp
    from comparison.routes import bp as comparison_bp
    from counter.routes import bp as counter_bp
    from display.routes import bp as display_bp
    from kiosk.routes import bp as kiosk_bp
    from manager.routes import bp as manager_bp
    from web import cli, errors
    from web.extensions import csrf
    from web.health import bp as health_bp

    # The API checks CSRF itself, and only for browser sessions: a request
    # with a token carries no ambient credential to forge.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(book_bp)
    app.register_blueprint(display_bp)
    app.register_blueprint(counter_bp)
    app.register_blueprint(manager_bp)
    app.register_blueprint(comparison_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    errors.register(app)
    cli.register(app)

    @app.get("/")
    def home() -> Response:
        return redirect(url_for("kiosk.kiosk_home"))

    @app.route("/socket.io/", methods=["GET", "POST"])
    @app.route("/socket.io/", endpoint="socket_io_websocket", websocket=True)
    def socket_io() -> Response:
        """Never served: Engine.IO answers this path before Flask does. The
        rule is for Flask-SocketIO, which runs every connect and event
        handler in a request context of this path: unmatched, each context
        held a NotFound and its traceback, a reference cycle that only the
        garbage collector frees, in pauses that grow with the screens
        connected."""
        abort(404)


def _seed_demo(app: Flask) -> None:
    from queueing.demo import seed_demo

    database: Database = app.extensions["luot.database"]
    now = datetime.now(UTC)
    database.write(lambda session: seed_demo(session, now, timezone=app.config["LUOT_TIMEZONE"]))


#: The collector's thresholds in a serving process (gc.set_threshold).
GC_THRESHOLDS = (10_000, 10, 100)


def start_background_jobs(app: Flask) -> None:
    """Close days at local midnight and pause counters their clerks left, in
    the serving process only; and leave what start-up made out of the
    garbage collector's way."""
    from web.extensions import socketio
    from web.jobs import day_close_loop
    from web.office_cache import listen_for_settings_changes

    socketio.start_background_task(day_close_loop, app)
    if str(app.config["SOCKETIO_MESSAGE_QUEUE"]).startswith("redis"):
        socketio.start_background_task(listen_for_settings_changes, app)
    # Modules, mappers, templates and compiled statements live as long as
    # the process: frozen, the collector's full collections no longer walk
    # them (one over the start-up heap takes 130 ms here, and every request
    # of the process waits for it).
    gc.collect()
    gc.freeze()
    # Each call or state sent to a thousand screens makes tens of thousands
    # of short-lived objects (packets, frames) that are still queued when
    # a young collection every 700 allocations runs: promoted, they made
    # a full collection over every connection's objects (about 100 ms with
    # 1,000 displays) every few calls. Young collections every 10,000
    # allocations let them die young, and a full collection waits for a
    # hundred middle ones rather than ten (bench/README.md, "Fan-out").
    gc.set_threshold(*GC_THRESHOLDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Luot (HTTP and Socket.IO).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.setdefault("LUOT_DEMO", "1")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app()
    start_background_jobs(app)
    from web.extensions import socketio

    log.info("Luot serving on http://%s:%s/", args.host, args.port)
    if _async_mode() == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer(listener(args.host, args.port), app, log=None).serve_forever()
    else:  # without gevent, Werkzeug's threaded server
        socketio.run(
            app, host=args.host, port=args.port, allow_unsafe_werkzeug=True, log_output=False
        )


def listener(host: str, port: int) -> socket.socket:
    """The listening socket, with Nagle's algorithm off for every connection
    it accepts (Linux passes TCP_NODELAY on to them, as gunicorn relies on).

    A response leaves in more than one write; with Nagle on, the second
    waits for the client's acknowledgement of the first, which clients
    delay by up to 40 ms: every request on a kept-alive connection would
    take 40 ms however little work it is.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


if __name__ == "__main__":
    threading.current_thread().name = "luot-main"
    main()

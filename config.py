"""Every setting of Luot, read from the environment, with its default.

The README's settings table lists the same names; keep the two together.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

#: The secret used when none is configured. Accepted only in demo, debug or
#: testing mode: ``create_app`` refuses to start with it anywhere else.
DEVELOPMENT_SECRET_KEY = "luot-development-secret-do-not-use-in-production"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from error


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise RuntimeError(f"{name} must be a number, not {value!r}") from error


def from_environment(*, demo_default: bool) -> dict[str, Any]:
    """The settings as a Flask config mapping.

    ``demo_default`` is True under ``python server.py`` and False under
    gunicorn, as API.md requires for ``LUOT_DEMO``.
    """
    return {
        # Any SQLAlchemy URL; empty means a SQLite file in the instance folder.
        "DATABASE_URL": os.environ.get("DATABASE_URL", "").strip(),
        # How long a SQLite writer waits for a lock held elsewhere (a backup, a
        # command) before the request fails with 503, in milliseconds.
        "LUOT_DB_BUSY_TIMEOUT_MS": _int("LUOT_DB_BUSY_TIMEOUT_MS", 10_000),
        # PostgreSQL connections each process keeps, and may open beyond them
        # at a burst; all processes together must stay under the server's
        # max_connections.
        "LUOT_DB_POOL_SIZE": _int("LUOT_DB_POOL_SIZE", 10),
        "LUOT_DB_MAX_OVERFLOW": _int("LUOT_DB_MAX_OVERFLOW", 20),
        # redis://... links several server processes; empty means one process.
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE", "").strip(),
        # The Redis channel the processes of one installation share.
        "LUOT_SOCKETIO_CHANNEL": os.environ.get("LUOT_SOCKETIO_CHANNEL", "luot").strip() or "luot",
        # Default ticket printer of the demo office's kiosk, as a URL.
        "LUOT_PRINTER": os.environ.get("LUOT_PRINTER", "none").strip() or "none",
        # Anonymous ticket issuing per client address ("N/minute" or "none").
        "LUOT_ISSUE_RATE_LIMIT": os.environ.get("LUOT_ISSUE_RATE_LIMIT", "30/minute").strip(),
        "LUOT_BOOKING_RATE_LIMIT": os.environ.get("LUOT_BOOKING_RATE_LIMIT", "10/hour").strip(),
        # Failed logins per client address before it must wait.
        "LUOT_LOGIN_RATE_LIMIT": os.environ.get(
            "LUOT_LOGIN_RATE_LIMIT", "10/minute;50/hour"
        ).strip(),
        # Where the rate limiter counts; empty means in memory, or Redis when
        # SOCKETIO_MESSAGE_QUEUE is a Redis URL.
        "LUOT_RATE_LIMIT_STORAGE": os.environ.get("LUOT_RATE_LIMIT_STORAGE", "").strip(),
        "SECRET_KEY": os.environ.get("LUOT_SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY,
        "LUOT_DEMO": _flag("LUOT_DEMO", demo_default),
        # Timezone of offices created without one (the demo office too).
        "LUOT_TIMEZONE": os.environ.get("LUOT_TIMEZONE", "Asia/Ho_Chi_Minh").strip(),
        # The public address of the app, used in links printed on tickets
        # (QR codes). Empty means the address the request came in on.
        "LUOT_PUBLIC_URL": os.environ.get("LUOT_PUBLIC_URL", "").strip().rstrip("/"),
        # How many proxies (nginx) stand in front of the app; their
        # X-Forwarded-* headers are trusted that many hops deep.
        "LUOT_PROXY_COUNT": _int("LUOT_PROXY_COUNT", 0),
        # Socket.IO connections from other origins are refused unless listed
        # here (comma-separated), or "*" for any.
        "LUOT_CORS_ORIGINS": os.environ.get("LUOT_CORS_ORIGINS", "").strip(),
        # Seconds over which changes are gathered before the office's full
        # state is sent to screens again (calls are announced at once).
        "LUOT_LIVE_COALESCE_SECONDS": _float("LUOT_LIVE_COALESCE_SECONDS", 0.1),
        # Seconds a process keeps an office's settings and services at most:
        # an administrator's change reaches every process at once through
        # SOCKETIO_MESSAGE_QUEUE, this is for a process that missed it.
        "LUOT_SETTINGS_CACHE_SECONDS": _float("LUOT_SETTINGS_CACHE_SECONDS", 10.0),
        # Seconds between checks for a day to close (local midnight).
        "LUOT_DAY_CLOSE_INTERVAL": _float("LUOT_DAY_CLOSE_INTERVAL", 60.0),
        # Seconds an anonymous issue past the limit waits for its 429, so a
        # flood that retries at once slows itself instead of the clerks.
        "LUOT_FLOOD_DELAY_SECONDS": _float("LUOT_FLOOD_DELAY_SECONDS", 1.0),
        # Largest request body accepted, in bytes.
        "MAX_CONTENT_LENGTH": _int("LUOT_MAX_BODY_BYTES", 64 * 1024),
        "DEBUG": _flag("LUOT_DEBUG", False),
        "JSON_SORT_KEYS": False,
    }


#: Code of the warning that no public address is set.
PUBLIC_URL_UNSET = "public_url_unset"


def warnings(settings: Mapping[str, Any]) -> list[dict[str, str]]:
    """What an operator should set although the app runs without it: logged
    at start-up and shown in ``/healthz``. The demo needs none of it."""
    found = []
    if not settings.get("LUOT_DEMO") and not settings.get("LUOT_PUBLIC_URL"):
        found.append(
            {
                "code": PUBLIC_URL_UNSET,
                "setting": "LUOT_PUBLIC_URL",
                "message": (
                    "LUOT_PUBLIC_URL is not set: the QR codes on tickets point at the address "
                    "each request came in on (127.0.0.1 behind a proxy, or a host the "
                    "citizens' phones cannot reach); set it to the public address, "
                    "e.g. https://luot.example.gov.vn"
                ),
            }
        )
    return found

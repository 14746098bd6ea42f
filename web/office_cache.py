"""What issuing reads of an office that only an administrator changes, kept
by each process between requests; and the office's line forecast between
changes.

**The office and its services** (hours, numbering, names) are read once and
kept. An administrator's change records an event (``office_updated``,
``service_created``...): once it commits, the process that made it drops
what it kept at once (:func:`forget_on_settings_change`, called by the
publisher), and tells the other processes through the message queue when
one is set (``SOCKETIO_MESSAGE_QUEUE``: a Redis channel beside Socket.IO's,
``<LUOT_SOCKETIO_CHANNEL>-settings``), whose listener drops theirs. Should a
process miss a message (Redis down a moment, a change made by a command
outside any server), nothing it keeps is older than
``LUOT_SETTINGS_CACHE_SECONDS``.

**The line forecast** (:class:`queueing.line.Projection`) is kept with the
id of the office's newest event it has seen. Every change of a line records
an event, so a ticket issued when the office's newest event before its own
is that one
joins the kept forecast (a few turns of the counters) instead of reading and
running the whole line again; any other change, another process's too, is
seen as a newer event and the line is read again. A forecast is run from
its ``now``, and answers for a later moment only when that changes nothing
but every time by as much (every counter free at its start) or nothing at
all (every counter busy until after that moment): what a citizen is told
is the whole line run at the moment of the answer.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from queueing import line
from queueing.database import Database
from queueing.line import Forecast
from queueing.models import Event, Office, Service
from queueing.queries import OfficeLine
from web.access import Principal, check_office, resolve_office

log = logging.getLogger("luot.office_cache")

#: Events whose commit makes every process read the office again.
SETTINGS_EVENTS = frozenset(
    {"office_created", "office_updated", "service_created", "service_updated"}
)
#: How long a kept forecast answers: a service time leaves the sample a
#: week after it ended, which no event tells.
FORECAST_KEPT_S = 60.0


@dataclass(frozen=True, slots=True)
class OfficeSettings:
    """An office and its services as read at ``loaded_at`` (monotonic).

    Detached rows, shared by every request of the process: read them, never
    add them to a session (``session.merge(row, load=False)`` gives one of
    the session's own, without a statement)."""

    office: Office
    #: Service code -> service, active or not.
    services: dict[str, Service]
    loaded_at: float


@dataclass(slots=True)
class _KeptLine:
    """An office's forecast, as of the event ``version``."""

    version: int
    day: date
    at: datetime
    projection: line.Projection


@dataclass(slots=True)
class OfficeCache:
    """One per process (``app.extensions["luot.office_cache"]``)."""

    database: Database
    ttl_s: float
    clock: Callable[[], float] = time.monotonic
    #: Request key (an office code, a principal's office, the only office)
    #: -> the office's id.
    _keys: dict[Any, int] = field(default_factory=dict)
    _offices: dict[int, OfficeSettings] = field(default_factory=dict)
    _lines: dict[int, _KeptLine] = field(default_factory=dict)
    #: Bumped by every invalidation: a read that began before one keeps
    #: nothing.
    _generation: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def forget(self) -> None:
        """Drop everything kept: the next request reads the offices again."""
        with self._lock:
            self._generation += 1
            self._keys.clear()
            self._offices.clear()
            self._lines.clear()

    def office(self, code: str | None, principal: Principal | None) -> OfficeSettings:
        """The office a request is about (as :func:`web.access.resolve_office`)."""
        key = _request_key(code, principal)
        now = self.clock()
        office_id = self._keys.get(key) if key is not None else None
        kept = self._offices.get(office_id) if office_id is not None else None
        if kept is not None and now - kept.loaded_at < self.ttl_s:
            check_office(principal, kept.office.id)
            return kept
        generation = self._generation
        with self.database.read() as session:
            office = resolve_office(session, code, principal)
            services = session.scalars(select(Service).where(Service.office_id == office.id))
            settings = OfficeSettings(office, {s.code: s for s in services}, now)
        with self._lock:
            if generation == self._generation:
                self._offices[office.id] = settings
                if key is not None:
                    self._keys[key] = office.id
        return settings

    # -- the line ------------------------------------------------------------

    def join_line(
        self,
        settings: OfficeSettings,
        waiting: line.Waiting,
        day: date,
        version: int,
        newest_before: Callable[[], int],
    ) -> line.Place | None:
        """The place of a ticket just issued, from the kept forecast, when
        the newest event before the ticket's own (``version``) is the one
        the forecast has seen and the ticket joins at the back of its line;
        the forecast is then as of the ticket's event. None when the line
        must be read again.

        ``newest_before`` reads that newest event; it is not asked when the
        ticket's event directly follows the kept one (no id lies between)."""
        kept = self._lines.get(settings.office.id)
        if (
            kept is None
            or (kept.version != version - 1 and kept.version != newest_before())
            or kept.day != day
            or waiting.queued_at - kept.at > timedelta(seconds=FORECAST_KEPT_S)
            or not kept.projection.can_join(waiting)
        ):
            return None
        shift = kept.projection.shift_to(waiting.queued_at)
        if shift is None:
            return None
        kept.version = version
        return kept.projection.join(waiting).shifted(shift)

    def keep_line(
        self,
        settings: OfficeSettings,
        data: OfficeLine,
        day: date,
        at: datetime,
        version: int,
    ) -> line.Projection:
        """Run the office's line read at ``at`` and keep it as of ``version``."""
        projection = _project(settings.office, data, at)
        self._lines[settings.office.id] = _KeptLine(version, day, at, projection)
        return projection

    def forecast(
        self, office: Office, data: OfficeLine, day: date, at: datetime, version: int
    ) -> line.Forecast:
        """The office's forecast for its screens, ``data`` read at ``at``
        when the newest event was ``version``: the kept one when it has seen
        just that, else ``data`` run and kept, unless the kept one is newer.
        Screens and issuing share one run of the line."""
        kept = self._lines.get(office.id)
        if (
            kept is not None
            and kept.version == version
            and kept.day == day
            and at - kept.at <= timedelta(seconds=FORECAST_KEPT_S)
        ):
            forecast = kept.projection.forecast(at)
            if forecast is not None:
                return forecast
        projection = _project(office, data, at)
        if kept is None or kept.version <= version:
            self._lines[office.id] = _KeptLine(version, day, at, projection)
            # Tickets issued meanwhile join the kept one: the screens' is a copy.
            return Forecast(dict(projection.tickets), dict(projection.services), projection.calls)
        return Forecast(projection.tickets, projection.services, projection.calls)


def _project(office: Office, data: OfficeLine, at: datetime) -> line.Projection:
    return line.Projection(
        line.Line(data.waiting, office.priority_ratio),
        data.desks,
        at,
        data.service_seconds,
        float(office.default_service_seconds),
    )


def _request_key(code: str | None, principal: Principal | None) -> Any:
    """What names the office of a request, when it is not a supervisor's."""
    if code is not None:
        return ("code", code) if isinstance(code, str) else None
    if principal is not None and principal.office_id is not None:
        return ("id", principal.office_id)
    if principal is not None and principal.office_ids is not None:
        return None
    return ("only",)


# -- invalidation --------------------------------------------------------------


def office_cache_of(app: Flask) -> OfficeCache:
    cache: OfficeCache = app.extensions["luot.office_cache"]
    return cache


def settings_channel(app: Flask) -> str:
    return f"{app.config['LUOT_SOCKETIO_CHANNEL']}-settings"


def forget_on_settings_change(app: Flask, events: list[Event]) -> None:
    """After a commit: an administrator's change drops what this process
    keeps at once, and every other process's through the message queue."""
    changed = sorted({event.office_id for event in events if event.kind in SETTINGS_EVENTS})
    if not changed:
        return
    office_cache_of(app).forget()
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if not url.startswith("redis"):
        return
    try:
        client = _redis_client(app, url)
        client.publish(settings_channel(app), json.dumps({"offices": changed}))
    except Exception:
        # The others' copies expire within LUOT_SETTINGS_CACHE_SECONDS.
        log.exception("telling the other processes of a settings change failed")


def _redis_client(app: Flask, url: str) -> Any:
    client = app.extensions.get("luot.settings_redis")
    if client is None:
        import redis

        # An administrator's request waits for this: never long.
        client = app.extensions["luot.settings_redis"] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2
        )
    return client


def listen_for_settings_changes(app: Flask) -> None:
    """Drop what this process keeps whenever another process says an
    administrator changed an office (runs as a background task of the
    serving process, for as long as it serves)."""
    import redis

    url = app.config["SOCKETIO_MESSAGE_QUEUE"]
    cache = office_cache_of(app)
    while True:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=5)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(settings_channel(app))
            # Whatever changed while not listening is read again.
            cache.forget()
            for message in pubsub.listen():
                if message.get("type") == "message":
                    cache.forget()
        except Exception:
            log.warning("the settings channel is unreachable; listening again in 5 s")
            time.sleep(5)

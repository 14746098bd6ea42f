"""The tables of Luot.

Every time is stored in UTC and comes back as an aware ``datetime``; the
office's timezone is applied only where a day or a clock face is shown.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def new_access_token() -> str:
    """128 random bits, URL-safe: 22 characters nobody can guess or count."""
    return secrets.token_urlsafe(16)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC, hands them back aware.

    SQLite keeps no offset; PostgreSQL's ``timestamp with time zone`` would,
    but one representation on both keeps comparisons and reports identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


# Ticket states (API.md).
WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
PARKED = "parked"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
TRANSFERRED = "transferred"
TICKET_STATES = (WAITING, CALLED, SERVING, PARKED, DONE, NO_SHOW, CANCELLED, TRANSFERRED)
#: States in which a ticket still needs the office's attention today.
OPEN_STATES = (WAITING, CALLED, SERVING, PARKED)

PRIORITY_NONE = "none"
PRIORITY_CATEGORIES = ("elderly", "disability", "pregnancy", "small_child", "merit", "other")

CHANNEL_BOOKING = "booking"
CHANNELS = ("kiosk", "counter", CHANNEL_BOOKING, "api")

OUTCOMES = ("resolved", "more_documents", "referred")

COUNTER_OPEN = "open"
COUNTER_PAUSED = "paused"
COUNTER_CLOSED = "closed"
COUNTER_STATES = (COUNTER_OPEN, COUNTER_PAUSED, COUNTER_CLOSED)

#: Office settings of when a service begins (Office.service_starts_at).
SERVICE_STARTS_AT_CALL = "call"
SERVICE_STARTS_AT_START = "start"
SERVICE_STARTS = (SERVICE_STARTS_AT_CALL, SERVICE_STARTS_AT_START)

ROLE_CLERK = "clerk"
ROLE_MANAGER = "manager"
#: Oversees several offices (a province's or a department's leaders): has
#: no office of their own (``users.office_id`` NULL) but those assigned in
#: ``user_offices``, and works in those only.
ROLE_SUPERVISOR = "supervisor"
ROLE_ADMIN = "admin"
#: Each role can do what the ones before it can.
ROLES = (ROLE_CLERK, ROLE_MANAGER, ROLE_SUPERVISOR, ROLE_ADMIN)
#: The roles an API token may have: a supervisor is a person who signs in.
TOKEN_ROLES = (ROLE_CLERK, ROLE_MANAGER, ROLE_ADMIN)


class Office(Base):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Where citizens go: shown on a booking's page and its calendar entry.
    address: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    #: Weekday ("0" = Monday) -> [["07:30", "11:30"], ["13:30", "17:00"]];
    #: an empty mapping means open at all hours.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: ISO dates ("2026-09-02") on which no ticket is issued.
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    #: One priority ticket per this many normal ones; 0 calls priority first.
    priority_ratio: Mapped[int] = mapped_column(default=0)
    #: Recalls after which the clerk may mark a no-show (0: at once).
    recall_limit: Mapped[int] = mapped_column(default=1)
    #: Minutes during which a no-show can be returned to the queue.
    no_show_return_minutes: Mapped[int] = mapped_column(default=30)
    #: Whether a transferred ticket goes to the head of its new queue.
    is_transfer_to_head: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Service time assumed for estimates while history is thin, in seconds.
    default_service_seconds: Mapped[int] = mapped_column(default=300)
    ticker_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    #: Minutes a counter may stay paused before the manager's board warns.
    pause_alert_minutes: Mapped[int] = mapped_column(default=15, server_default=text("15"))
    #: Whether a service that no staffed counter serves still issues tickets
    #: (they say that no counter is open and give no wait); else 409.
    is_issuing_without_counter: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    #: When the service of a ticket finished without *Start* began: at its
    #: call ("call"), or unknown ("start": only *Start* starts a service).
    service_starts_at: Mapped[str] = mapped_column(
        String(8), default="call", server_default=text("'call'")
    )
    #: Minutes a clerk's terminal may stay silent before its counter is
    #: paused and freed (the clerk went away without signing out).
    terminal_grace_minutes: Mapped[int] = mapped_column(default=3, server_default=text("3"))
    #: Booking ahead: how many days ahead a slot may be booked, how early
    #: before and how late after its start a booking may be checked in,
    #: and whether one phone number holds at most one booking per service
    #: and day.
    booking_horizon_days: Mapped[int] = mapped_column(default=14, server_default=text("14"))
    check_in_early_minutes: Mapped[int] = mapped_column(default=30, server_default=text("30"))
    check_in_late_minutes: Mapped[int] = mapped_column(default=15, server_default=text("15"))
    is_one_booking_per_phone: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )

    services: Mapped[list[Service]] = relationship(
        back_populates="office", order_by="Service.sort_order, Service.id"
    )
    counters: Mapped[list[Counter]] = relationship(
        back_populates="office", order_by="Counter.number"
    )


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Letters before the number on the ticket ("A" gives A012); may be empty.
    prefix: Mapped[str] = mapped_column(String(8), default="")
    number_start: Mapped[int] = mapped_column(default=1)
    number_end: Mapped[int] = mapped_column(default=999)
    #: After number_end numbering starts again at number_start (else stops).
    is_number_wrapping: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Tickets per day at most; None means no cap.
    daily_cap: Mapped[int | None] = mapped_column(default=None)
    #: Local "HH:MM" between which tickets are issued; None means all hours.
    issue_from: Mapped[str | None] = mapped_column(String(5), default=None)
    issue_until: Mapped[str | None] = mapped_column(String(5), default=None)
    #: Minutes within which a ticket should be called (the service level).
    target_wait_minutes: Mapped[int] = mapped_column(default=15)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: Documents to bring, one per line.
    documents: Mapped[str] = mapped_column(Text, default="")
    documents_en: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str] = mapped_column(String(200), default="")
    group_name_en: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    #: Booking ahead: the length of a slot (0: the service takes no
    #: bookings) and how many bookings one slot holds.
    slot_minutes: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    slot_capacity: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    office: Mapped[Office] = relationship(back_populates="services")


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default=COUNTER_CLOSED)
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    state_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    current_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", use_alter=True, name="fk_counters_current_ticket"),
        default=None,
    )
    #: Normal tickets called here since the last priority one (priority ratio).
    normal_streak: Mapped[int] = mapped_column(default=0)
    #: The last sign of the clerk's terminal working this counter; None
    #: while a keypad or an API client works it (they stay until paused).
    terminal_seen_at: Mapped[datetime | None] = mapped_column(default=None)

    office: Mapped[Office] = relationship(back_populates="counters")
    service_links: Mapped[list[CounterService]] = relationship(
        back_populates="counter",
        order_by="CounterService.preference",
        cascade="all, delete-orphan",
    )
    current_ticket: Mapped[Ticket | None] = relationship(foreign_keys=[current_ticket_id])


class CounterService(Base):
    """A service a counter serves, with its preference (1 first)."""

    __tablename__ = "counter_services"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    #: Lower levels are called first; services on the same level share one
    #: first-come first-served line.
    preference: Mapped[int] = mapped_column(default=1)

    counter: Mapped[Counter] = relationship(back_populates="service_links")
    service: Mapped[Service] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default=ROLE_CLERK)
    #: None for a user of every office (an installation's administrator).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), default=None)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class NumberCounter(Base):
    """The last sequence handed out per office, service and service day.

    Issuing increments it with one atomic upsert, so numbers stay gap-free:
    a failed issue rolls the increment back with everything else.
    """

    __tablename__ = "number_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    """One leg of a citizen's visit; a transfer starts a new leg, same code."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Sequences are unique per office, service and day for first legs;
        # transfer legs repeat their parent's number in another queue.
        Index(
            "uq_tickets_sequence",
            "office_id",
            "service_id",
            "service_day",
            "sequence",
            unique=True,
            sqlite_where=text("parent_id IS NULL"),
            postgresql_where=text("parent_id IS NULL"),
        ),
        Index("ix_tickets_queue", "office_id", "state", "service_id"),
        Index("ix_tickets_day", "office_id", "service_day"),
        Index("ix_tickets_issued_at", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    #: The local date (office timezone) the ticket was first issued on.
    service_day: Mapped[date] = mapped_column(Date)
    #: 1, 2, 3 ... per office, service and day, with no gaps.
    sequence: Mapped[int]
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default=PRIORITY_NONE)
    channel: Mapped[str] = mapped_column(String(16), default="kiosk")
    state: Mapped[str] = mapped_column(String(16), default=WAITING)
    issued_at: Mapped[datetime]
    #: Position in line: when the ticket (re)joined the queue.
    queued_at: Mapped[datetime]
    #: Goes before ordinary tickets of its queue (a transfer to the head).
    is_queue_head: Mapped[bool] = mapped_column(Boolean, default=False)
    first_called_at: Mapped[datetime | None] = mapped_column(default=None)
    last_called_at: Mapped[datetime | None] = mapped_column(default=None)
    call_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    no_show_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    parked_at: Mapped[datetime | None] = mapped_column(default=None)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), default=None)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None)
    #: Set on a leg transferred to one counter: only that counter calls it.
    reserved_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), default=None)
    #: False when the day-end closed the ticket: its times are not real.
    is_time_accurate: Mapped[bool] = mapped_column(Boolean, default=True)
    #: What started_at records: "start" (the clerk pressed Start) or "call"
    #: (finished without Start, in an office whose service starts at the
    #: call); None while not started, or finished untimed.
    service_timed_from: Mapped[str | None] = mapped_column(String(8), default=None)
    #: The holder's secret: whoever holds the printed ticket or its QR code
    #: reads, follows and rates the ticket with it. A transfer's new leg
    #: keeps it (the citizen still holds the same paper). Always set; the
    #: column allows NULL only so that SQLite could add it to a table that
    #: other tables refer to without rebuilding it.
    access_token: Mapped[str | None] = mapped_column(
        String(32), default=new_access_token, index=True
    )
    #: The leg's durations in whole milliseconds (rounded down), kept by
    #: :mod:`queueing.reports.legs` on every change: issue to first call,
    #: first call to start, start to finish (served or transferred legs),
    #: issue to the leg's end. None where the figure does not apply or the
    #: day end closed the leg (its times are not real).
    wait_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    walk_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    service_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)

    service: Mapped[Service] = relationship(lazy="joined")
    office: Mapped[Office] = relationship()
    counter: Mapped[Counter | None] = relationship(foreign_keys=[counter_id])


class ReportDay(Base):
    """A closed day of an office, packed for the reports.

    Written at day close and by the background loop for any closed day
    without a sound pack (:mod:`queueing.reports.packs`). A pack is sound
    while the day has seen no change since it was built (``built_from``
    equals the day's :class:`ReportDayChange` count), its layout is the
    current one and the services' targets are those it was built with.
    ``legs`` holds the day's legs as columns; the counts beside it let a
    comparison of offices add days up without opening them.
    """

    __tablename__ = "report_days"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: The day's change count when the pack was built.
    built_from: Mapped[int]
    #: The layout of ``legs``; a pack of another layout is rebuilt.
    layout: Mapped[int]
    #: The services' targets the pack's service level was counted against.
    targets: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime]
    legs: Mapped[bytes] = mapped_column(LargeBinary)
    leg_count: Mapped[int]
    issued: Mapped[int]
    served: Mapped[int]
    no_show: Mapped[int]
    #: Legs counted for the service level, and those called within target.
    counted: Mapped[int]
    within: Mapped[int]
    rating_count: Mapped[int]
    score_sum: Mapped[int]
    low_scores: Mapped[int]
    wait_count: Mapped[int]
    wait_sum_ms: Mapped[int] = mapped_column(BigInteger)


class ReportDayChange(Base):
    """How many times a past day's legs or ratings changed: a pack built
    before the last change is stale (see :class:`ReportDay`). Only days
    before the office's today are counted; today's legs are read live."""

    __tablename__ = "report_day_changes"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    changes: Mapped[int] = mapped_column(default=0)


BOOKED = "booked"
CHECKED_IN = "checked_in"
BOOKING_CANCELLED = "cancelled"
MISSED = "missed"
APPOINTMENT_STATES = (BOOKED, CHECKED_IN, BOOKING_CANCELLED, MISSED)


class Appointment(Base):
    """A slot booked ahead for a service; checked in, it becomes a ticket of
    channel ``booking``."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_slot", "service_id", "start"),
        Index("ix_appointments_day", "office_id", "service_day", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    #: The booking code: typed or scanned at the kiosk (see queueing.booking).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: The holder's secret for reading and cancelling it.
    access_token: Mapped[str] = mapped_column(String(32), default=new_access_token, index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    #: The office's local date of ``start``.
    service_day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=BOOKED)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None)
    created_at: Mapped[datetime]
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    missed_at: Mapped[datetime | None] = mapped_column(default=None)

    service: Mapped[Service] = relationship(lazy="joined")


class IdempotencyKey(Base):
    """A client's Idempotency-Key and the ticket it issued, kept 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who sent it: "token:<id>" or "addr:<address>".
    client: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    #: The request it answered, so that reusing a key for another is refused.
    fingerprint: Mapped[str] = mapped_column(String(200))
    #: What it answered: a ticket, or a booking.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), default=None)
    created_at: Mapped[datetime]


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    score: Mapped[int]
    #: Ticked low-score reasons ("long_wait", "attitude", ...).
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), default=None)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class Event(Base):
    """The append-only log: one row per action, never updated or deleted."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_office_time", "office_id", "created_at"),
        # The office's newest event, which says whether its line changed.
        Index("ix_events_office_id", "office_id", "id"),
        Index("ix_events_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    #: Who did it: "user:3", "token:7", "kiosk:2", "public" or "system".
    actor: Mapped[str] = mapped_column(String(64), default="system")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), default=None)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Kiosk(Base):
    """A ticket kiosk of an office, with its own printer."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(200))
    #: tcp://HOST:PORT, usb://VENDOR:PRODUCT, serial:///dev/..., file:///...,
    #: none; empty means the installation's default (LUOT_PRINTER).
    printer_url: Mapped[str] = mapped_column(String(300), default="")
    #: 576 for 80 mm paper, 384 for 58 mm.
    paper_width_dots: Mapped[int] = mapped_column(default=576)
    #: SHA-256 of the key that registers a kiosk PC's browser as this kiosk
    #: (a registered kiosk is not rate limited); None until one is made.
    key_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


NUMBER_READINGS = ("digits", "number")
DISPLAY_LANGUAGES = ("vi", "en", "vi_en")
#: A display's loudspeaker: playing ("ok"), refused by the browser until
#: someone touches the screen ("blocked"), or turned off in the admin screens.
SOUND_OK = "ok"
SOUND_BLOCKED = "blocked"
SOUND_OFF = "off"
SOUND_STATES = (SOUND_OK, SOUND_BLOCKED, SOUND_OFF)


class Display(Base):
    """A waiting-room screen, possibly limited to some counters (one floor)."""

    __tablename__ = "displays"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(200))
    #: Counter ids shown and announced here; empty means every counter.
    counter_ids: Mapped[list[Any]] = mapped_column(default=list)
    #: Announcement language: "vi", "en", or "vi_en" (Vietnamese then English).
    language: Mapped[str] = mapped_column(String(8), default="vi")
    is_voice_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: "digits" reads 1025 as một-không-hai-năm, "number" as a number.
    number_reading: Mapped[str] = mapped_column(String(8), default="digits")
    #: The device's own speech voice the admin chose for the calls, by its
    #: name; empty means the bundled clips.
    speech_voice: Mapped[str] = mapped_column(String(200), default="")
    #: What the display last said of its loudspeaker: one of SOUND_STATES, or
    #: None before its first report.
    sound_state: Mapped[str | None] = mapped_column(String(16), default=None)
    #: The voice the display speaks with now: a speech voice's name, or empty
    #: for the bundled clips.
    voice_in_use: Mapped[str] = mapped_column(String(200), default="")
    #: The speech voices in its announcement language(s) the display has.
    available_voices: Mapped[list[Any]] = mapped_column(default=list)
    #: When the display last reported; silent for long means nothing shows.
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class UserOffice(Base):
    """An office a supervisor oversees; a supervisor works in these only."""

    __tablename__ = "user_offices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)


class VoiceClip(Base):
    """One clip of an office's own recorded voice (see ``voice/recording.py``).

    A clip has at most one draft (the newest take, heard only in the admin
    screens) and one published take (played by the office's displays);
    publishing turns every draft into the published take of its clip.
    Clips without a published take are played from the bundled set.
    """

    __tablename__ = "voice_clips"
    __table_args__ = (UniqueConstraint("office_id", "name", "is_published"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    #: The clip's name in ``voice.clips``, e.g. "vi/digit_5".
    name: Mapped[str] = mapped_column(String(64))
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 16-bit mono PCM WAV, trimmed and normalised.
    audio: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of ``audio``, hex: versions the clip's public URL.
    digest: Mapped[str] = mapped_column(String(64))
    duration_ms: Mapped[int]
    recorded_at: Mapped[datetime]
    #: Who recorded it, as in the event log ("user:3").
    recorded_by: Mapped[str] = mapped_column(String(64), default="system")

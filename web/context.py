"""The app's database, clock and public links, for code running in a request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from flask import current_app, has_request_context, request

from queueing.database import Database
from queueing.models import Event

T = TypeVar("T")


def database() -> Database:
    db: Database = current_app.extensions["luot.database"]
    return db


def now() -> datetime:
    """The server's clock: every time in Luot is the server's, never a client's."""
    clock: Callable[[], datetime] = current_app.config.get("LUOT_CLOCK") or (
        lambda: datetime.now(UTC)
    )
    return clock()


def public_base_url() -> str:
    configured: str = current_app.config.get("LUOT_PUBLIC_URL", "")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return ""


def status_url(access_token: str) -> str:
    """The citizen's live page of a ticket (the QR code's target): reached
    with the holder's token, never by the ticket's id."""
    return f"{public_base_url()}/t/{access_token}"


def booking_url(access_token: str) -> str:
    """The citizen's page of a booking, reached with the holder's token."""
    return f"{public_base_url()}/book/{access_token}"


class Publisher(Protocol):
    """What tells the screens about committed changes (``live.Publisher``,
    made at start-up and kept as ``app.extensions["luot.publisher"]``)."""

    def publish(self, events: list[Event], base_url: str) -> None: ...


def write(work: Callable[[Any], T]) -> T:
    """Run a use case in one transaction; publish its events after commit."""
    publisher: Publisher = current_app.extensions["luot.publisher"]
    base_url = public_base_url()

    def publish(events: list[Event]) -> None:
        # The change is committed: a failure to tell the screens must not
        # turn it into an error for the caller. Screens re-sync on reconnect.
        try:
            publisher.publish(events, base_url)
        except Exception:
            current_app.logger.exception("publishing %d event(s) failed", len(events))

    return database().write(work, after_commit=publish)

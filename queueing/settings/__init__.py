"""The administrator's use cases: offices, services, counters, users, tokens,
kiosks and displays, one module each; :mod:`.common` holds the checks they
share.

Each runs inside the caller's transaction, validates everything before it
changes anything (an :class:`~queueing.errors.Invalid` or
:class:`~queueing.errors.WrongState` leaves the database as it was), and
records one event with who acted and what changed. Recording an event is also
what takes a change live: every committed event makes the office's screens
receive a fresh ``queue_changed``.

Callers use the package: ``settings.create_service(...)``.
"""

from .common import (
    CLOCK_PATTERN,
    CODE_PATTERN,
    NAME_MAX,
    TEXT_MAX,
    TICKER_MAX,
    PrinterUrlCheck,
    get_in_office,
)
from .counters import create_counter, update_counter
from .devices import (
    PAPER_WIDTHS,
    create_display,
    create_kiosk,
    record_test_print,
    update_display,
    update_kiosk,
)
from .offices import (
    OFFICE_FIELDS,
    OFFICE_LIMITS,
    check_holidays,
    check_opening_hours,
    create_office,
    update_office,
)
from .services import (
    SERVICE_CLOCKS,
    SERVICE_FIELDS,
    SERVICE_FLAGS,
    SERVICE_LIMITS,
    SERVICE_NUMBERS,
    SERVICE_TEXTS,
    create_service,
    services_without_counter,
    update_service,
)
from .users import create_token, create_user, reset_password, revoke_token, update_user

__all__ = [
    "CLOCK_PATTERN",
    "CODE_PATTERN",
    "NAME_MAX",
    "OFFICE_FIELDS",
    "OFFICE_LIMITS",
    "PAPER_WIDTHS",
    "SERVICE_CLOCKS",
    "SERVICE_FIELDS",
    "SERVICE_FLAGS",
    "SERVICE_LIMITS",
    "SERVICE_NUMBERS",
    "SERVICE_TEXTS",
    "TEXT_MAX",
    "TICKER_MAX",
    "PrinterUrlCheck",
    "check_holidays",
    "check_opening_hours",
    "create_counter",
    "create_display",
    "create_kiosk",
    "create_office",
    "create_service",
    "create_token",
    "create_user",
    "get_in_office",
    "record_test_print",
    "reset_password",
    "revoke_token",
    "services_without_counter",
    "update_counter",
    "update_display",
    "update_kiosk",
    "update_office",
    "update_service",
    "update_user",
]

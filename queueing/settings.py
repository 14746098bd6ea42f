"""The administrator's use cases: offices, services, counters, users, tokens,
kiosks and displays.

Each runs inside the caller's transaction, validates everything before it
changes anything (an :class:`~queueing.errors.Invalid` or
:class:`~queueing.errors.WrongState` leaves the database as it was), and
records one event with who acted and what changed. Recording an event is also
what takes a change live: every committed event makes the office's screens
receive a fresh ``queue_changed``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from . import accounts
from .errors import Invalid, NotFound, WrongState
from .models import (
    DISPLAY_LANGUAGES,
    NUMBER_READINGS,
    ROLE_ADMIN,
    ROLE_SUPERVISOR,
    ROLES,
    SERVICE_STARTS,
    ApiToken,
    Counter,
    CounterService,
    Display,
    Kiosk,
    Office,
    Service,
    User,
    UserOffice,
)
from .operations import Actor, get_office, record

#: Checks a printer URL; raises :class:`Invalid` when it is wrong. Given by
#: the caller so that the queue does not depend on the printing package.
PrinterUrlCheck = Callable[[str], None]

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PREFIX_PATTERN = re.compile(r"^[A-Z0-9]{0,8}$")
CLOCK_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PAPER_WIDTHS = (576, 384)
NAME_MAX = 200
TEXT_MAX = 4000
TICKER_MAX = 500
ADDRESS_MAX = 300
NUMBER_MAX = 999_999
#: Bounds of the office's numeric settings: (lowest, highest).
OFFICE_LIMITS = {
    "priority_ratio": (0, 20),
    "recall_limit": (0, 10),
    "no_show_return_minutes": (0, 480),
    "default_service_seconds": (30, 7200),
    "pause_alert_minutes": (1, 480),
    "terminal_grace_minutes": (1, 120),
    "booking_horizon_days": (0, 365),
    "check_in_early_minutes": (0, 240),
    "check_in_late_minutes": (0, 240),
}
#: Bounds of a service's booking settings: a slot of 0 minutes takes no bookings.
SERVICE_LIMITS = {"slot_minutes": (0, 480), "slot_capacity": (0, 1000)}


# -- checks ------------------------------------------------------------------------


def _text(value: Any, field: str, *, limit: int = NAME_MAX, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text", "invalid_field")
    text = value.strip()
    if required and not text:
        raise Invalid(f"{field} is required", f"{field}_required")
    if len(text) > limit:
        raise Invalid(f"{field} is longer than {limit} characters", f"{field}_too_long")
    return text


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number", "invalid_field")
    if not low <= value <= high:
        raise Invalid(f"{field} must be from {low} to {high}", f"{field}_out_of_range")
    return value


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", "invalid_field")
    return value


def _clock(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not CLOCK_PATTERN.match(value):
        raise Invalid(f"{field} must be a time as HH:MM", "invalid_time")
    return value


def check_opening_hours(value: Any) -> dict[str, list[list[str]]]:
    """Weekday ("0" = Monday … "6" = Sunday) → sorted, non-overlapping
    ["HH:MM", "HH:MM"] periods; weekdays without periods are closed."""
    if not isinstance(value, Mapping):
        raise Invalid("opening hours must map weekdays to periods", "invalid_opening_hours")
    result: dict[str, list[list[str]]] = {}
    for weekday, periods in value.items():
        if weekday not in {str(day) for day in range(7)}:
            raise Invalid(f"unknown weekday {weekday!r}", "invalid_opening_hours")
        checked = []
        for period in periods or []:
            if not isinstance(period, list | tuple) or len(period) != 2:
                raise Invalid("a period is [start, end]", "invalid_opening_hours")
            start, end = (_clock(part, "opening hours") for part in period)
            if start is None or end is None or start >= end:
                raise Invalid(
                    f"the period {period[0]}–{period[1]} must end after it starts",
                    "invalid_opening_hours",
                )
            checked.append([start, end])
        checked.sort()
        for earlier, later in pairwise(checked):
            if later[0] < earlier[1]:
                raise Invalid(
                    f"the periods {earlier[0]}–{earlier[1]} and {later[0]}–{later[1]} overlap",
                    "invalid_opening_hours",
                )
        if checked:
            result[weekday] = checked
    return dict(sorted(result.items()))


def check_holidays(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise Invalid("holidays must be a list of dates", "invalid_holidays")
    days = set()
    for item in value:
        try:
            days.add(date.fromisoformat(str(item)).isoformat())
        except ValueError:
            raise Invalid(f"{item!r} is not a date as YYYY-MM-DD", "invalid_holidays") from None
    return sorted(days)


def _timezone(value: Any) -> str:
    name = _text(value, "timezone", limit=64, required=True)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {name!r}", "unknown_timezone") from None
    return name


def _code(value: Any) -> str:
    code = _text(value, "code", limit=32, required=True)
    if not CODE_PATTERN.match(code):
        raise Invalid("a code has letters, digits, - and _ only", "invalid_code")
    return code


def _apply(target: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes; returns {field: [old, new]} of those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changes[name] = [old, value]
            setattr(target, name, value)
    return changes


def _unknown_fields(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}", "unknown_field")


# -- offices -------------------------------------------------------------------------

OFFICE_FIELDS = (
    "name",
    "name_en",
    "address",
    "timezone",
    "opening_hours",
    "holidays",
    "ticker_message",
    "is_transfer_to_head",
    "is_issuing_without_counter",
    "is_one_booking_per_phone",
    "service_starts_at",
    *OFFICE_LIMITS,
)


def _office_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    _unknown_fields(fields, (*OFFICE_FIELDS, "code"))
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "code":
            continue
        if name == "name":
            values[name] = _text(value, "name", required=True)
        elif name == "name_en":
            values[name] = _text(value, "name_en")
        elif name == "address":
            values[name] = _text(value, "address", limit=ADDRESS_MAX)
        elif name == "timezone":
            values[name] = _timezone(value)
        elif name == "opening_hours":
            values[name] = check_opening_hours(value)
        elif name == "holidays":
            values[name] = check_holidays(value)
        elif name == "ticker_message":
            values[name] = _text(value, "ticker_message", limit=TICKER_MAX)
        elif name in (
            "is_transfer_to_head",
            "is_issuing_without_counter",
            "is_one_booking_per_phone",
        ):
            values[name] = _flag(value, name)
        elif name == "service_starts_at":
            if value not in SERVICE_STARTS:
                raise Invalid(
                    f"service_starts_at must be one of {', '.join(SERVICE_STARTS)}",
                    "invalid_service_start",
                )
            values[name] = value
        else:
            low, high = OFFICE_LIMITS[name]
            values[name] = _whole(value, name, low, high)
    return values


def create_office(
    session: Session, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Office:
    code = _code(fields.get("code"))
    values = _office_values(fields)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    if session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise Invalid(f"the office code {code!r} is taken", "code_taken")
    office = Office(code=code, created_at=now, **values)
    session.add(office)
    session.flush()
    record(session, office.id, "office_created", now, actor, code=code, fields=_jsonable(values))
    return office


def update_office(
    session: Session, office_id: int, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Office:
    if "code" in fields:
        raise Invalid("an office keeps its code", "code_fixed")
    values = _office_values(fields)
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound("no such office", "office_not_found")
    changes = _apply(office, values)
    if changes:
        session.flush()
        record(session, office.id, "office_updated", now, actor, changes=_jsonable(changes))
    return office


# -- services --------------------------------------------------------------------------


def services_without_counter(session: Session, office_id: int) -> set[int]:
    """Active services of the office that no counter serves: nobody could
    ever call their tickets, so the admin screens warn about them."""
    served = select(CounterService.service_id).join(
        Counter, Counter.id == CounterService.counter_id
    )
    return set(
        session.scalars(
            select(Service.id).where(
                Service.office_id == office_id,
                Service.is_active.is_(True),
                Service.id.not_in(served.where(Counter.office_id == office_id)),
            )
        )
    )


SERVICE_FIELDS = (
    "code",
    "name",
    "name_en",
    "prefix",
    "number_start",
    "number_end",
    "is_number_wrapping",
    "daily_cap",
    "issue_from",
    "issue_until",
    "target_wait_minutes",
    "description",
    "description_en",
    "documents",
    "documents_en",
    "group_name",
    "group_name_en",
    "is_active",
    "sort_order",
    *SERVICE_LIMITS,
)


def _service_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    _unknown_fields(fields, SERVICE_FIELDS)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "code":
            values[name] = _code(value)
        elif name == "name":
            values[name] = _text(value, "name", required=True)
        elif name in ("name_en", "group_name", "group_name_en"):
            values[name] = _text(value, name)
        elif name in ("description", "description_en", "documents", "documents_en"):
            values[name] = _text(value, name, limit=TEXT_MAX)
        elif name == "prefix":
            prefix = _text(value, "prefix", limit=8).upper()
            if not PREFIX_PATTERN.match(prefix):
                raise Invalid("a prefix has letters A–Z and digits only", "invalid_prefix")
            values[name] = prefix
        elif name in ("number_start", "number_end"):
            values[name] = _whole(value, name, 0, NUMBER_MAX)
        elif name in ("is_number_wrapping", "is_active"):
            values[name] = _flag(value, name)
        elif name == "daily_cap":
            values[name] = None if value is None else _whole(value, name, 1, NUMBER_MAX)
        elif name in ("issue_from", "issue_until"):
            values[name] = _clock(value, name)
        elif name == "target_wait_minutes":
            values[name] = _whole(value, name, 1, 600)
        elif name == "sort_order":
            values[name] = _whole(value, name, -10_000, 10_000)
        elif name in SERVICE_LIMITS:
            low, high = SERVICE_LIMITS[name]
            values[name] = _whole(value, name, low, high)
    return values


def _check_service(service: Service) -> None:
    if service.number_end <= service.number_start:
        raise Invalid("the last number must be above the first", "invalid_number_range")
    if service.issue_from and service.issue_until and service.issue_from >= service.issue_until:
        raise Invalid("issuing must end after it starts", "invalid_issuing_hours")


def _code_taken(session: Session, office_id: int, code: str, service_id: int | None) -> bool:
    statement = select(Service.id).where(Service.office_id == office_id, Service.code == code)
    if service_id is not None:
        statement = statement.where(Service.id != service_id)
    return session.scalar(statement) is not None


def create_service(
    session: Session, office_id: int, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Service:
    values = _service_values(fields)
    for required in ("code", "name"):
        if required not in values:
            raise Invalid(f"{required} is required", f"{required}_required")
    get_office(session, office_id)
    if _code_taken(session, office_id, values["code"], None):
        raise Invalid(f"the service code {values['code']!r} is taken", "code_taken")
    if "sort_order" not in values:
        highest = session.scalar(
            select(func.max(Service.sort_order)).where(Service.office_id == office_id)
        )
        values["sort_order"] = (highest or 0) + 1
    # The defaults of the model are set explicitly, so the checks below see them.
    service = Service(
        office_id=office_id,
        **{
            "name_en": "",
            "prefix": "",
            "number_start": 1,
            "number_end": 999,
            "is_number_wrapping": True,
            "daily_cap": None,
            "issue_from": None,
            "issue_until": None,
            "target_wait_minutes": 15,
            "is_active": True,
            **values,
        },
    )
    _check_service(service)
    session.add(service)
    session.flush()
    record(
        session,
        office_id,
        "service_created",
        now,
        actor,
        service=service.code,
        fields=_jsonable(values),
    )
    return service


def update_service(
    session: Session,
    office_id: int,
    service_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> Service:
    values = _service_values(fields)
    service = session.get(Service, service_id)
    if service is None or service.office_id != office_id:
        raise NotFound("no such service in this office", "service_not_found")
    if "code" in values and _code_taken(session, office_id, values["code"], service.id):
        raise Invalid(f"the service code {values['code']!r} is taken", "code_taken")
    # Checked on a copy first: a failed check must leave the row untouched.
    proposed = {
        "number_start": service.number_start,
        "number_end": service.number_end,
        "issue_from": service.issue_from,
        "issue_until": service.issue_until,
    }
    proposed.update({key: values[key] for key in proposed if key in values})
    _check_service(Service(**proposed))
    changes = _apply(service, values)
    if changes:
        session.flush()
        record(
            session,
            office_id,
            "service_updated",
            now,
            actor,
            service=service.code,
            changes=_jsonable(changes),
        )
    return service


# -- counters ------------------------------------------------------------------------------


def _counter_services(
    session: Session, office_id: int, services: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(service id, preference) pairs, checked against the office."""
    pairs = list(services)
    ids = [service_id for service_id, _ in pairs]
    if len(set(ids)) != len(ids):
        raise Invalid("a service is listed twice", "duplicate_service")
    known = set(
        session.scalars(
            select(Service.id).where(Service.office_id == office_id, Service.id.in_(ids))
        )
    )
    for service_id, preference in pairs:
        if service_id not in known:
            raise Invalid("no such service in this office", "unknown_service")
        _whole(preference, "preference", 1, 9)
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def _counter_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    _unknown_fields(fields, ("number", "name", "services"))
    values: dict[str, Any] = {}
    if "number" in fields:
        values["number"] = _whole(fields["number"], "number", 1, 999)
    if "name" in fields:
        values["name"] = _text(fields["name"], "name")
    return values


def _set_links(counter: Counter, pairs: list[tuple[int, int]]) -> dict[str, list[Any]]:
    old = [[link.service_id, link.preference] for link in counter.service_links]
    new = [[service_id, preference] for service_id, preference in pairs]
    if sorted(old) == sorted(new):
        return {}
    existing = {link.service_id: link for link in counter.service_links}
    links = []
    for service_id, preference in pairs:
        link = existing.get(service_id) or CounterService(service_id=service_id)
        link.preference = preference
        links.append(link)
    counter.service_links = links
    return {"services": [old, new]}


def create_counter(
    session: Session,
    office_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> Counter:
    values = _counter_values(fields)
    if "number" not in values:
        raise Invalid("number is required", "number_required")
    get_office(session, office_id)
    pairs = _counter_services(session, office_id, fields.get("services", []))
    _check_counter_number(session, office_id, values["number"], None)
    counter = Counter(office_id=office_id, name=values.get("name", ""), number=values["number"])
    counter.service_links = [
        CounterService(service_id=service_id, preference=preference)
        for service_id, preference in pairs
    ]
    session.add(counter)
    session.flush()
    record(
        session,
        office_id,
        "counter_created",
        now,
        actor,
        counter_id=counter.id,
        number=counter.number,
        name=counter.name,
        services=[[service_id, preference] for service_id, preference in pairs],
    )
    return counter


def update_counter(
    session: Session,
    office_id: int,
    counter_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> Counter:
    values = _counter_values(fields)
    counter = session.get(Counter, counter_id)
    if counter is None or counter.office_id != office_id:
        raise NotFound("no such counter in this office", "counter_not_found")
    pairs = (
        _counter_services(session, office_id, fields["services"]) if "services" in fields else None
    )
    if "number" in values:
        _check_counter_number(session, office_id, values["number"], counter.id)
    changes = _apply(counter, values)
    if pairs is not None:
        changes.update(_set_links(counter, pairs))
    if changes:
        session.flush()
        record(
            session,
            office_id,
            "counter_updated",
            now,
            actor,
            counter_id=counter.id,
            changes=_jsonable(changes),
        )
    return counter


def _check_counter_number(
    session: Session, office_id: int, number: int, counter_id: int | None
) -> None:
    statement = select(Counter.id).where(Counter.office_id == office_id, Counter.number == number)
    if counter_id is not None:
        statement = statement.where(Counter.id != counter_id)
    if session.scalar(statement) is not None:
        raise Invalid(f"counter number {number} is taken", "number_taken")


# -- users and tokens ------------------------------------------------------------------------


def _role_and_office(session: Session, role: Any, office_id: Any) -> tuple[str, int | None]:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", "unknown_role")
    if role == ROLE_SUPERVISOR:
        # No office of their own: the offices they oversee are assigned.
        return role, None
    if office_id is not None:
        get_office(session, office_id)
    elif role != ROLE_ADMIN:
        raise Invalid("a clerk or a manager belongs to an office", "office_required")
    return role, office_id


#: Ids beyond this are no row's (and PostgreSQL refuses to compare them).
_LARGEST_ID = 2**31 - 1


def _supervised(session: Session, role: str, office_ids: Any) -> list[int]:
    """The offices assigned to a supervisor, sorted: at least one, each an
    office that exists. Other roles are assigned none."""
    if office_ids is None:
        office_ids = []
    if not isinstance(office_ids, list | tuple | set | frozenset) or not all(
        isinstance(each, int) and not isinstance(each, bool) for each in office_ids
    ):
        raise Invalid("office_ids must be a list of office ids", "invalid_field")
    wanted = sorted(set(office_ids))
    if role != ROLE_SUPERVISOR:
        if wanted:
            raise Invalid("only a supervisor oversees offices", "offices_not_for_role")
        return []
    if not wanted:
        raise Invalid("a supervisor oversees at least one office", "offices_required")
    known = set(
        session.scalars(
            select(Office.id).where(Office.id.in_([i for i in wanted if 0 < i <= _LARGEST_ID]))
        )
    )
    unknown = [each for each in wanted if each not in known]
    if unknown:
        raise Invalid(f"no office with id {unknown[0]}", "office_not_found")
    return wanted


def _assign_offices(session: Session, user_id: int, office_ids: list[int]) -> None:
    """Make the supervisor's assigned offices exactly ``office_ids``."""
    current = accounts.assigned_offices(session, user_id)
    gone = current - set(office_ids)
    if gone:
        session.execute(
            delete(UserOffice).where(UserOffice.user_id == user_id, UserOffice.office_id.in_(gone))
        )
    session.add_all(
        UserOffice(user_id=user_id, office_id=each) for each in office_ids if each not in current
    )
    session.flush()


def _logging_offices(office_id: int, supervised: Iterable[int]) -> list[int]:
    """The offices whose log records a change of a user: the user's own (or,
    for a user without one, where the administrator acted), and every office
    that the change gave a supervisor or took one from."""
    return sorted({office_id, *supervised})


def create_user(
    session: Session,
    context_office_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> User:
    """A new user; ``context_office_id`` is the office whose log records it
    (an administrator of every office has none of their own)."""
    _unknown_fields(
        fields, ("username", "password", "role", "office_id", "office_ids", "display_name")
    )
    role, office_id = _role_and_office(session, fields.get("role"), fields.get("office_id"))
    supervised = _supervised(session, role, fields.get("office_ids"))
    user = accounts.create_user(
        session,
        _text(fields.get("username"), "username", limit=80, required=True),
        str(fields.get("password") or ""),
        role,
        now,
        office_id=office_id,
        display_name=_text(fields.get("display_name"), "display_name"),
    )
    details: dict[str, Any] = {
        "user_id": user.id,
        "username": user.username,
        "role": role,
        "user_office_id": office_id,
    }
    if role != ROLE_SUPERVISOR:
        record(session, office_id or context_office_id, "user_created", now, actor, **details)
        return user
    _assign_offices(session, user.id, supervised)
    for each in _logging_offices(context_office_id, supervised):
        record(session, each, "user_created", now, actor, **details, office_ids=supervised)
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user", "user_not_found")
    return user


def _is_self(actor: Actor, user: User) -> bool:
    return actor.label == f"user:{user.id}"


def update_user(
    session: Session,
    context_office_id: int,
    user_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> User:
    _unknown_fields(fields, ("role", "office_id", "office_ids", "display_name", "is_active"))
    user = _user(session, user_id)
    before = sorted(accounts.assigned_offices(session, user.id))
    supervised = before
    values: dict[str, Any] = {}
    if "role" in fields or "office_id" in fields or "office_ids" in fields:
        role, office_id = _role_and_office(
            session, fields.get("role", user.role), fields.get("office_id", user.office_id)
        )
        values.update(role=role, office_id=office_id)
        # A supervisor keeps their offices unless new ones are given; any
        # other role oversees none.
        kept = before if role == ROLE_SUPERVISOR else []
        supervised = _supervised(session, role, fields.get("office_ids", kept))
    if "display_name" in fields:
        values["display_name"] = _text(fields["display_name"], "display_name") or user.username
    if "is_active" in fields:
        values["is_active"] = _flag(fields["is_active"], "is_active")
    if _is_self(actor, user) and (
        values.get("is_active") is False or values.get("role", user.role) != user.role
    ):
        raise WrongState("you cannot deactivate yourself or change your own role", "own_account")
    changes = _apply(user, values)
    if supervised != before:
        changes["office_ids"] = [before, supervised]
        _assign_offices(session, user.id, supervised)
    if changes:
        session.flush()
        kind = "user_updated"
        if set(changes) == {"is_active"}:
            kind = "user_activated" if user.is_active else "user_deactivated"
        gained_or_lost = set(before) ^ set(supervised)
        for each in _logging_offices(user.office_id or context_office_id, gained_or_lost):
            record(
                session,
                each,
                kind,
                now,
                actor,
                user_id=user.id,
                username=user.username,
                changes=_jsonable(changes),
            )
    return user


def reset_password(
    session: Session,
    context_office_id: int,
    user_id: int,
    password: str,
    now: datetime,
    actor: Actor,
) -> User:
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {accounts.MIN_PASSWORD_LENGTH} characters",
            "password_too_short",
        )
    user = _user(session, user_id)
    user.password_hash = generate_password_hash(password)
    session.flush()
    # The log says that it changed, never what it became.
    record(
        session,
        user.office_id or context_office_id,
        "password_reset",
        now,
        actor,
        user_id=user.id,
        username=user.username,
    )
    return user


def create_token(
    session: Session,
    context_office_id: int,
    name: str,
    role: str,
    office_id: int | None,
    now: datetime,
    actor: Actor,
) -> tuple[ApiToken, str]:
    """A new API token and the token itself, to be shown once."""
    name = _text(name, "name", required=True)
    accounts.check_token_role(role)
    if office_id is not None:
        get_office(session, office_id)
    row, token = accounts.create_token(session, name, role, now, office_id=office_id)
    record(
        session,
        office_id or context_office_id,
        "token_created",
        now,
        actor,
        token_id=row.id,
        name=name,
        role=role,
        token_office_id=office_id,
    )
    return row, token


def revoke_token(
    session: Session, context_office_id: int, token_id: int, now: datetime, actor: Actor
) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token", "token_not_found")
    if row.revoked_at is not None:
        raise WrongState("this token is already revoked", "already_revoked")
    accounts.revoke_token(session, token_id, now)
    session.flush()
    record(
        session,
        row.office_id or context_office_id,
        "token_revoked",
        now,
        actor,
        token_id=row.id,
        name=row.name,
    )
    return row


# -- kiosks and displays ------------------------------------------------------------------


def _kiosk_values(fields: Mapping[str, Any], check_printer_url: PrinterUrlCheck) -> dict[str, Any]:
    _unknown_fields(fields, ("name", "printer_url", "paper_width_dots", "is_active"))
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _text(fields["name"], "name", required=True)
    if "printer_url" in fields:
        url = _text(fields["printer_url"], "printer_url", limit=300)
        check_printer_url(url)
        values["printer_url"] = url
    if "paper_width_dots" in fields:
        if fields["paper_width_dots"] not in PAPER_WIDTHS:
            raise Invalid("the paper is 576 (80 mm) or 384 (58 mm) dots wide", "invalid_paper")
        values["paper_width_dots"] = fields["paper_width_dots"]
    if "is_active" in fields:
        values["is_active"] = _flag(fields["is_active"], "is_active")
    return values


def create_kiosk(
    session: Session,
    office_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
    *,
    check_printer_url: PrinterUrlCheck,
) -> Kiosk:
    values = _kiosk_values(fields, check_printer_url)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    get_office(session, office_id)
    kiosk = Kiosk(office_id=office_id, created_at=now, **values)
    session.add(kiosk)
    session.flush()
    record(
        session, office_id, "kiosk_created", now, actor, kiosk_id=kiosk.id, fields=_jsonable(values)
    )
    return kiosk


def update_kiosk(
    session: Session,
    office_id: int,
    kiosk_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
    *,
    check_printer_url: PrinterUrlCheck,
) -> Kiosk:
    values = _kiosk_values(fields, check_printer_url)
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.office_id != office_id:
        raise NotFound("no such kiosk in this office", "kiosk_not_found")
    changes = _apply(kiosk, values)
    if changes:
        session.flush()
        record(
            session,
            office_id,
            "kiosk_updated",
            now,
            actor,
            kiosk_id=kiosk.id,
            changes=_jsonable(changes),
        )
    return kiosk


def record_test_print(
    session: Session,
    office_id: int,
    kiosk_id: int,
    now: datetime,
    actor: Actor,
    *,
    printer: str,
    error: str | None,
) -> None:
    """Log a test print from the admin screens, successful or not."""
    record(
        session,
        office_id,
        "test_printed" if error is None else "test_print_failed",
        now,
        actor,
        kiosk_id=kiosk_id,
        printer=printer,
        error=error,
    )


def _display_values(
    session: Session,
    office_id: int,
    fields: Mapping[str, Any],
    display: Display | None = None,
) -> dict[str, Any]:
    _unknown_fields(
        fields,
        ("name", "counter_ids", "language", "is_voice_enabled", "number_reading", "speech_voice"),
    )
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _text(fields["name"], "name", required=True)
    if "counter_ids" in fields:
        ids = fields["counter_ids"]
        if not isinstance(ids, list | tuple) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in ids
        ):
            raise Invalid("counters must be a list of counter ids", "invalid_field")
        known = set(
            session.scalars(
                select(Counter.id).where(Counter.office_id == office_id, Counter.id.in_(ids))
            )
        )
        if set(ids) - known:
            raise Invalid("no such counter in this office", "unknown_counter")
        values["counter_ids"] = sorted(set(ids))
    if "language" in fields:
        if fields["language"] not in DISPLAY_LANGUAGES:
            raise Invalid("the language is vi, en or vi_en", "unknown_language")
        values["language"] = fields["language"]
    if "is_voice_enabled" in fields:
        values["is_voice_enabled"] = _flag(fields["is_voice_enabled"], "is_voice_enabled")
    if "number_reading" in fields:
        if fields["number_reading"] not in NUMBER_READINGS:
            raise Invalid("numbers are read as digits or as a number", "unknown_reading")
        values["number_reading"] = fields["number_reading"]
    if "speech_voice" in fields:
        values["speech_voice"] = _speech_voice(fields["speech_voice"], display)
    return values


def _speech_voice(value: Any, display: Display | None) -> str:
    """Empty (the bundled clips), the voice already chosen, or one of the
    voices the display reported: a voice the device lacks would never speak."""
    if value == "":
        return ""
    offered = set(display.available_voices or []) | {display.speech_voice} if display else set()
    if not isinstance(value, str) or value not in offered:
        raise Invalid("the display has not reported that voice", "unknown_voice")
    return value


def create_display(
    session: Session, office_id: int, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Display:
    get_office(session, office_id)
    values = _display_values(session, office_id, fields)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    display = Display(office_id=office_id, created_at=now, **values)
    session.add(display)
    session.flush()
    record(
        session,
        office_id,
        "display_created",
        now,
        actor,
        display_id=display.id,
        fields=_jsonable(values),
    )
    return display


def update_display(
    session: Session,
    office_id: int,
    display_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> Display:
    display = session.get(Display, display_id)
    if display is None or display.office_id != office_id:
        raise NotFound("no such display in this office", "display_not_found")
    values = _display_values(session, office_id, fields, display)
    changes = _apply(display, values)
    if changes:
        session.flush()
        record(
            session,
            office_id,
            "display_updated",
            now,
            actor,
            display_id=display.id,
            changes=_jsonable(changes),
        )
    return display


# -- helpers -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Values as the JSON event log can hold them."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value

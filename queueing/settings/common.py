"""What every setting's use cases share: the checks of a value, applying
changes to a row, and values as the event log holds them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..operations import Actor, record

Row = TypeVar("Row")

#: Checks a printer URL; raises :class:`Invalid` when it is wrong. Given by
#: the caller so that the queue does not depend on the printing package.
PrinterUrlCheck = Callable[[str], None]

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PREFIX_PATTERN = re.compile(r"^[A-Z0-9]{0,8}$")
CLOCK_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NAME_MAX = 200
TEXT_MAX = 4000
TICKER_MAX = 500
ADDRESS_MAX = 300
NUMBER_MAX = 999_999


def check_text(value: Any, field: str, *, limit: int = NAME_MAX, required: bool = False) -> str:
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


def check_whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number", "invalid_field")
    if not low <= value <= high:
        raise Invalid(f"{field} must be from {low} to {high}", f"{field}_out_of_range")
    return value


def check_flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", "invalid_field")
    return value


def check_clock(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not CLOCK_PATTERN.match(value):
        raise Invalid(f"{field} must be a time as HH:MM", "invalid_time")
    return value


def check_timezone(value: Any) -> str:
    name = check_text(value, "timezone", limit=64, required=True)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {name!r}", "unknown_timezone") from None
    return name


def check_code(value: Any) -> str:
    code = check_text(value, "code", limit=32, required=True)
    if not CODE_PATTERN.match(code):
        raise Invalid("a code has letters, digits, - and _ only", "invalid_code")
    return code


def apply_changes(target: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes; returns {field: [old, new]} of those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changes[name] = [old, value]
            setattr(target, name, value)
    return changes


def get_in_office(
    session: Session, model: type[Row], row_id: int, office_id: int, what: str
) -> Row:
    """The office's row of ``model`` with that id; any other office's is not
    found, just like a missing one (``what_not_found``)."""
    row = session.get(model, row_id)
    if row is None or getattr(row, "office_id", None) != office_id:
        raise NotFound(f"no such {what} in this office", f"{what}_not_found")
    return row


def record_changes(
    session: Session,
    office_id: int,
    kind: str,
    now: datetime,
    actor: Actor,
    changes: dict[str, list[Any]],
    **about: Any,
) -> None:
    """Log an update with its changes ({field: [old, new]}), if it changed
    anything: an update that changes nothing leaves no event."""
    if changes:
        session.flush()
        record(session, office_id, kind, now, actor, **about, changes=jsonable(changes))


def refuse_unknown_fields(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}", "unknown_field")


def jsonable(value: Any) -> Any:
    """Values as the JSON event log can hold them."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value

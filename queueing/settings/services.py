"""An office's services: numbering, issuing hours, texts and booking slots."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import Counter, CounterService, Service
from ..operations import Actor, get_office, record
from .common import (
    NAME_MAX,
    NUMBER_MAX,
    PREFIX_PATTERN,
    TEXT_MAX,
    apply_changes,
    check_clock,
    check_code,
    check_flag,
    check_text,
    check_whole,
    get_in_office,
    jsonable,
    record_changes,
    refuse_unknown_fields,
)

#: Bounds of a service's booking settings: a slot of 0 minutes takes no bookings.
SERVICE_LIMITS = {"slot_minutes": (0, 480), "slot_capacity": (0, 1000)}


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


#: A service's optional texts, by their longest length; empty when not given.
SERVICE_TEXTS = {
    "name_en": NAME_MAX,
    "description": TEXT_MAX,
    "description_en": TEXT_MAX,
    "documents": TEXT_MAX,
    "documents_en": TEXT_MAX,
    "group_name": NAME_MAX,
    "group_name_en": NAME_MAX,
}
#: A service's whole numbers, by their bounds: (lowest, highest).
SERVICE_NUMBERS = {
    "number_start": (0, NUMBER_MAX),
    "number_end": (0, NUMBER_MAX),
    "target_wait_minutes": (1, 600),
    "sort_order": (-10_000, 10_000),
    **SERVICE_LIMITS,
}
SERVICE_FLAGS = ("is_number_wrapping", "is_active")
#: Issuing hours, as HH:MM; none when not given.
SERVICE_CLOCKS = ("issue_from", "issue_until")
#: Every field a service's use cases take: the admin's form posts these.
SERVICE_FIELDS = (
    "code",
    "name",
    "prefix",
    "daily_cap",
    *SERVICE_TEXTS,
    *SERVICE_NUMBERS,
    *SERVICE_FLAGS,
    *SERVICE_CLOCKS,
)


def _service_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(fields, SERVICE_FIELDS)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "code":
            values[name] = check_code(value)
        elif name == "name":
            values[name] = check_text(value, "name", required=True)
        elif name in SERVICE_TEXTS:
            values[name] = check_text(value, name, limit=SERVICE_TEXTS[name])
        elif name == "prefix":
            prefix = check_text(value, "prefix", limit=8).upper()
            if not PREFIX_PATTERN.match(prefix):
                raise Invalid("a prefix has letters A–Z and digits only", "invalid_prefix")
            values[name] = prefix
        elif name in SERVICE_FLAGS:
            values[name] = check_flag(value, name)
        elif name == "daily_cap":
            values[name] = None if value is None else check_whole(value, name, 1, NUMBER_MAX)
        elif name in SERVICE_CLOCKS:
            values[name] = check_clock(value, name)
        else:
            low, high = SERVICE_NUMBERS[name]
            values[name] = check_whole(value, name, low, high)
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
        fields=jsonable(values),
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
    service = get_in_office(session, Service, service_id, office_id, "service")
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
    changes = apply_changes(service, values)
    record_changes(session, office_id, "service_updated", now, actor, changes, service=service.code)
    return service

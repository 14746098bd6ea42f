"""An office's counters and the services each serves, by preference."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import Counter, CounterService, Service
from ..operations import Actor, get_office, record
from .common import (
    apply_changes,
    check_text,
    check_whole,
    get_in_office,
    record_changes,
    refuse_unknown_fields,
)


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
        check_whole(preference, "preference", 1, 9)
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def _counter_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(fields, ("number", "name", "services"))
    values: dict[str, Any] = {}
    if "number" in fields:
        values["number"] = check_whole(fields["number"], "number", 1, 999)
    if "name" in fields:
        values["name"] = check_text(fields["name"], "name")
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
    counter = get_in_office(session, Counter, counter_id, office_id, "counter")
    pairs = (
        _counter_services(session, office_id, fields["services"]) if "services" in fields else None
    )
    if "number" in values:
        _check_counter_number(session, office_id, values["number"], counter.id)
    changes = apply_changes(counter, values)
    if pairs is not None:
        changes.update(_set_links(counter, pairs))
    record_changes(
        session, office_id, "counter_updated", now, actor, changes, counter_id=counter.id
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

"""Offices side by side: which offices a request compares, over which days.

The API's ``GET /api/v1/reports/offices`` and the page ``/manager/offices``
both read their request through here, so that they compare the same offices
over the same days and refuse the same input the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing import reports
from queueing.errors import Invalid, NotFound
from queueing.models import ROLE_SUPERVISOR, Office
from queueing.rules import service_day

from .access import Principal, check_office, visible_offices
from .context import now

#: The role that compares offices (an administrator does too).
COMPARING_ROLE = ROLE_SUPERVISOR
#: Days compared when no ``from`` is given: the 30 days up to ``to``.
DEFAULT_DAYS = 30
#: Offices one request may name: more is no comparison a person reads.
MAX_OFFICES = 500


def office_codes(raw: str | None) -> list[str] | None:
    """``A,B`` as codes in the order given, each once; None when absent or empty."""
    if raw is None:
        return None
    codes = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if len(codes) > MAX_OFFICES:
        raise Invalid(f"name {MAX_OFFICES} offices at most", "too_many_offices")
    return codes or None


def compared_offices(
    session: Session, principal: Principal, codes: Sequence[str] | None
) -> list[Office]:
    """The offices named (each must be the principal's: 403 ``other_office``
    otherwise), else every office the principal works in, by code."""
    if codes is None:
        return sorted(visible_offices(session, principal), key=lambda office: office.code)
    found = {
        office.code: office
        for office in session.scalars(select(Office).where(Office.code.in_(list(codes))))
    }
    offices = []
    for code in codes:
        office = found.get(code)
        if office is None:
            raise NotFound(f"no office with code {code!r}", "office_not_found")
        check_office(principal, office.id)
        offices.append(office)
    return offices


def today_of(offices: Sequence[Office]) -> date:
    """Today where the offices are; where their timezones differ, where the
    installation is (``LUOT_TIMEZONE``)."""
    zones = {office.timezone for office in offices}
    zone = zones.pop() if len(zones) == 1 else current_app.config["LUOT_TIMEZONE"]
    return service_day(now(), zone)


def comparison_range(
    offices: Sequence[Office], raw_from: str | None, raw_to: str | None
) -> tuple[date, date]:
    """``from`` and ``to`` as days, both included: ``to`` defaults to today,
    ``from`` to 29 days before ``to``. 400 for no date, 422 for a range
    reports refuse."""
    return reports.report_range(raw_from, raw_to, today_of(offices), DEFAULT_DAYS)


def compare(
    session: Session,
    principal: Principal,
    raw_codes: str | None,
    raw_from: str | None,
    raw_to: str | None,
) -> tuple[list[Office], dict[str, Any]]:
    """The offices a request compares, and the comparison as
    ``reports.compare_offices`` gives it (its rows in the same order)."""
    offices = compared_offices(session, principal, office_codes(raw_codes))
    date_from, date_to = comparison_range(offices, raw_from, raw_to)
    return offices, reports.compare_offices(session, offices, date_from, date_to)

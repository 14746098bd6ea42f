"""The menu on every staff page: the areas a signed-in user may open.

One declaration says which areas there are and the least role that opens
each, the same role their views demand (``require``/``page``): a clerk
works at a counter, a manager also sees the board and reports, a
supervisor also compares offices, an administrator also configures.
``templates/web/_staff_menu.html`` draws the menu; every staff layout
includes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from flask import Flask, current_app, request, session, url_for
from flask_babel import lazy_gettext as _l

from queueing.models import ROLE_ADMIN, ROLE_CLERK, ROLE_MANAGER, ROLE_SUPERVISOR

from .access import CHOSEN_COUNTER_KEY, Principal, current_principal


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the staff's work, reached from the menu."""

    #: Short name: the menu link's id is ``nav-<name>``.
    name: str
    #: The page the menu opens.
    endpoint: str
    #: The least role that may open it.
    role: str
    label: Any
    #: Endpoints (glob patterns) of the area's pages: the link is marked
    #: current on them.
    pages: tuple[str, ...]
    #: Whether the link keeps the office the page shows (``?office=CODE``).
    keeps_office: bool = False
    #: Whether the page belongs to the counter this terminal chose.
    needs_counter: bool = False


AREAS: tuple[Area, ...] = (
    Area(
        "counter",
        "counter.terminal",
        ROLE_CLERK,
        _l("Quầy giao dịch"),
        ("counter.terminal", "counter.choose"),
    ),
    Area(
        "bookings",
        "counter.bookings",
        ROLE_CLERK,
        _l("Lịch hẹn hôm nay"),
        ("counter.bookings",),
        needs_counter=True,
    ),
    Area(
        "board",
        "manager.board_page",
        ROLE_MANAGER,
        _l("Bảng điều hành"),
        ("manager.board_page",),
        keeps_office=True,
    ),
    Area(
        "reports",
        "manager.reports_page",
        ROLE_MANAGER,
        _l("Báo cáo"),
        ("manager.report*",),
        keeps_office=True,
    ),
    Area(
        "offices",
        "comparison.offices_page",
        ROLE_SUPERVISOR,
        _l("So sánh đơn vị"),
        ("comparison.*",),
    ),
    Area("admin", "admin.home", ROLE_ADMIN, _l("Quản trị"), ("admin.*",), keeps_office=True),
)


@dataclass(frozen=True, slots=True)
class MenuItem:
    name: str
    label: str
    url: str
    #: ``page`` on the page the link opens, ``true`` elsewhere in its area,
    #: else None (the value of ``aria-current``).
    current: str | None


def areas_for(principal: Principal, has_counter: bool) -> list[Area]:
    """The areas ``principal`` may open, in the menu's order."""
    return [
        area
        for area in AREAS
        if principal.allows(area.role)
        and (has_counter or not area.needs_counter)
        and area.endpoint in current_app.view_functions
    ]


def _chosen_counter_id() -> int | None:
    value = session.get(CHOSEN_COUNTER_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def staff_menu(office_code: str | None = None) -> list[MenuItem]:
    """The menu of this request's page for the signed-in user (empty for
    anyone else); links to the office pages keep ``office_code``."""
    principal = current_principal()
    if principal is None or principal.kind != "user":
        return []
    counter_id = _chosen_counter_id()
    endpoint = request.endpoint or ""
    items = []
    for area in areas_for(principal, counter_id is not None):
        arguments: dict[str, Any] = {}
        if area.needs_counter:
            arguments["counter_id"] = counter_id
        if area.keeps_office and office_code:
            arguments["office"] = office_code
        current = None
        if endpoint == area.endpoint:
            current = "page"
        elif any(fnmatchcase(endpoint, pattern) for pattern in area.pages):
            current = "true"
        items.append(
            MenuItem(area.name, str(area.label), url_for(area.endpoint, **arguments), current)
        )
    return items


def init_app(app: Flask) -> None:
    app.add_template_global(staff_menu)

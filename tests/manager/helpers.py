"""Logging in and reading forms in the manager's and admin's tests.

The login page belongs to the counter area; these helpers use it when it is
there and otherwise put the user in the session the way Flask-Login does.
"""

from __future__ import annotations

import re
from typing import Any

from queueing import accounts
from queueing.demo import DEMO_OFFICE_CODE
from queueing.models import ROLE_ADMIN, ROLE_SUPERVISOR, Office, UserOffice

PASSWORD = "correct-horse-battery"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def make_user(database: Any, role: str, now: Any, *, username: str | None = None) -> int:
    """A user of the demo office (an admin: of every office; a supervisor:
    overseeing the demo office); returns its id."""

    def work(session: Any) -> int:
        office = session.query(Office).filter_by(code=DEMO_OFFICE_CODE).one()
        user = accounts.create_user(
            session,
            username or f"{role}-{accounts.hash_token(str(now()))[:8]}",
            PASSWORD,
            role,
            now(),
            office_id=None if role in (ROLE_ADMIN, ROLE_SUPERVISOR) else office.id,
            display_name=f"Người dùng {role}",
        )
        if role == ROLE_SUPERVISOR:
            session.add(UserOffice(user_id=user.id, office_id=office.id))
        return int(user.id)

    return int(database.write(work))


def log_in(client: Any, user_id: int) -> None:
    """Flask-Login's session keys, as its ``login_user`` sets them."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True


def csrf_token(client: Any, path: str) -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    found = CSRF.search(page.get_data(as_text=True))
    assert found, "no csrf_token in the page"
    return found.group(1) or found.group(2)


def session_csrf(app: Any, client: Any) -> str:
    """A valid CSRF token for the client's session, made as Flask-WTF makes it,
    for posting where the user may not open the form (to be refused by role)."""
    from itsdangerous import URLSafeTimedSerializer

    raw = "a" * 40
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def service_form(service: Any) -> dict[str, str]:
    """The fields of a service's form in the admin screens as it stands, as
    a browser posts them (a box ticked is "y", one left empty is absent)."""
    fields = {
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "prefix": service.prefix,
        "number_start": service.number_start,
        "number_end": service.number_end,
        "is_number_wrapping": "y" if service.is_number_wrapping else None,
        "daily_cap": service.daily_cap,
        "issue_from": service.issue_from,
        "issue_until": service.issue_until,
        "target_wait_minutes": service.target_wait_minutes,
        "description": service.description,
        "description_en": service.description_en,
        "documents": service.documents,
        "documents_en": service.documents_en,
        "group_name": service.group_name,
        "group_name_en": service.group_name_en,
        "sort_order": service.sort_order,
        "is_active": "y" if service.is_active else None,
        "slot_minutes": service.slot_minutes,
        "slot_capacity": service.slot_capacity,
    }
    return {name: "" if value is None else str(value) for name, value in fields.items()}

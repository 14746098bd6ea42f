"""Clerks who log in through the pages, for the counter area's tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from queueing import accounts
from queueing.models import Office, UserOffice

PASSWORD = "correct-horse-7"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def make_user(app_db: Any, clock: Any) -> Callable[..., int]:
    """``make_user("lan", role="clerk")``: a user of the demo office; its id."""

    def make(username: str, *, role: str = "clerk", office: str | None = "DEMO") -> int:
        def work(session: Any) -> int:
            office_id = None
            if office is not None:
                office_id = session.scalar(select(Office.id).where(Office.code == office))
            user = accounts.create_user(
                session,
                username,
                PASSWORD,
                role,
                clock(),
                office_id=None if role == "supervisor" else office_id,
                display_name=username.title(),
            )
            if role == "supervisor" and office_id is not None:
                # A supervisor has no office of their own: this one is assigned.
                session.add(UserOffice(user_id=user.id, office_id=office_id))
            return user.id

        return app_db.write(work)

    return make


@pytest.fixture
def log_in(client: Any) -> Callable[..., Any]:
    """``log_in("lan")`` posts the login form as a browser would; the response."""

    def post(username: str, password: str = PASSWORD, next_path: str = "") -> Any:
        token = csrf_token(client.get("/login").get_data(as_text=True))
        return client.post(
            "/login",
            data={
                "csrf_token": token,
                "username": username,
                "password": password,
                "next": next_path,
            },
        )

    return post


@pytest.fixture
def choose_counter(client: Any) -> Callable[[int], Any]:
    """``choose_counter(2)`` presses counter 2's button on the choice page."""

    def post(counter_id: int) -> Any:
        token = csrf_token(client.get("/counter/choose").get_data(as_text=True))
        return client.post("/counter/choose", data={"csrf_token": token, "counter": counter_id})

    return post

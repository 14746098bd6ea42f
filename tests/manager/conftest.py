"""Fixtures of the manager's tests: users of each role, logged in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import log_in, make_user


@pytest.fixture
def login(app_db: Any, client: Any, clock: Any) -> Callable[[str], int]:
    """``login("manager")``: a new user of that role, logged in; its id."""
    made: list[int] = []

    def as_role(role: str) -> int:
        user_id = make_user(app_db, role, clock, username=f"{role}{len(made) + 1}")
        made.append(user_id)
        log_in(client, user_id)
        return user_id

    return as_role

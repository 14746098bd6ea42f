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


@pytest.fixture
def served_history(client: Any, auth: Any, clock: Any) -> dict[str, Any]:
    """Three tickets on Monday 2026-11-23 from 09:00: A001 (HT) waits 150 s
    and is served 300 s (rated 4), B001 (DD, elderly) waits 90 s and is a
    no-show after a recall, A002 (HT) waits on."""
    clerk = auth("clerk")
    first = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    client.post("/api/v1/tickets", json={"service": "DD", "priority": "elderly"})
    clock.advance(90)
    # The priority ticket goes first.
    assert (
        client.post("/api/v1/counters/1/call-next", headers=clerk).get_json()["ticket"]["code"]
        == "B001"
    )
    clock.advance(60)
    client.post("/api/v1/counters/1/recall", headers=clerk)
    client.post("/api/v1/counters/1/no-show", headers=clerk)
    client.post("/api/v1/tickets", json={"service": "HT"})
    assert (
        client.post("/api/v1/counters/2/call-next", headers=clerk).get_json()["ticket"]["code"]
        == "A001"
    )
    client.post("/api/v1/counters/2/start", headers=clerk)
    clock.advance(300)
    client.post("/api/v1/counters/2/finish", headers=clerk)
    client.post(
        f"/api/v1/tickets/{first['id']}/rating",
        json={"score": 4, "token": first["access_token"]},
    )
    return dict(first)

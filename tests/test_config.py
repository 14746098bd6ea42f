"""Start-up settings."""

from __future__ import annotations

import pytest

from server import create_app


def test_refuses_default_secret_outside_demo_and_testing(sqlite_url, monkeypatch):
    monkeypatch.delenv("LUOT_SECRET_KEY", raising=False)
    monkeypatch.setenv("LUOT_DEMO", "0")
    with pytest.raises(RuntimeError, match="LUOT_SECRET_KEY"):
        create_app({"DATABASE_URL": sqlite_url})


def test_starts_with_a_configured_secret(sqlite_url, monkeypatch):
    monkeypatch.setenv("LUOT_SECRET_KEY", "a-long-random-secret-for-this-office")
    monkeypatch.setenv("LUOT_DEMO", "0")
    app = create_app({"DATABASE_URL": sqlite_url})
    assert app.config["SECRET_KEY"] == "a-long-random-secret-for-this-office"


def test_demo_mode_seeds_the_demo_office(sqlite_url, monkeypatch):
    monkeypatch.setenv("LUOT_DEMO", "1")
    app = create_app({"DATABASE_URL": sqlite_url})
    queue = app.test_client().get("/api/v1/queue").get_json()
    assert queue["office"]["code"] == "DEMO"
    assert len(queue["services"]) >= 3
    assert len(queue["counters"]) >= 3
    assert {c["state"] for c in queue["counters"]} == {"open"}

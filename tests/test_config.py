"""Start-up settings."""

from __future__ import annotations

import logging

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


def public_url_warnings(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "luot"
        and record.levelno == logging.WARNING
        and record.getMessage().startswith("LUOT_PUBLIC_URL is not set")
    ]


def test_warns_at_start_up_and_in_healthz_when_the_public_url_is_unset(
    sqlite_url, monkeypatch, caplog
):
    monkeypatch.setenv("LUOT_SECRET_KEY", "a-long-random-secret-for-this-office")
    monkeypatch.setenv("LUOT_DEMO", "0")
    monkeypatch.delenv("LUOT_PUBLIC_URL", raising=False)
    with caplog.at_level(logging.WARNING, logger="luot"):
        app = create_app({"DATABASE_URL": sqlite_url})
    (record,) = public_url_warnings(caplog)
    assert "QR codes" in record.getMessage()
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok"
    assert [(each["code"], each["setting"]) for each in body["warnings"]] == [
        ("public_url_unset", "LUOT_PUBLIC_URL")
    ]
    assert body["warnings"][0]["message"] == record.getMessage()


@pytest.mark.parametrize(("demo", "public_url"), [("1", ""), ("0", "https://luot.example.gov.vn")])
def test_no_public_url_warning_in_demo_mode_or_when_it_is_set(
    sqlite_url, monkeypatch, caplog, demo, public_url
):
    monkeypatch.setenv("LUOT_SECRET_KEY", "a-long-random-secret-for-this-office")
    monkeypatch.setenv("LUOT_DEMO", demo)
    monkeypatch.setenv("LUOT_PUBLIC_URL", public_url)
    with caplog.at_level(logging.WARNING, logger="luot"):
        app = create_app({"DATABASE_URL": sqlite_url})
    assert public_url_warnings(caplog) == []
    assert app.test_client().get("/healthz").get_json()["warnings"] == []

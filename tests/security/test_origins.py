"""Socket.IO refuses connections from other sites' pages unless configured."""

from __future__ import annotations

import pytest
import requests


def handshake(base_url: str, origin: str | None) -> int:
    """The Engine.IO handshake's status: 200 accepted, 400 refused."""
    headers = {"Origin": origin} if origin else {}
    response = requests.get(
        f"{base_url}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers=headers,
        timeout=5,
    )
    return response.status_code


def connect(base_url: str, origin: str | None) -> bool:
    return handshake(base_url, origin) == 200


def test_same_origin_is_accepted(live_server):
    assert connect(live_server.base_url, live_server.base_url)


def test_no_origin_is_accepted(live_server):
    # Devices and scripts send no Origin; only browsers on other sites do.
    assert connect(live_server.base_url, None)


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1"])
def test_other_origins_are_refused(live_server, origin):
    assert not connect(live_server.base_url, origin)


def test_session_cookie_is_secure_behind_https(sqlite_url):
    from tests.conftest import make_app

    app = make_app(sqlite_url, LUOT_PUBLIC_URL="https://luot.example.gov.vn")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    plain = make_app(sqlite_url.replace("luot.db", "plain.db"))
    assert plain.config["SESSION_COOKIE_SECURE"] is False

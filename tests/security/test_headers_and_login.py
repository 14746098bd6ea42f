"""Security headers, login throttling, and pages free of CSP violations."""

from __future__ import annotations

import re

import pytest
import requests

from web.security import CONTENT_SECURITY_POLICY


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    "path", ["/kiosk", "/display", "/login", "/book", "/api/v1/queue", "/nowhere"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers


def test_failed_logins_are_throttled_and_successes_are_not_counted(app, client):
    app.config["LUOT_LOGIN_RATE_LIMIT"] = "3/minute"

    def attempt(password: str) -> int:
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login", data={"csrf_token": token, "username": "ghost", "password": password}
        )
        return response.status_code

    assert [attempt("wrong-password") for _ in range(4)] == [200, 200, 200, 429]


def test_login_form_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "canbo1", "password": "demo-canbo1"})
    assert response.status_code in (200, 400)
    assert "_user_id" not in (client.get_cookie("session") or "")
    with client.session_transaction() as session:
        assert "_user_id" not in session


PAGES = [
    "/kiosk",
    "/kiosk/1",
    "/display",
    "/display/1",
    "/counter/1/screen",
    "/counter/1/rate",
    "/book",
    "/book?service=HT",
]


#: An image the policy refuses (img-src 'self'): its refusal is the marker
#: that every violation the page had made by then has been reported. The
#: browser refuses it without a request.
MARKER_IMAGE = "http://127.0.0.1:9/csp-marker.png"


def violations_before_a_marker(page, violations: list[str]) -> list[str]:
    """Lets the page finish what it does on loading, then makes a violation
    of its own; returns the violations reported before that one, and
    empties ``violations``."""
    page.wait_for_load_state("networkidle")
    with page.expect_console_message(lambda message: "csp-marker" in message.text):
        page.evaluate("(url) => { new Image().src = url; }", MARKER_IMAGE)
    assert violations and "csp-marker" in violations[-1], violations
    before = violations[:-1]
    violations.clear()
    return before


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_pages_run_under_the_policy_without_violations(live_server, new_page, path):
    page = new_page(bypass_csp=False)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    response = page.goto(live_server.url(path))
    assert response.status == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert violations_before_a_marker(page, violations) == []


@pytest.mark.browser
def test_logged_in_pages_run_under_the_policy_without_violations(live_server, new_page):
    page = new_page(bypass_csp=False)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    page.goto(live_server.url("/login"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo-admin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for path in ("/counter/choose", "/manager", "/manager/reports", "/admin", "/admin/services"):
        response = page.goto(live_server.url(path))
        assert response.status == 200, path
        assert violations_before_a_marker(page, violations) == [], path
    health = requests.get(live_server.url("/healthz"), timeout=5)
    assert health.status_code == 200

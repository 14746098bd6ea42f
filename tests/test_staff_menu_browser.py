"""Each role signs in, lands where it works and goes through its menu, in a
real headless Chromium against ``python server.py`` with the demo users."""

from __future__ import annotations

import os
import re

import pytest

from tests.conftest import serious_violations

pytestmark = pytest.mark.browser

#: Where each demo user lands, and the menu it sees there.
ROLES = {
    "canbo1": ("demo-canbo1", "/counter/choose", ["counter"]),
    "quanly": ("demo-quanly", "/manager/", ["counter", "board", "reports"]),
    "giamsat": ("demo-giamsat", "/manager/offices", ["counter", "board", "reports", "offices"]),
    "admin": ("demo-admin", "/admin/", ["counter", "board", "reports", "offices", "admin"]),
}
#: Touch targets, in CSS pixels.
SMALLEST_TARGET = 48
SHOTS = os.environ.get("LUOT_SCREENSHOTS")


def sign_in(page, live_server, username, password):
    page.goto(live_server.url("/login"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def menu_names(page):
    return page.locator(".staff-menu a").evaluate_all(
        "links => links.map(link => link.id.replace('nav-', ''))"
    )


def marked(page):
    return page.locator(".staff-menu a[aria-current]").evaluate_all(
        "links => links.map(link => link.id.replace('nav-', ''))"
    )


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_lands_where_it_works_and_clicks_through_its_menu(
    live_server, new_page, username
):
    password, landing, names = ROLES[username]
    page = new_page(1280, 800)
    sign_in(page, live_server, username, password)
    page.wait_for_url(re.compile(re.escape(live_server.url(landing)) + r"(\?.*)?$"))
    assert menu_names(page) == names
    for target in page.locator(".staff-menu a, .staff-menu button").all():
        box = target.bounding_box()
        assert box["height"] >= SMALLEST_TARGET and box["width"] >= SMALLEST_TARGET, box
    assert serious_violations(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/menu-{username}-landing.png")
    for name in names:
        page.click(f"#nav-{name}")
        page.wait_for_function(
            "name => document.querySelector('#nav-' + name)?.hasAttribute('aria-current')",
            arg=name,
        )
        assert marked(page) == [name]
        assert menu_names(page) == names
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/menu-{username}-{name}.png")
    page.click("#nav-logout")
    page.wait_for_url(live_server.url("/login"))
    assert page.locator(".staff-menu").count() == 0


def test_a_clerk_at_a_counter_reaches_the_bookings_and_back(live_server, new_page):
    page = new_page(1024, 768)
    sign_in(page, live_server, "canbo2", "demo-canbo2")
    page.wait_for_url(live_server.url("/counter/choose"))
    page.click("button[name=counter][value='2']")
    page.wait_for_url(live_server.url("/counter"))
    assert menu_names(page) == ["counter", "bookings"]
    assert marked(page) == ["counter"]
    page.click("#nav-bookings")
    page.wait_for_url(live_server.url("/counter/2/bookings"))
    assert marked(page) == ["bookings"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/menu-canbo2-bookings.png")
    page.click("#nav-counter")
    page.wait_for_url(live_server.url("/counter"))
    assert marked(page) == ["counter"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/menu-canbo2-terminal.png")

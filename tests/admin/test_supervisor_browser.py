"""The user form in a real headless Chromium: picking the supervisor role
shows the offices to tick instead of the one office, and saving makes a
supervisor of the offices ticked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from queueing import accounts
from queueing.models import User
from tests.conftest import serious_violations
from tests.offices import add_office, office_id

pytestmark = pytest.mark.browser


def test_an_admin_ticks_the_offices_of_a_new_supervisor(live_server, new_page):
    add_office(live_server.db, datetime.now(UTC), "HN", "Bộ phận Một cửa Hà Nội")
    page = new_page(1440, 1000)
    page.goto(live_server.url("/login?next=/admin/users/new"))
    page.fill("#username", "admin")
    page.fill("#password", "demo-admin")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url("/admin/users/new"))
    single = page.locator("#office")
    several = page.locator(".supervised-offices")
    # A clerk, at first: one office.
    assert single.is_visible() and not several.is_visible()
    page.select_option("#role", "supervisor")
    several.wait_for(state="visible")
    assert not single.is_visible()
    assert serious_violations(page) == []
    page.fill("#username", "lanhdao")
    page.fill("#display_name", "Trần Văn Lãnh Đạo")
    page.check(f"input[name=offices][value='{office_id(live_server.db, 'HN')}']")
    page.fill("#password", "mat-khau-dai")
    page.fill("#confirm", "mat-khau-dai")
    page.click("form.admin-form button[type=submit]")
    page.wait_for_selector("#admin-users")
    row = page.locator('#admin-users tr[data-user="lanhdao"]')
    assert "Giám sát nhiều đơn vị" in row.inner_text()
    assert "Bộ phận Một cửa Hà Nội" in row.inner_text()
    with live_server.db.read() as session:
        user = session.scalar(select(User).where(User.username == "lanhdao"))
        assert (user.role, user.office_id) == ("supervisor", None)
        assert accounts.assigned_offices(session, user.id) == {office_id(live_server.db, "HN")}
    # Back to a clerk: the one office again.
    page.goto(live_server.url(f"/admin/users/{user.id}"))
    assert several.is_visible()
    page.select_option("#role", "clerk")
    single.wait_for(state="visible")
    assert not several.is_visible()

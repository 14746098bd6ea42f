"""Names, ticker messages and comments containing markup show as text."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from queueing.models import Office, Service

HOSTILE = '<img src=x id=injected onerror="window.hacked=1"><b>Đất đai</b>'

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile_office(live_server):
    def work(session):
        service = session.scalar(select(Service).where(Service.code == "DD"))
        service.name = HOSTILE
        session.scalar(select(Office)).ticker_message = HOSTILE

    live_server.db.write(work)
    requests.post(live_server.url("/api/v1/tickets"), json={"service": "DD"}, timeout=5)
    return live_server


@pytest.mark.parametrize("path", ["/kiosk", "/display"])
def test_public_pages_show_markup_as_text(hostile_office, page, path):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_office.url(path))
    page.wait_for_function("() => document.body.innerText.includes('<b>Đất đai</b>')")
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.hacked") is None
    assert dialogs == []


def test_reports_and_exports_show_markup_as_text(hostile_office, page):
    page.goto(hostile_office.url("/login"))
    page.fill("input[name=username]", "quanly")
    page.fill("input[name=password]", "demo-quanly")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for path in ("/manager", "/manager/reports"):
        page.goto(hostile_office.url(path))
        page.wait_for_function("() => document.body.innerText.includes('<b>Đất đai</b>')")
        assert page.locator("#injected").count() == 0
        assert page.evaluate("window.hacked") is None

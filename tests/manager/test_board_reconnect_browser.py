"""The live board comes back by itself after its server went away, and
re-reads the board it may have missed meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from queueing import operations
from queueing.models import Office
from queueing.operations import Actor
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

#: Keeps the board's periodic re-read from firing, so that only the
#: reconnect can bring fresh figures (the board polls every 15 s, which
#: would otherwise hide a board that never reconnects).
HOLD_BACK_POLLING = """
const setIntervalOfThePage = window.setInterval;
window.setInterval = (handler, ms, ...rest) =>
  ms >= 10000 ? 0 : setIntervalOfThePage(handler, ms, ...rest);
"""


def waiting_of(page, code):
    return int(page.locator(f'#board-services tr[data-service="{code}"] td.waiting').inner_text())


def issue_while_the_server_is_down(server: LiveServer, service: str) -> None:
    def work(session):
        office = session.scalar(select(Office).where(Office.code == "DEMO"))
        operations.issue_ticket(session, office.id, service, datetime.now(UTC), Actor("public"))

    server.db.write(work)


def test_the_board_reconnects_after_a_restart_and_shows_what_it_missed(tmp_path, new_page):
    server = LiveServer(tmp_path)
    server.start()
    try:
        page = new_page(1440, 900)
        page.add_init_script(HOLD_BACK_POLLING)
        page.goto(server.url("/login?next=/manager/"))
        page.fill("#username", "quanly")
        page.fill("#password", "demo-quanly")
        page.click("button[type=submit]")
        page.wait_for_selector('#board-services tr[data-service="KD"]')
        page.locator('html[data-connection="live"]').wait_for(state="attached")
        before = waiting_of(page, "KD")

        server.stop(kill=True)
        page.locator('html[data-connection="lost"]').wait_for(state="attached")
        assert page.locator("#board-connection").is_visible()
        issue_while_the_server_is_down(server, "KD")
        server.start()

        page.wait_for_function(
            "n => document.querySelector("
            "'#board-services tr[data-service=\"KD\"] td.waiting').textContent === String(n)",
            arg=before + 1,
            timeout=20000,
        )
        assert page.locator("html").get_attribute("data-connection") == "live"
        assert page.locator("#board-connection").is_hidden()
        assert page.evaluate("window.luotBoard.socket.connected")
    finally:
        server.close()

"""The waiting-room display in a real headless Chromium against a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from queueing.models import Office
from tests.conftest import LiveServer, serious_violations
from tests.display.clerk_api import ClerkApi

pytestmark = pytest.mark.browser

#: Records, in the page, the moment (epoch ms) each code first appears as
#: the newest call, whatever the page's own code does.
WATCH_NEWEST = """() => {
  window.seenAt = {};
  const code = document.getElementById("newest-code");
  new MutationObserver(() => {
    if (!(code.textContent in window.seenAt)) window.seenAt[code.textContent] = Date.now();
  }).observe(code, {childList: true, characterData: true, subtree: true});
}"""

#: Collects the announcer's events with their times, and any clip that
#: starts while another audio element of the announcer is still sounding.
WATCH_ANNOUNCER = """() => {
  window.heard = {announcements: [], clips: [], overlaps: []};
  const announcer = window.luotDisplay.announcer;
  addEventListener("luot-announcer:announcementstart", (event) =>
    window.heard.announcements.push(event.detail[0]));
  addEventListener("luot-announcer:clipstart", (event) => {
    const sounding = [...announcer._audioByUrl.values()].filter((a) => !a.paused && !a.ended);
    if (sounding.length > 0) window.heard.overlaps.push(event.detail[0]);
    window.heard.clips.push({url: event.detail[0], startedAt: performance.now()});
  });
  addEventListener("luot-announcer:clipend", (event) => {
    const clip = window.heard.clips[window.heard.clips.length - 1];
    clip.endedAt = performance.now();
    clip.outcome = event.detail[1];
  });
}"""


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


def open_display(new_page: Any, url: str, width: int = 1920, height: int = 1080) -> Any:
    page = new_page(width, height)
    page.goto(url)
    # The first queue state has been drawn.
    page.wait_for_selector(".counter-card")
    page.evaluate(WATCH_NEWEST)
    page.evaluate(WATCH_ANNOUNCER)
    return page


def newest_is(page: Any, code: str, counter_number: int, timeout: float = 5000) -> None:
    page.wait_for_function(
        """([code, counter]) =>
          document.getElementById("newest-code").textContent === code &&
          document.getElementById("newest-counter").textContent === String(counter)""",
        arg=[code, counter_number],
        timeout=timeout,
    )


def call_and_see_it_shown(page: Any, api: ClerkApi, counter_id: int) -> None:
    """Call the next ticket at a counter and wait for its code to show as
    the newest call, with the counter's number."""
    ticket = api.call_next(counter_id)
    newest_is(page, ticket["code"], ticket["counter_number"])


def expected_clips(server: LiveServer, code: str, counter_number: int) -> list[str]:
    response = requests.get(
        server.url("/display/announcement.json"),
        params={"code": code, "counter": counter_number},
        timeout=10,
    )
    return list(response.json()["clips"])


def test_a_call_shows_as_the_newest_and_flashes(live_server, new_page, api):
    page = open_display(new_page, live_server.url("/display"))
    api.free(1)
    api.issue("DD")
    call_and_see_it_shown(page, api, 1)
    assert "is-flashing" in page.locator("#newest").get_attribute("class")
    assert page.locator("#newest-code").is_visible()
    card = page.locator('.counter-card[data-counter="1"]')
    assert (
        card.locator(".counter-card-code").inner_text() == page.locator("#newest-code").inner_text()
    )


def test_twenty_calls_in_a_row_each_show_as_the_newest(live_server, new_page, api):
    page = open_display(new_page, live_server.url("/display"))
    api.free(2)
    for _ in range(20):
        api.issue("KD")
        call_and_see_it_shown(page, api, 2)
        api.post("/api/v1/counters/2/finish")


def test_three_quick_calls_are_announced_in_order_without_overlap(live_server, new_page, api):
    page = open_display(new_page, live_server.url("/display"))
    api.free(1, 2, 3)
    for _ in range(3):
        api.issue("LD")
    calls = [api.call_next(counter_id) for counter_id in (3, 1, 2)]
    expected = [expected_clips(live_server, t["code"], t["counter_number"]) for t in calls]
    page.wait_for_function(
        """(count) => window.heard.clips.filter((clip) => clip.endedAt).length === count""",
        arg=sum(len(urls) for urls in expected),
        timeout=60_000,
    )
    heard = page.evaluate("window.heard")
    assert heard["announcements"] == expected
    assert [clip["url"] for clip in heard["clips"]] == [url for urls in expected for url in urls]
    assert {clip["outcome"] for clip in heard["clips"]} == {"ended"}
    assert heard["overlaps"] == []
    for before, after in zip(heard["clips"], heard["clips"][1:], strict=False):
        assert after["startedAt"] >= before["endedAt"]
    # The screen shows the last of the three.
    newest_is(page, calls[-1]["code"], calls[-1]["counter_number"])


def test_a_limited_display_shows_and_announces_only_its_counters(live_server, new_page, api):
    page = open_display(new_page, live_server.url("/display?counters=1"))
    assert page.locator(".counter-card").count() == 1
    assert page.locator(".counter-card-label").inner_text() == "Quầy 1"
    api.free(1, 2)
    api.issue("HT")
    api.issue("HT")
    elsewhere = api.call_next(2)
    here = api.call_next(1)
    newest_is(page, here["code"], 1)
    page.wait_for_function(
        "window.heard.clips.length > 0 && window.heard.clips.every((c) => c.endedAt)"
    )
    heard = page.evaluate("window.heard")
    assert heard["announcements"] == [expected_clips(live_server, here["code"], 1)]
    assert elsewhere["code"] not in page.evaluate("Object.keys(window.seenAt)")
    assert set(page.locator(".recent-counter").all_inner_texts()) == {"Quầy 1"}


def test_the_display_has_no_serious_accessibility_fault(live_server, new_page, api):
    page = open_display(new_page, live_server.url("/display"))
    api.free(3)
    api.issue("HT")
    ticket = api.call_next(3)
    newest_is(page, ticket["code"], 3)
    assert serious_violations(page) == []


def test_the_display_reconnects_after_a_server_restart(tmp_path, new_page):
    server = LiveServer(tmp_path)
    server.start()
    try:
        api = ClerkApi(server)
        page = open_display(new_page, server.url("/display"))
        page.evaluate("window.sameDocument = true")
        server.stop()
        page.wait_for_selector("#offline", state="visible")
        assert page.locator("#offline").inner_text() == "Mất kết nối"
        server.start()
        page.wait_for_selector("#offline", state="hidden", timeout=20_000)
        api.issue("HT")
        ticket = api.call_next(1)
        newest_is(page, ticket["code"], 1)
        assert (
            page.locator('.counter-card[data-counter="1"] .counter-card-code').inner_text()
            == (ticket["code"])
        )
        assert page.evaluate("window.sameDocument") is True
    finally:
        server.close()


WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def office_clock_readings() -> set[tuple[str, str]]:
    """(date, time) as the office reads them now and a moment later (the
    minute may turn while the page loads)."""
    readings = set()
    for delay in (0, 20):
        moment = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(seconds=delay)
        date_text = f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y}"
        readings.add((date_text, f"{moment:%H:%M}"))
    return readings


def test_the_clock_shows_office_time_whatever_the_pc_clock_says(live_server, new_page):
    # A display PC in another timezone whose clock is years off.
    page = new_page(1920, 1080, timezone_id="America/New_York")
    page.clock.install()
    page.clock.set_system_time(datetime(2021, 3, 4, 5, 6, tzinfo=UTC))
    page.goto(live_server.url("/display"))
    page.wait_for_selector(".counter-card")
    shown = (page.locator("#date").inner_text(), page.locator("#clock").inner_text())
    assert shown in office_clock_readings()


def test_the_ticker_is_text_never_markup(live_server, new_page):
    def set_ticker(session):
        office = session.scalar(select(Office).where(Office.code == "DEMO"))
        office.ticker_message = "<b>Giờ làm việc</b> 7:30 – 17:00 <img src=x>"

    live_server.db.write(set_ticker)
    page = open_display(new_page, live_server.url("/display"))
    ticker = page.locator("#ticker")
    assert ticker.inner_text() == "<b>Giờ làm việc</b> 7:30 – 17:00 <img src=x>"
    assert ticker.locator("b, img").count() == 0
    assert page.locator("#ticker-box").is_visible()

"""The counter's pages measured in Chromium: every target a finger can hit
on a touch terminal, and a paused counter that says it is paused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.display.clerk_api import ClerkApi

pytestmark = pytest.mark.browser

#: The least height (and width) of anything a clerk taps.
TOUCH_PX = 48
#: What the buttons of the work itself get: calling, acting on a ticket.
WORK_PX = 56

SIZES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((node) => node.getClientRects().length > 0)
  .map((node) => {
    const box = node.getBoundingClientRect();
    return {text: node.textContent.trim(), width: box.width, height: box.height};
  })"""


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


def open_terminal(new_page: Any, server: LiveServer, counter_id: int, size=(1366, 768)) -> Any:
    page = new_page(*size)
    page.goto(server.url("/counter"))
    page.wait_for_url("**/login?next=/counter")
    page.fill("#username", "canbo1")
    page.fill("#password", "demo-canbo1")
    page.click("button[type=submit]")
    page.wait_for_url("**/counter/choose")
    page.click(f"button[name=counter][value='{counter_id}']")
    page.wait_for_url("**/counter")
    page.wait_for_function("document.getElementById('counter-state').textContent !== ''")
    return page


def sizes(page: Any, selector: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(SIZES, selector)
    assert found, selector
    return found


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)], ids=["pc", "tablet"])
def test_the_bar_links_and_buttons_are_48_px_tall(live_server, new_page, api, size):
    api.free(1)
    page = open_terminal(new_page, live_server, 1, size)
    for target in sizes(page, ".page-bar a, .page-bar button"):
        assert target["height"] >= TOUCH_PX, target


def test_the_call_buttons_of_the_line_are_56_px_square(live_server, new_page, api):
    api.free(1)
    waiting = api.issue("HT")
    page = open_terminal(new_page, live_server, 1)
    page.wait_for_selector(f'#line tr[data-ticket="{waiting["id"]}"] [data-call]')
    for target in sizes(page, "#line [data-call]"):
        assert target["height"] >= WORK_PX, target
        assert target["width"] >= WORK_PX, target


def test_the_action_and_counter_buttons_are_56_px_tall(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    for target in sizes(page, ".action-grid .button, .control-row .button"):
        assert target["height"] >= WORK_PX, target
        assert target["width"] >= WORK_PX, target
    for target in sizes(page, ".outcome label"):
        assert target["height"] >= TOUCH_PX, target


def test_the_terminal_of_a_paused_counter_says_paused_where_the_number_goes(
    live_server, new_page, api
):
    api.free(2)
    page = open_terminal(new_page, live_server, 2)
    api.post("/api/v1/counters/2/pause", reason="Họp")
    try:
        page.wait_for_function("document.getElementById('current-code').textContent === 'Tạm dừng'")
        assert page.locator("#current-service").inner_text() == "Họp"
    finally:
        api.free(2)


def screen_says_paused(page: Any) -> None:
    page.locator("#screen-state").wait_for(state="visible")
    assert page.locator("#screen-state").inner_text() == "Tạm dừng"
    assert page.locator("#screen-reason").inner_text() == "Họp"
    # Neither "serving" nor a number: the state alone, large.
    assert page.locator("#serving-title").is_hidden()
    assert page.locator("#screen-code").is_hidden()
    assert "Đang phục vụ" not in page.locator("body").inner_text()
    font_px = page.locator("#screen-state").evaluate(
        "node => parseFloat(getComputedStyle(node).fontSize)"
    )
    assert font_px >= 100
    assert page.locator("#screen").evaluate("node => node.getAnimations({subtree: true})") == []


def test_the_counter_screen_of_a_paused_counter_says_paused(live_server, new_page, api):
    api.free(3)
    page = new_page(1280, 720)
    page.goto(live_server.url("/counter/3/screen"))
    page.wait_for_function("document.getElementById('screen').dataset.state === 'open'")
    api.post("/api/v1/counters/3/pause", reason="Họp")
    try:
        screen_says_paused(page)
    finally:
        api.free(3)


def test_a_counter_pausing_with_a_called_number_shows_paused_not_the_number(
    live_server, new_page, api
):
    api.free(3)
    page = new_page(1280, 720)
    page.goto(live_server.url("/counter/3/screen"))
    api.issue("DD")
    called = api.call_next(3)
    page.wait_for_function(
        "(code) => document.getElementById('screen-code').textContent === code", arg=called["code"]
    )
    api.post("/api/v1/counters/3/pause", reason="Họp")
    try:
        screen_says_paused(page)
    finally:
        api.free(3)

"""The waiting-room display on the TVs offices have, measured in Chromium:
every word inside its tile, large enough to read from five metres, and a
paused or closed counter shown plainly, with no call left up for it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.display.clerk_api import ClerkApi
from tests.kiosk.helpers import service_fields
from tests.long_names import INVENTED_NAMES, LIKE_DEMO_NAMES, LONGEST_DEMO_NAME, more_services

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1366, 768), (1280, 720)]
SIZE_IDS = ["1080p", "768p", "720p"]
#: The smallest text a person reads from five metres on a 720p TV.
READABLE_PX = 28

#: For each node of the selector: its box, its tile's box (the closest
#: element of the tile selector), its scroll and client sizes, its font size.
BOXES = """([selector, tile]) => [...document.querySelectorAll(selector)].map((node) => {
  const box = node.getBoundingClientRect();
  const outer = node.closest(tile).getBoundingClientRect();
  return {
    text: node.textContent,
    box: [box.left, box.top, box.right, box.bottom],
    tile: [outer.left, outer.top, outer.right, outer.bottom],
    scrollWidth: node.scrollWidth, clientWidth: node.clientWidth,
    scrollHeight: node.scrollHeight, clientHeight: node.clientHeight,
    fontSize: parseFloat(getComputedStyle(node).fontSize),
    clips: getComputedStyle(node).overflowY !== "visible",
  };
})"""


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


@pytest.fixture
def six_services(live_server: LiveServer) -> Any:
    """The demo's four services and two of the longest invented names."""
    with more_services(live_server, INVENTED_NAMES[:2]) as codes:
        yield codes


def open_display(new_page: Any, server: LiveServer, size: tuple[int, int], tiles: int) -> Any:
    page = new_page(*size)
    page.goto(server.url("/display"))
    page.wait_for_function(
        "(count) => document.querySelectorAll('.waiting-item').length === count", arg=tiles
    )
    return page


def boxes(page: Any, selector: str, tile: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(BOXES, [selector, tile])
    assert found, selector
    return found


def assert_inside(found: dict[str, Any], *, is_wrapped: bool = False) -> None:
    left, top, right, bottom = found["box"]
    tile_left, tile_top, tile_right, tile_bottom = found["tile"]
    assert tile_left <= left and right <= tile_right, found
    assert tile_top <= top and bottom <= tile_bottom, found
    assert found["scrollWidth"] <= found["clientWidth"], found
    if is_wrapped:
        # Lines that do not fit in the box's height are cut off at its edge
        # (a name too long ends in an ellipsis), never drawn over the tile's.
        assert found["scrollHeight"] <= found["clientHeight"] or found["clips"], found


def card(page: Any, counter_id: int) -> Any:
    return page.locator(f'.counter-card[data-counter="{counter_id}"]')


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_service_name_lies_inside_its_tile(live_server, new_page, six_services, size):
    page = open_display(new_page, live_server, size, tiles=6)
    names = boxes(page, ".waiting-name", ".waiting-item")
    assert len(names) == 6
    for name in names:
        assert_inside(name, is_wrapped=True)
        assert name["fontSize"] >= READABLE_PX, name


@pytest.mark.parametrize("added", [(), LIKE_DEMO_NAMES], ids=["demo", "six"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_names_as_long_as_the_demo_ones_are_shown_whole(live_server, new_page, size, added):
    """With few services the tiles are tall and names start large: a long
    one is made smaller, not cut off."""
    with more_services(live_server, added):
        page = open_display(new_page, live_server, size, tiles=4 + len(added))
        names = boxes(page, ".waiting-name", ".waiting-item")
    assert LONGEST_DEMO_NAME in [name["text"] for name in names]
    for name in names:
        # Not cut off by the two-line limit: every line of it is in the box.
        assert name["scrollHeight"] <= name["clientHeight"], name
        assert name["fontSize"] >= READABLE_PX, name
        assert_inside(name, is_wrapped=True)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_name_too_long_for_two_lines_at_full_size_is_made_smaller(live_server, new_page, size):
    """Four services give tall tiles and large names; one of them a little
    longer than the demo's takes three lines at that size, two smaller."""
    longer = LIKE_DEMO_NAMES[0]
    previous = service_fields(live_server, "DD", name=longer)
    try:
        page = open_display(new_page, live_server, size, tiles=4)
        page.wait_for_function(
            "(name) => [...document.querySelectorAll('.waiting-name')]"
            ".some((node) => node.textContent === name)",
            arg=longer,
        )
        (name,) = [n for n in boxes(page, ".waiting-name", ".waiting-item") if n["text"] == longer]
    finally:
        service_fields(live_server, "DD", **previous)
    assert name["scrollHeight"] <= name["clientHeight"], name
    assert name["fontSize"] >= READABLE_PX, name
    assert_inside(name, is_wrapped=True)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_counter_labels_numbers_and_states_are_large_and_inside_their_cards(
    live_server, new_page, api, six_services, size
):
    api.free(1, 2, 3)
    api.issue("HT")
    api.call_next(1)
    api.post("/api/v1/counters/3/pause", reason="Họp")
    try:
        page = open_display(new_page, live_server, size, tiles=6)
        card(page, 3).locator(".counter-card-state").wait_for()
        for selector in (".counter-card-label", ".counter-card-code", ".counter-card-state"):
            for found in boxes(page, selector, ".counter-card"):
                assert_inside(found)
                assert found["fontSize"] >= READABLE_PX, found
    finally:
        api.free(1, 3)


def test_a_counter_pausing_after_a_call_stops_flashing_and_its_call_is_no_longer_current(
    live_server, new_page, api
):
    api.free(1, 2, 3)
    page = open_display(new_page, live_server, (1280, 720), tiles=4)
    api.issue("DD")
    ticket = api.call_next(3)
    page.wait_for_function(
        "(code) => document.getElementById('newest-code').textContent === code", arg=ticket["code"]
    )
    assert "is-flashing" in card(page, 3).get_attribute("class")
    try:
        api.post("/api/v1/counters/3/pause", reason="Họp")
        state = card(page, 3).locator(".counter-card-state")
        state.wait_for()
        assert state.inner_text() == "Tạm dừng"
        assert card(page, 3).locator(".counter-card-code").count() == 0
        assert card(page, 3).evaluate("node => node.getAnimations({subtree: true}).length") == 0
        assert card(page, 3).evaluate("node => getComputedStyle(node).animationName") == "none"
        # The newest call was the one at counter 3: it is taken down, still.
        assert page.locator("#newest-code").inner_text() == "—"
        assert page.locator("#newest-counter").inner_text() == "—"
        assert page.locator("#newest").evaluate("node => node.getAnimations().length") == 0
    finally:
        api.free(3)


def test_a_counter_closing_shows_closed_and_takes_its_call_down(live_server, new_page, api):
    api.free(1, 2, 3)
    page = open_display(new_page, live_server, (1280, 720), tiles=4)
    api.issue("KD")
    ticket = api.call_next(2)
    page.wait_for_function(
        "(code) => document.getElementById('newest-code').textContent === code", arg=ticket["code"]
    )
    try:
        api.post("/api/v1/counters/2/finish")
        api.post("/api/v1/counters/2/close")
        state = card(page, 2).locator(".counter-card-state")
        state.wait_for()
        assert state.inner_text() == "Đã đóng"
        assert card(page, 2).evaluate("node => node.getAnimations({subtree: true}).length") == 0
        assert page.locator("#newest-code").inner_text() == "—"
    finally:
        api.free(2)


def test_the_paused_card_looks_unlike_an_open_one(live_server, new_page, api):
    api.free(1, 2, 3)
    api.post("/api/v1/counters/3/pause")
    try:
        page = open_display(new_page, live_server, (1280, 720), tiles=4)
        card(page, 3).locator(".counter-card-state").wait_for()
        background = "node => getComputedStyle(node).backgroundColor"
        assert card(page, 3).evaluate(background) != card(page, 1).evaluate(background)
    finally:
        api.free(3)

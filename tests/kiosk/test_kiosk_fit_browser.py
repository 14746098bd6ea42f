"""The kiosk's services on the screens kiosks have, measured in Chromium:
every service on screen without scrolling, packed tighter as they grow in
number, and a page at a time, with large page buttons, when even that
cannot hold them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.long_names import INVENTED_NAMES, LIKE_DEMO_NAMES, more_services

pytestmark = pytest.mark.browser

SIZES = [(1080, 1920), (1920, 1080), (1366, 768)]
SIZE_IDS = ["portrait", "landscape", "small-landscape"]
#: The least a finger should have to hit.
TOUCH_PX = 60

#: What a citizen sees of the home screen: every shown tile with its boxes,
#: and the pager.
HOME = """() => {
  const isShown = (node) => node.getClientRects().length > 0;
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const tiles = [...document.querySelectorAll('#screen-home .service')].filter(isShown);
  return {
    width: innerWidth,
    height: innerHeight,
    scrollHeight: document.documentElement.scrollHeight,
    isPaged: isShown(document.getElementById('service-pager')),
    page: document.getElementById('service-page').textContent,
    tiles: tiles.map((tile) => {
      const name = tile.querySelector('.service__name');
      const take = tile.querySelector('.service__take');
      const documents = tile.querySelector('.service__documents');
      const label = documents.querySelector('span');
      return {
        code: tile.dataset.serviceCard,
        take: box(take),
        documents: box(documents),
        name: box(name),
        nameScrollWidth: name.scrollWidth,
        nameClientWidth: name.clientWidth,
        nameFontPx: parseFloat(getComputedStyle(name).fontSize),
        // The documents button's words, when it shows them.
        label: isShown(label) && label.getBoundingClientRect().width > 1 ? box(label) : null,
      };
    }),
    pageButtons: [...document.querySelectorAll('#service-pager button')].filter(isShown).map(
      (button) => ({action: button.dataset.action, box: box(button), isDisabled: button.disabled})
    ),
  };
}"""


def open_kiosk(new_page: Any, server: LiveServer, size: tuple[int, int]) -> Any:
    page = new_page(*size)
    page.goto(server.url("/kiosk"))
    page.locator("#screen-home").wait_for()
    # Laid out again once the page's own font is in.
    page.wait_for_function("document.fonts.status === 'loaded'")
    return page


def home(page: Any) -> dict[str, Any]:
    seen: dict[str, Any] = page.evaluate(HOME)
    return seen


def inside(inner: list[float], outer: list[float]) -> bool:
    return (
        outer[0] <= inner[0]
        and inner[2] <= outer[2]
        and outer[1] <= inner[1]
        and inner[3] <= outer[3]
    )


def assert_on_screen(seen: dict[str, Any]) -> None:
    """Every shown tile in the viewport, its name inside its button, large;
    nothing to scroll to."""
    screen = [0, 0, seen["width"], seen["height"]]
    assert seen["scrollHeight"] <= seen["height"], seen["scrollHeight"]
    assert seen["tiles"], "no service shown"
    for tile in seen["tiles"]:
        assert inside(tile["take"], screen), tile
        assert inside(tile["documents"], screen), tile
        assert inside(tile["name"], tile["take"]), tile
        if tile["label"] is not None:
            assert inside(tile["label"], tile["documents"]), tile
        assert tile["nameScrollWidth"] <= tile["nameClientWidth"], tile
        assert tile["nameFontPx"] >= 30, tile
        for box in (tile["take"], tile["documents"]):
            assert box[3] - box[1] >= TOUCH_PX, tile
            assert box[2] - box[0] >= TOUCH_PX, tile


def every_page(page: Any) -> list[dict[str, Any]]:
    """The home screen on each of its pages, from the first, turning them
    with the next-page button."""
    pages = [home(page)]
    while pages[-1]["isPaged"]:
        (next_button,) = [b for b in pages[-1]["pageButtons"] if b["action"] == "page-next"]
        if next_button["isDisabled"]:
            break
        page.locator('[data-action="page-next"]').click()
        page.wait_for_function(
            "(text) => document.getElementById('service-page').textContent !== text",
            arg=pages[-1]["page"],
        )
        pages.append(home(page))
    return pages


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_six_services_are_all_on_one_screen(live_server, new_page, size):
    with more_services(live_server, LIKE_DEMO_NAMES) as added:
        page = open_kiosk(new_page, live_server, size)
        seen = home(page)
    assert not seen["isPaged"]
    assert {tile["code"] for tile in seen["tiles"]} == {"HT", "DD", "KD", "LD", *added}
    assert_on_screen(seen)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_four_demo_services_are_all_on_one_screen(live_server, new_page, size):
    page = open_kiosk(new_page, live_server, size)
    seen = home(page)
    assert not seen["isPaged"]
    assert len(seen["tiles"]) == 4
    assert_on_screen(seen)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_long_names_every_service_is_on_screen_or_a_page_away(live_server, new_page, size):
    with more_services(live_server, INVENTED_NAMES) as added:
        page = open_kiosk(new_page, live_server, size)
        pages = every_page(page)
    shown = [tile["code"] for seen in pages for tile in seen["tiles"]]
    assert sorted(shown) == sorted(["HT", "DD", "KD", "LD", *added])
    for seen in pages:
        assert_on_screen(seen)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_twenty_services_are_shown_a_page_at_a_time(live_server, new_page, size):
    names = [f"{INVENTED_NAMES[number % 4]} ({number})" for number in range(16)]
    with more_services(live_server, names) as added:
        page = open_kiosk(new_page, live_server, size)
        pages = every_page(page)
    count = len(pages)
    assert count >= 2
    assert [seen["page"] for seen in pages] == [f"Trang {n}/{count}" for n in range(1, count + 1)]
    shown = [tile["code"] for seen in pages for tile in seen["tiles"]]
    assert sorted(shown) == sorted(["HT", "DD", "KD", "LD", *added])
    for number, seen in enumerate(pages):
        assert_on_screen(seen)
        buttons = {button["action"]: button for button in seen["pageButtons"]}
        assert set(buttons) == {"page-previous", "page-next"}
        for button in buttons.values():
            assert inside(button["box"], [0, 0, seen["width"], seen["height"]]), button
            assert button["box"][3] - button["box"][1] >= TOUCH_PX, button
        assert buttons["page-previous"]["isDisabled"] == (number == 0)
        assert buttons["page-next"]["isDisabled"] == (number == count - 1)


def test_the_previous_page_button_goes_back(live_server, new_page):
    names = [f"{INVENTED_NAMES[number % 4]} ({number})" for number in range(16)]
    with more_services(live_server, names):
        page = open_kiosk(new_page, live_server, (1920, 1080))
        first = home(page)
        page.locator('[data-action="page-next"]').click()
        page.wait_for_function("document.getElementById('service-page').textContent !== ''")
        page.wait_for_function(
            "(text) => document.getElementById('service-page').textContent !== text",
            arg=first["page"],
        )
        page.locator('[data-action="page-previous"]').click()
        page.wait_for_function(
            "(text) => document.getElementById('service-page').textContent === text",
            arg=first["page"],
        )
        again = home(page)
    assert [tile["code"] for tile in again["tiles"]] == [tile["code"] for tile in first["tiles"]]

"""The admin's ticket preview in a real headless Chromium: the slip drawn
one printed dot to one CSS pixel, beside the kiosk's printer."""

from __future__ import annotations

import os

import pytest

from queueing.models import Kiosk
from tests.conftest import serious_violations

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("LUOT_SCREENSHOTS")


def set_kiosk(live_server, printer_url, paper_width_dots):
    def change(session):
        row = session.query(Kiosk).one()
        row.printer_url = printer_url
        row.paper_width_dots = paper_width_dots

    live_server.db.write(change)


def slip(page):
    page.wait_for_function(
        "() => { const image = document.querySelector('#preview-slip');"
        " return image && image.complete && image.naturalWidth > 0; }"
    )
    return page.locator("#preview-slip").evaluate(
        "image => ({natural: image.naturalWidth, shown: image.getBoundingClientRect().width})"
    )


@pytest.mark.parametrize(
    ("printer_url", "dots", "paper"),
    [("tcp://10.0.0.50:9100", 576, "80 mm"), ("usb://04b8:0202", 384, "58 mm")],
)
def test_the_slip_is_shown_at_its_paper_width_beside_the_printer(
    live_server, new_page, printer_url, dots, paper
):
    set_kiosk(live_server, printer_url, dots)
    page = new_page(1280, 1000)
    page.goto(live_server.url("/login?next=/admin/kiosks"))
    page.fill("#username", "admin")
    page.fill("#password", "demo-admin")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url("/admin/kiosks"))
    page.click("#admin-kiosks a[href*='ticket-preview']")
    page.wait_for_url("**/ticket-preview?office=DEMO")
    assert slip(page) == {"natural": dots, "shown": dots}
    assert page.locator("#preview-printer").inner_text() == printer_url
    assert page.locator("#preview-paper").inner_text() == f"{paper} ({dots} chấm)"
    assert serious_violations(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/ticket-preview-{dots}.png", full_page=True)
    # The English slip, the page still in Vietnamese.
    page.click("a[lang=en][href*='paper_lang=en']")
    page.wait_for_url("**paper_lang=en")
    assert slip(page) == {"natural": dots, "shown": dots}
    assert page.locator("html").get_attribute("lang") == "vi"

"""The shared browser fixtures work: a real Chromium loads a page of the app."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_chromium_renders_an_error_page_of_the_app(live_server, page):
    response = page.goto(live_server.url("/no-such-page"))
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page.locator("#error-code").inner_text() == "404 · not_found"
    assert page.evaluate("typeof axe.run") == "function"

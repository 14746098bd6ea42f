"""The clerk's terminal, the counter screen and the rating tablet in a real
headless Chromium against a real server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from queueing.models import Rating
from tests.conftest import LiveServer, serious_violations
from tests.display.clerk_api import ClerkApi

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


def log_in(page: Any, server: LiveServer, username: str = "canbo1") -> None:
    page.goto(server.url("/counter"))
    page.wait_for_url("**/login?next=/counter")
    page.fill("#username", username)
    page.fill("#password", "demo-" + username)
    page.click("button[type=submit]")
    page.wait_for_url("**/counter/choose")


def open_terminal(new_page: Any, server: LiveServer, counter_id: int) -> Any:
    page = new_page(1366, 768)
    log_in(page, server)
    page.click(f"button[name=counter][value='{counter_id}']")
    page.wait_for_url("**/counter")
    # Connected, with the counter's state drawn.
    page.wait_for_function("document.getElementById('counter-state').textContent !== ''")
    return page


def current_code_is(page: Any, code: str) -> None:
    page.wait_for_function(
        "(code) => document.getElementById('current-code').textContent === code", arg=code
    )


def press_and_get_called(page: Any, api: ClerkApi, key: str, counter_id: int) -> dict[str, Any]:
    """Press a key that calls someone; the ticket the counter now holds, as
    the page shows it. (Tests share the server: the queue may hold tickets
    of earlier tests, so the one called is read back, not assumed.)"""
    page.keyboard.press(key)
    page.wait_for_function("document.getElementById('current-code').textContent !== '—'")
    called = api.counter(counter_id)["current_ticket"]
    current_code_is(page, called["code"])
    return dict(called)


def press_when_ready(page: Any, key: str, action: str) -> None:
    """Press a shortcut once its button is enabled: the terminal ignores keys
    while its last action is still on its way to the server."""
    page.wait_for_function(
        "(action) => !document.querySelector(`[data-action='${action}']`).disabled", arg=action
    )
    page.keyboard.press(key)


def ticket(server: LiveServer, ticket_id: int) -> dict[str, Any]:
    """The ticket as staff see it (anyone else needs its holder's token)."""
    import requests

    response = requests.get(
        server.url(f"/api/v1/tickets/{ticket_id}"), headers=server.headers("clerk"), timeout=10
    )
    return dict(response.json())


def test_login_refuses_a_wrong_password(live_server, new_page):
    page = new_page(1366, 768)
    page.goto(live_server.url("/login"))
    page.fill("#username", "canbo1")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator("#login-error").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.url.endswith("/login")
    page.goto(live_server.url("/counter"))
    assert "/login?next=/counter" in page.url


def test_call_next_and_finish_with_the_buttons(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    waiting = api.issue("DD")
    page.wait_for_selector(f'#line tr[data-ticket="{waiting["id"]}"]')
    # The clerk's own figures of today: other tests of the module may have
    # served with the same clerk before this one.
    served_before = page.request.get(live_server.url("/counter/1/today.json")).json()["served"]
    page.click('[data-action="call_next"]')
    # The page answers once the server has called: read the ticket then.
    page.wait_for_function("document.getElementById('current-code').textContent !== '—'")
    called = api.counter(1)["current_ticket"]
    current_code_is(page, called["code"])
    assert page.locator("#current-state").inner_text() == "Đã gọi"
    assert page.locator('[data-action="call_next"]').is_disabled()
    assert page.locator('[data-action="finish"]').is_enabled()
    page.click('[data-action="start"]')
    page.wait_for_function(
        "document.getElementById('current-state').textContent === 'Đang phục vụ'"
    )
    page.click('[data-action="finish"]')
    current_code_is(page, "—")
    done = ticket(live_server, called["id"])
    assert (done["state"], done["outcome"]) == ("done", "resolved")
    assert page.locator("#message").inner_text() == f"Đã hoàn thành số {called['code']}."
    page.wait_for_function(
        "(served) => document.getElementById('figure-served').textContent === served",
        arg=str(served_before + 1),
    )


def test_call_next_and_finish_with_the_keyboard(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    api.issue("LD")
    first = press_and_get_called(page, api, "F1", 1)
    press_when_ready(page, "r", "recall")
    page.wait_for_function("document.getElementById('current-calls').textContent.includes('2')")
    press_when_ready(page, "s", "start")
    page.wait_for_function(
        "document.getElementById('current-state').textContent === 'Đang phục vụ'"
    )
    page.keyboard.press("2")
    assert page.locator('input[value="more_documents"]').is_checked()
    press_when_ready(page, "f", "finish")
    current_code_is(page, "—")
    done = ticket(live_server, first["id"])
    assert (done["state"], done["call_count"], done["outcome"]) == ("done", 2, "more_documents")
    # Space calls the next one too, when no button has the focus.
    api.issue("LD")
    second = press_and_get_called(page, api, " ", 1)
    press_when_ready(page, "f", "finish")
    current_code_is(page, "—")
    assert ticket(live_server, second["id"])["state"] == "done"


def test_a_no_show_needs_a_recall_and_returns_to_the_queue(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    api.issue("LD")
    absent = press_and_get_called(page, api, "F1", 1)
    # Idle again (recall enabled), the terminal says why N cannot be pressed yet.
    page.wait_for_function("!document.querySelector('[data-action=\"recall\"]').disabled")
    assert page.locator('[data-action="no_show"]').is_disabled()
    page.keyboard.press("n")
    assert page.locator("#message").inner_text() == "Cần gọi lại 1 lần trước khi đánh vắng mặt."
    press_when_ready(page, "r", "recall")
    press_when_ready(page, "n", "no_show")
    current_code_is(page, "—")
    page.wait_for_selector(f'#no-shows [data-return="{absent["id"]}"]')
    assert ticket(live_server, absent["id"])["state"] == "no_show"
    page.click(f'#no-shows [data-return="{absent["id"]}"]')
    page.wait_for_selector(f'#line tr[data-ticket="{absent["id"]}"]')
    assert ticket(live_server, absent["id"])["state"] == "waiting"


def test_shortcuts_are_ignored_while_typing_a_pause_reason(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    api.issue("KD")
    page.keyboard.press("d")
    page.wait_for_selector("#pause-dialog[open]")
    page.keyboard.type("Họp giao ban")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.getElementById('counter-state').textContent === 'Tạm dừng: Họp giao ban'"
    )
    counter = api.counter(1)
    assert (counter["state"], counter["pause_reason"]) == ("paused", "Họp giao ban")
    # The letters typed called no one, and call next waits for the counter to open.
    assert counter["current_ticket"] is None
    page.keyboard.press("F1")
    assert page.locator("#message").inner_text() == "Thao tác này chưa thực hiện được lúc này."
    page.keyboard.press("o")
    page.wait_for_function("document.getElementById('counter-state').textContent === 'Đang mở'")
    assert api.counter(1)["state"] == "open"


def test_transfer_to_another_service_from_the_dialog(live_server, new_page, api):
    api.free(1)
    page = open_terminal(new_page, live_server, 1)
    moved = api.issue("HT")
    # Called by its own button in the line, whoever else waits.
    page.click(f'#line tr[data-ticket="{moved["id"]}"] [data-call]')
    current_code_is(page, moved["code"])
    assert ticket(live_server, moved["id"])["state"] == "called"
    page.keyboard.press("t")
    page.select_option("#transfer-service", "LD")
    page.click('#transfer-dialog button[value="confirm"]')
    current_code_is(page, "—")
    assert ticket(live_server, moved["id"])["state"] == "transferred"
    page.wait_for_selector(f'#line tr:first-child .line-code:has-text("{moved["code"]}")')


def test_the_counter_screen_shows_the_number_called_there(live_server, new_page, api):
    page = new_page(1280, 720)
    page.goto(live_server.url("/counter/3/screen"))
    page.wait_for_function("document.getElementById('screen-code').textContent !== ''")
    api.free(3)
    page.wait_for_function("document.getElementById('screen-code').textContent === '—'")
    api.issue("HT")
    called = api.call_next(3)
    page.wait_for_function(
        "(code) => document.getElementById('screen-code').textContent === code", arg=called["code"]
    )
    assert "is-flashing" in page.locator("#screen").get_attribute("class")
    assert page.locator("h1").inner_text() == "Quầy 3"
    assert serious_violations(page) == []
    api.post("/api/v1/counters/3/finish")
    page.wait_for_function("document.getElementById('screen-code').textContent === '—'")


def sign_in_tablet(page: Any, server: LiveServer, counter_id: int) -> None:
    """A clerk signs the rating tablet in (it rates as the office's staff)."""
    page.goto(server.url(f"/counter/{counter_id}/rate"))
    page.wait_for_url(f"**/login?next=/counter/{counter_id}/rate")
    page.fill("#username", "canbo2")
    page.fill("#password", "demo-canbo2")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/counter/{counter_id}/rate")
    page.wait_for_function("window.luotTablet && window.luotTablet.socket.connected")


def open_tablet(new_page: Any, server: LiveServer, counter_id: int) -> Any:
    page = new_page(1280, 800)
    sign_in_tablet(page, server, counter_id)
    return page


def serve_one(api: ClerkApi, counter_id: int) -> dict[str, Any]:
    api.free(counter_id)
    api.issue("DD")
    served = api.call_next(counter_id)
    api.post(f"/api/v1/counters/{counter_id}/finish")
    return served


def rating_of(server: LiveServer, ticket_id: int) -> Rating | None:
    with server.db.read() as session:
        return session.scalar(select(Rating).where(Rating.ticket_id == ticket_id))


def test_the_rating_tablet_stores_the_score(live_server, new_page, api):
    page = open_tablet(new_page, live_server, 2)
    assert page.locator("#step-idle").is_visible()
    served = serve_one(api, 2)
    page.wait_for_selector("#step-rate", state="visible")
    assert page.locator("#rate-code").inner_text() == served["code"]
    assert page.locator(".level-label").all_inner_texts() == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
    ]
    page.click('[data-score="4"]')
    page.wait_for_selector("#step-thanks", state="visible")
    assert page.locator("#thanks-title").inner_text() == "Xin cảm ơn ông/bà!"
    rating = rating_of(live_server, served["id"])
    assert rating is not None
    assert (rating.score, rating.reasons, rating.counter_id) == (4, [], 2)


def test_a_low_score_asks_for_reasons_and_a_comment(live_server, new_page, api):
    page = open_tablet(new_page, live_server, 2)
    served = serve_one(api, 2)
    page.wait_for_selector("#step-rate", state="visible")
    page.click('[data-score="1"]')
    page.wait_for_selector("#step-reasons", state="visible")
    assert rating_of(live_server, served["id"]) is None
    assert serious_violations(page) == []
    page.click('label.reason:has(input[value="long_wait"])')
    page.click('label.reason:has(input[value="attitude"])')
    page.fill("#comment", "Chờ hơn một tiếng")
    page.click("#reasons-send")
    page.wait_for_selector("#step-thanks", state="visible")
    rating = rating_of(live_server, served["id"])
    assert rating is not None
    assert (rating.score, rating.reasons, rating.comment) == (
        1,
        ["attitude", "long_wait"],
        "Chờ hơn một tiếng",
    )


def test_the_tablet_goes_back_to_idle_without_a_rating(live_server, new_page, api):
    page = new_page(1280, 800)
    page.clock.install()
    sign_in_tablet(page, live_server, 2)
    served = serve_one(api, 2)
    page.wait_for_selector("#step-rate", state="visible")
    page.clock.run_for(29_000)
    assert page.locator("#step-rate").is_visible()
    page.clock.run_for(2_000)
    page.wait_for_selector("#step-idle", state="visible")
    assert rating_of(live_server, served["id"]) is None


def test_pages_of_the_clerk_have_no_serious_accessibility_fault(live_server, new_page, api):
    page = new_page(1366, 768)
    page.goto(live_server.url("/login"))
    assert serious_violations(page) == []
    page.fill("#username", "canbo2")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error")
    assert serious_violations(page) == []
    log_in(page, live_server, "canbo2")
    assert serious_violations(page) == []
    page.click("button[name=counter][value='3']")
    page.wait_for_url("**/counter")
    api.free(3)
    api.issue("HT")
    api.issue("DD", priority="elderly")
    # The terminal has heard that its counter is free.
    page.wait_for_function("!document.querySelector('[data-action=\"call_next\"]').disabled")
    page.keyboard.press("F1")
    page.wait_for_function("document.getElementById('current-code').textContent !== '—'")
    page.wait_for_selector("#line tr")
    assert serious_violations(page) == []
    page.keyboard.press("t")
    page.wait_for_selector("#transfer-dialog[open]")
    assert serious_violations(page) == []


def test_the_idle_tablet_has_no_serious_accessibility_fault(live_server, new_page):
    page = open_tablet(new_page, live_server, 1)
    assert serious_violations(page) == []


def test_taking_a_counter_from_another_clerk_asks_and_sends_the_other_terminal_away(
    live_server, new_page, api
):
    """Lan works counter 2 (no other test of the module signs a clerk in
    there); Minh takes it after confirming; Lan's terminal says so and goes
    back to the choice of counter."""
    lan = new_page(1366, 768)
    log_in(lan, live_server, "canbo1")
    lan.click("button[name=counter][value='2']")
    lan.wait_for_url("**/counter")
    lan.wait_for_function("window.luotTerminal && window.luotTerminal.socket.connected")

    minh = new_page(1366, 768)
    log_in(minh, live_server, "canbo2")
    minh.click("button[name=counter][value='2']")
    minh.locator("#take-over").wait_for()
    assert "Nguyễn Thị Lan" in minh.locator(".take-over-who").inner_text()
    minh.click("#take-over")
    minh.wait_for_url("**/counter")

    # Told by the server's counter_taken, well before the terminal's next
    # 30 s beat would have found out.
    lan.locator("#message", has_text="Quầy này đã được cán bộ khác nhận").wait_for(timeout=10_000)
    lan.wait_for_url("**/counter/choose")
    assert api.counter(2)["state"] == "open"

    # Minh signs out: the counter pauses and is free; a keypad reopens it
    # for the other tests of the module.
    minh.click("form[action='/logout'] button")
    minh.wait_for_url("**/login")
    assert api.counter(2)["state"] == "paused"
    api.post("/api/v1/counters/2/open")

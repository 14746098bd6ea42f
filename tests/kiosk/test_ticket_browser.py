"""The citizen's ticket page on a phone-sized Chromium, against a real server.

Calls and finishes go through the API as a clerk's keypad would send them;
the page must follow them live.
"""

from __future__ import annotations

import math

import pytest
import requests
from sqlalchemy import select

from queueing.models import Rating
from tests.conftest import serious_violations

from .helpers import clear_lines, free_counter, issue, wait_until_held

pytestmark = pytest.mark.browser

PHONE = (390, 844)
#: Records the page's sound and vibration, which a headless browser cannot
#: be asked about afterwards.
RECORD_SIGNALS = """
window.signals = {played: [], vibrations: []};
HTMLMediaElement.prototype.play = function () {
  window.signals.played.push(this.src);
  return Promise.resolve();
};
navigator.vibrate = (pattern) => { window.signals.vibrations.push(pattern); return true; };
"""

#: Counts the JSON answers the page has read; the page's code that follows
#: the read has run by the time a later task sees the count.
COUNT_ANSWERS_READ = """() => {
  const read = Response.prototype.json;
  window.answersRead = 0;
  Response.prototype.json = async function () {
    const value = await read.call(this);
    window.answersRead += 1;
    return value;
  };
}"""


@pytest.fixture(scope="module")
def clerk(live_server):
    return live_server.headers("clerk")


@pytest.fixture
def ticket_page(live_server, new_page):
    """``ticket_page(ticket)``: the ticket's page on a phone, connected,
    opened as its QR code leads there (with the holder's token)."""

    def open_page(ticket, query=""):
        page = new_page(*PHONE, is_mobile=True, has_touch=True)
        page.add_init_script(RECORD_SIGNALS)
        page.goto(live_server.url(f"/t/{ticket['access_token']}{query}"))
        page.locator('html[data-connection="live"]').wait_for(state="attached")
        return page

    return open_page


def post(live_server, path, clerk, body=None):
    response = requests.post(live_server.url(path), json=body, headers=clerk, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def call_to_counter(live_server, clerk, counter_id, ticket_id):
    free_counter(live_server, clerk, counter_id)
    return post(live_server, f"/api/v1/counters/{counter_id}/call/{ticket_id}", clerk)


def holder_view(live_server, ticket):
    """The ticket as its holder reads it from the API (with the token)."""
    response = requests.get(
        live_server.url(f"/api/v1/tickets/{ticket['id']}"),
        params={"token": ticket["access_token"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def expected_wait_text(estimated_wait_s):
    if estimated_wait_s < 60:
        return "Thời gian chờ dự kiến: dưới 1 phút"
    minutes = math.ceil(estimated_wait_s / 60)
    if minutes == 1:
        return "Thời gian chờ dự kiến: khoảng 1 phút"
    return f"Thời gian chờ dự kiến: khoảng {minutes} phút"


def test_waiting_ticket_shows_code_service_position_and_wait(live_server, clerk, ticket_page):
    clear_lines(live_server, clerk)
    for _ in range(2):
        issue(live_server, "KD")
    ticket = issue(live_server, "KD")

    page = ticket_page(ticket)

    assert page.locator("#ticket-code").inner_text() == ticket["code"]
    assert page.locator("#ticket-service").inner_text() == "Đăng ký kinh doanh"
    assert page.locator("#waiting-ahead").inner_text() == "Số người đang chờ trước bạn: 2"
    fresh = holder_view(live_server, ticket)
    assert fresh["position"] == 2
    assert page.locator("#waiting-estimate").inner_text() == expected_wait_text(
        fresh["estimated_wait_s"]
    )


def test_the_page_counts_every_service_sharing_the_counters(live_server, clerk, ticket_page):
    """The demo's counters serve every service: tickets of other services
    issued earlier are ahead, and cancelling one of them moves this page."""
    clear_lines(live_server, clerk)
    others = [issue(live_server, code) for code in ("HT", "DD", "LD", "HT")]
    ticket = issue(live_server, "KD")
    page = ticket_page(ticket)
    ahead = page.locator("#waiting-ahead")
    ahead.filter(has_text="Số người đang chờ trước bạn: 4").wait_for()

    post(live_server, f"/api/v1/tickets/{others[1]['id']}/cancel", clerk)

    ahead.filter(has_text="Số người đang chờ trước bạn: 3").wait_for()
    fresh = holder_view(live_server, ticket)
    assert fresh["position"] == 3
    assert page.locator("#waiting-estimate").inner_text() == expected_wait_text(
        fresh["estimated_wait_s"]
    )


def test_a_call_shows_the_counter(live_server, clerk, ticket_page):
    ticket = issue(live_server, "HT")
    page = ticket_page(ticket)
    free_counter(live_server, clerk, 2)

    post(live_server, f"/api/v1/counters/2/call/{ticket['id']}", clerk)
    page.locator("#state-called").wait_for(state="visible")

    assert page.locator("#called-counter").inner_text() == "2"
    assert page.locator("#called-message").inner_text() == (
        f"Mời công dân có số thứ tự {ticket['code']} đến quầy số 2"
    )
    assert page.locator("#state-waiting").is_hidden()
    signals = page.evaluate("window.signals")
    assert [src.endswith("/static/voice/chime.mp3") for src in signals["played"]] == [True]
    assert len(signals["vibrations"]) == 1
    assert page.title().startswith(f"{ticket['code']} – mời đến quầy số 2")


def test_a_recall_rings_again(live_server, clerk, ticket_page):
    ticket = issue(live_server, "LD")
    page = ticket_page(ticket)
    call_to_counter(live_server, clerk, 3, ticket["id"])
    page.locator("#state-called").wait_for(state="visible")
    page.wait_for_function("window.signals.played.length === 1")

    post(live_server, "/api/v1/counters/3/recall", clerk)

    page.wait_for_function("window.signals.played.length === 2")
    assert page.evaluate("window.signals.vibrations.length") == 2


def test_a_page_opened_after_the_call_shows_it_without_ringing(live_server, clerk, ticket_page):
    ticket = issue(live_server, "LD")
    call_to_counter(live_server, clerk, 1, ticket["id"])

    page = ticket_page(ticket)

    assert page.locator("#state-called").is_visible()
    assert page.locator("#called-counter").inner_text() == "1"
    # The fetch made on connecting has come back, and nothing rang.
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.signals.played") == []


def test_sound_button_plays_the_chime_once_to_allow_sound(live_server, ticket_page):
    ticket = issue(live_server, "HT")
    page = ticket_page(ticket)

    page.get_by_role("button", name="Bật âm thanh").click()

    page.locator("#sound-ready").wait_for(state="visible")
    assert page.locator("#sound-on").is_hidden()
    assert page.evaluate("window.signals.played.length") == 1


def test_serving_shows_the_counter(live_server, clerk, ticket_page):
    ticket = issue(live_server, "HT")
    call_to_counter(live_server, clerk, 1, ticket["id"])
    page = ticket_page(ticket)

    post(live_server, "/api/v1/counters/1/start", clerk)

    page.locator("#state-serving").wait_for(state="visible")
    assert page.locator("#serving-message").inner_text() == (
        "Ông/bà đang được phục vụ tại quầy số 1"
    )
    assert page.locator("#state-called").is_hidden()


def finished_ticket(live_server, clerk, counter_id):
    ticket = issue(live_server, "KD")
    call_to_counter(live_server, clerk, counter_id, ticket["id"])
    post(live_server, f"/api/v1/counters/{counter_id}/finish", clerk)
    return ticket


def rating_of(live_server, ticket_id):
    with live_server.db.read() as session:
        return session.scalar(select(Rating).where(Rating.ticket_id == ticket_id))


def test_the_rating_form_appears_when_the_service_ends(live_server, clerk, ticket_page):
    ticket = issue(live_server, "KD")
    call_to_counter(live_server, clerk, 2, ticket["id"])
    page = ticket_page(ticket)
    page.locator("#state-called").wait_for(state="visible")

    post(live_server, "/api/v1/counters/2/finish", clerk)

    form = page.locator("#rating-form")
    form.wait_for(state="visible")
    labels = form.locator(".rating-level__label").all_inner_texts()
    assert labels == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
    ]
    assert page.locator("#rating-reasons").is_hidden()


def test_a_low_score_asks_why_and_stores_the_rating(live_server, clerk, ticket_page):
    ticket = finished_ticket(live_server, clerk, 3)
    page = ticket_page(ticket)

    page.get_by_label("Không hài lòng", exact=True).check()
    reasons = page.locator("#rating-reasons")
    assert reasons.is_visible()
    assert reasons.locator("label").all_inner_texts() == [
        "Thời gian chờ lâu",
        "Thái độ phục vụ chưa tốt",
        "Hướng dẫn chưa rõ ràng",
        "Giải quyết chậm",
        "Lý do khác",
    ]
    page.get_by_label("Thời gian chờ lâu").check()
    page.get_by_label("Giải quyết chậm").check()
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Phải chờ gần một tiếng")
    page.get_by_role("button", name="Gửi đánh giá").click()

    page.locator("#rating-thanks").wait_for(state="visible")
    assert page.locator("#rating-thanks").inner_text().startswith("Xin cảm ơn ông/bà!")
    assert page.locator("#rating-form").is_hidden()
    rating = rating_of(live_server, ticket["id"])
    assert rating.score == 2
    assert rating.reasons == ["long_wait", "slow_processing"]
    assert rating.comment == "Phải chờ gần một tiếng"


def test_a_high_score_sends_no_reasons(live_server, clerk, ticket_page):
    ticket = finished_ticket(live_server, clerk, 1)
    page = ticket_page(ticket)

    page.get_by_label("Rất không hài lòng").check()
    page.get_by_label("Lý do khác").check()
    page.get_by_label("Rất hài lòng").check()
    assert page.locator("#rating-reasons").is_hidden()
    page.get_by_role("button", name="Gửi đánh giá").click()

    page.locator("#rating-thanks").wait_for(state="visible")
    rating = rating_of(live_server, ticket["id"])
    assert (rating.score, rating.reasons, rating.comment) == (5, [], "")


def test_sending_without_a_score_asks_for_one(live_server, clerk, ticket_page):
    ticket = finished_ticket(live_server, clerk, 2)
    page = ticket_page(ticket)

    page.get_by_role("button", name="Gửi đánh giá").click()

    assert page.locator("#rating-error").inner_text() == "Vui lòng chọn một mức độ hài lòng."
    assert rating_of(live_server, ticket["id"]) is None


def test_a_rated_ticket_shows_the_thanks_on_reload(live_server, clerk, ticket_page):
    ticket = finished_ticket(live_server, clerk, 3)
    requests.post(
        live_server.url(f"/api/v1/tickets/{ticket['id']}/rating"),
        json={"score": 4, "token": ticket["access_token"]},
        timeout=10,
    )

    page = ticket_page(ticket)

    assert page.locator("#rating-thanks").is_visible()
    assert page.locator("#rating-form").is_hidden()


def test_no_show_says_what_to_do(live_server, clerk, ticket_page):
    ticket = issue(live_server, "HT")
    call_to_counter(live_server, clerk, 2, ticket["id"])
    page = ticket_page(ticket)

    post(live_server, "/api/v1/counters/2/recall", clerk)
    post(live_server, "/api/v1/counters/2/no-show", clerk)

    page.locator("#state-no_show").wait_for(state="visible")
    assert page.locator("#state-no_show").inner_text() == (
        "Ông/bà đã không có mặt khi được gọi. Vui lòng đến quầy hướng dẫn để được hỗ trợ."
    )
    assert page.locator("#sound").is_hidden()


def test_cancelled_says_so(live_server, clerk, ticket_page):
    ticket = issue(live_server, "LD")
    page = ticket_page(ticket)

    post(live_server, f"/api/v1/tickets/{ticket['id']}/cancel", clerk)

    page.locator("#state-cancelled").wait_for(state="visible")
    assert page.locator("#state-cancelled").inner_text() == "Số thứ tự này đã bị hủy."
    assert page.locator("#state-waiting").is_hidden()


def test_a_transfer_shows_a_note_then_follows_the_new_leg(live_server, clerk, ticket_page):
    ticket = issue(live_server, "HT")
    call_to_counter(live_server, clerk, 1, ticket["id"])
    page = ticket_page(ticket)
    page.clock.install()

    leg = post(live_server, "/api/v1/counters/1/transfer", clerk, {"service": "DD"})["ticket"]

    note = page.locator("#state-transferred")
    note.wait_for(state="visible")
    assert "Vui lòng chú ý màn hình và loa gọi số" in note.inner_text()
    page.clock.fast_forward(6_000)
    # The same address (the holder's token) now shows the new leg.
    page.locator("#ticket-service", has_text="Đất đai").wait_for()
    assert leg["access_token"] == ticket["access_token"]
    assert page.url.endswith(f"/t/{ticket['access_token']}")
    assert page.locator("#ticket-code").inner_text() == ticket["code"]
    assert page.locator("#ticket-service").inner_text() == "Đất đai"
    assert page.locator("#state-waiting").is_visible()


def test_the_page_fetches_the_ticket_again_when_it_comes_back_to_view(live_server, ticket_page):
    ticket = issue(live_server, "KD")
    page = ticket_page(ticket)
    page.locator("#waiting-ahead").filter(has_text="Số người").wait_for()
    fetched = []

    def answer_called(route):
        fetched.append(route.request.url)
        route.fulfill(
            json={**ticket, "state": "called", "counter": 3, "counter_number": 3, "call_count": 1}
        )

    page.route(f"**/api/v1/tickets/{ticket['id']}?token=*", answer_called)

    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    page.locator("#state-called").wait_for(state="visible")
    assert len(fetched) == 1
    assert page.locator("#called-counter").inner_text() == "3"
    assert page.evaluate("window.signals.vibrations.length") == 1


def test_an_answer_older_than_a_live_update_does_not_undo_it(live_server, clerk, ticket_page):
    ticket = issue(live_server, "HT")
    page = ticket_page(ticket)
    held = []
    page.route(f"**/api/v1/tickets/{ticket['id']}?token=*", lambda route: held.append(route))
    page.evaluate(COUNT_ANSWERS_READ)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    wait_until_held(page, held, "ticket")

    call_to_counter(live_server, clerk, 1, ticket["id"])
    page.locator("#state-called").wait_for(state="visible")
    with page.expect_response(f"**/api/v1/tickets/{ticket['id']}?token=*"):
        held[0].fulfill(json=ticket)  # as it was when the fetch left: waiting
    # Nothing on the page marks an answer ignored: wait until it has read it.
    page.wait_for_function("window.answersRead === 1")

    assert page.locator("#state-called").is_visible()
    assert page.locator("#state-waiting").is_hidden()


def test_ticket_page_in_english(live_server, clerk, ticket_page):
    ticket = issue(live_server, "DD", priority="small_child")
    page = ticket_page(ticket, "?lang=en")

    body = page.locator("body").inner_text()
    assert "Your number" in body
    assert "Land" in body
    assert "Priority: With a small child" in body
    assert "People ahead of you: " in body
    assert "Estimated wait: " in body
    assert "Turn on sound" in body
    for vietnamese in ("Số thứ tự của bạn", "Số người đang chờ", "Bật âm thanh"):
        assert vietnamese not in body

    call_to_counter(live_server, clerk, 3, ticket["id"])
    page.locator("#state-called").wait_for(state="visible")
    assert page.locator("#called-message").inner_text() == (
        f"Number {ticket['code']}, please go to counter 3"
    )


def test_ticket_page_states_have_no_serious_accessibility_violation(
    live_server, clerk, ticket_page
):
    ticket = issue(live_server, "LD")
    page = ticket_page(ticket)
    page.locator("#waiting-ahead").filter(has_text="Số người").wait_for()
    assert serious_violations(page) == []

    call_to_counter(live_server, clerk, 2, ticket["id"])
    page.locator("#state-called").wait_for(state="visible")
    assert serious_violations(page) == []

    post(live_server, "/api/v1/counters/2/finish", clerk)
    page.locator("#rating-form").wait_for(state="visible")
    page.get_by_label("Rất không hài lòng").check()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Gửi đánh giá").click()
    page.locator("#rating-thanks").wait_for(state="visible")
    assert serious_violations(page) == []

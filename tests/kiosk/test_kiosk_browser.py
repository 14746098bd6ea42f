"""The kiosk in a real Chromium against a real server (``python server.py``).

Tests share one server and its demo office, so each asserts on the tickets
it issued itself, found after the last ticket id it saw.
"""

from __future__ import annotations

import pytest
import requests

from tests.conftest import free_port, serious_violations

from .helpers import (
    clear_lines,
    issue,
    kiosk_printer,
    last_ticket_id,
    restore_service_links,
    served_only_by,
    service_fields,
    tickets_after,
    wait_until_held,
)

pytestmark = pytest.mark.browser

PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
PRINTER_FAULT = "Máy in đang gặp sự cố. Vui lòng ghi nhớ số thứ tự trên màn hình"


@pytest.fixture
def kiosk(live_server, new_page):
    """``kiosk(path="/kiosk", size=PORTRAIT)``: a kiosk page, ready to tap,
    that counts the issuing requests it sends in ``page.issue_requests``."""

    def open_kiosk(path="/kiosk", size=PORTRAIT, clock=False):
        page = new_page(*size)
        page.issue_requests = []

        def note(request):
            if request.method == "POST" and request.url.endswith("/api/v1/tickets"):
                page.issue_requests.append(request)

        page.on("request", note)
        if clock:
            page.clock.install()
        page.goto(live_server.url(path))
        page.locator("#screen-home").wait_for()
        return page

    return open_kiosk


def take_button(page, code):
    return page.locator(f'#screen-home [data-service="{code}"]')


def confirmation_code(page):
    page.locator("#screen-confirmation").wait_for(state="visible")
    return page.locator("#confirmation-code").inner_text()


def test_a_tap_issues_exactly_one_ticket_and_shows_its_code(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    take_button(page, "KD").click()
    code = confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    assert ticket.code == code
    assert ticket.service.code == "KD"
    assert ticket.channel == "kiosk"
    assert ticket.priority == "none"
    assert len(page.issue_requests) == 1
    assert page.locator("#confirmation-service").inner_text() == "Đăng ký kinh doanh"
    assert (
        page.locator("#confirmation-ahead").inner_text().startswith("Số người đang chờ trước bạn: ")
    )
    assert page.locator("#confirmation-wait").inner_text().startswith("Thời gian chờ dự kiến: ")


def test_the_confirmation_shows_people_ahead_and_the_wait_of_the_ticket(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    take_button(page, "LD").click()
    confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    fresh = page.request.get(
        live_server.url(f"/api/v1/tickets/{ticket.id}?token={ticket.access_token}")
    ).json()
    ahead = page.locator("#confirmation-ahead").inner_text()
    assert ahead == f"Số người đang chờ trước bạn: {fresh['position']}"
    minutes = -(-fresh["estimated_wait_s"] // 60)
    expected_wait = (
        "Thời gian chờ dự kiến: dưới 1 phút"
        if fresh["estimated_wait_s"] < 60
        else f"Thời gian chờ dự kiến: khoảng {int(minutes)} phút"
    )
    assert page.locator("#confirmation-wait").inner_text() == expected_wait


def test_the_confirmation_counts_everyone_the_shared_counters_call_first(live_server, kiosk):
    """Every demo counter serves every service: five tickets of three other
    services, issued before, are all called before a new LD ticket."""
    clear_lines(live_server, live_server.headers("clerk"))
    for code in ("HT", "DD", "KD", "HT", "DD"):
        issue(live_server, code)
    page = kiosk()
    page.locator('[data-service-status="LD"]', has_text="trước bạn: 5").wait_for()

    take_button(page, "LD").click()
    confirmation_code(page)

    assert page.locator("#confirmation-ahead").inner_text() == "Số người đang chờ trước bạn: 5"


def test_a_service_no_open_counter_serves_shows_why_and_cannot_be_tapped(live_server, kiosk):
    clerk = live_server.headers("clerk")
    previous = served_only_by(live_server, "LD", 3)
    try:
        page = kiosk()
        assert not take_button(page, "LD").is_disabled()
        response = requests.post(live_server.url("/api/v1/counters/3/pause"), headers=clerk)
        assert response.status_code == 200

        status = page.locator('[data-service-status="LD"]')
        status.filter(has_text="Chưa có quầy nào đang mở cho lĩnh vực này").wait_for()
        assert take_button(page, "LD").is_disabled()
        assert not take_button(page, "HT").is_disabled()
        before = last_ticket_id(live_server)
        refused = requests.post(live_server.url("/api/v1/tickets"), json={"service": "LD"})
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "no_open_counter")
        assert tickets_after(live_server, before) == []
    finally:
        requests.post(live_server.url("/api/v1/counters/3/open"), headers=clerk)
        restore_service_links(live_server, "LD", previous)
    issue(live_server, "HT")  # any change sends the queue to the screens
    page.locator('[data-service-status="LD"]', has_text="Số người đang chờ").wait_for()
    assert not take_button(page, "LD").is_disabled()


def test_two_rapid_taps_issue_one_ticket(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)
    box = take_button(page, "HT").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.mouse.click(x, y)
    page.mouse.click(x, y)
    code = confirmation_code(page)

    assert len(page.issue_requests) == 1
    assert [t.code for t in tickets_after(live_server, before)] == [code]


def test_a_double_click_issues_one_ticket(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    take_button(page, "DD").dblclick()
    code = confirmation_code(page)

    assert len(page.issue_requests) == 1
    assert [t.code for t in tickets_after(live_server, before)] == [code]


def test_the_buttons_are_disabled_while_the_ticket_is_being_issued(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)
    held = []
    page.route("**/api/v1/tickets", lambda route: held.append(route))

    take_button(page, "HT").click()
    page.wait_for_function("document.body.getAttribute('aria-busy') === 'true'")
    wait_until_held(page, held, "issuing")

    for code in ("HT", "DD", "KD", "LD"):
        assert take_button(page, code).is_disabled()
    assert tickets_after(live_server, before) == []
    held[0].continue_()
    code = confirmation_code(page)
    assert [t.code for t in tickets_after(live_server, before)] == [code]
    assert len(held) == 1


def test_a_retry_after_a_lost_answer_gets_the_same_ticket(live_server, kiosk):
    """The server issued the ticket but the answer never reached the kiosk:
    the retry carries the same Idempotency-Key and gets that ticket."""
    page = kiosk()
    before = last_ticket_id(live_server)
    keys = []
    statuses = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            statuses.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            response = route.fetch()
            statuses.append(response.status)
            route.fulfill(response=response)

    page.route("**/api/v1/tickets", lose_the_first_answer)
    take_button(page, "KD").click()
    code = confirmation_code(page)

    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert statuses == [201, 200]
    assert [t.code for t in tickets_after(live_server, before)] == [code]


def test_each_tap_has_its_own_idempotency_key(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    take_button(page, "HT").click()
    first = confirmation_code(page)
    page.locator('#screen-confirmation [data-action="home"]').click()
    take_button(page, "HT").click()
    page.locator("#confirmation-code").filter(has_not_text=first).wait_for()
    second = page.locator("#confirmation-code").inner_text()

    keys = [request.headers["idempotency-key"] for request in page.issue_requests]
    assert len(keys) == 2
    assert keys[0] != keys[1]
    assert [t.code for t in tickets_after(live_server, before)] == [first, second]


def test_a_chosen_priority_goes_with_the_ticket_and_is_cleared_after(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)
    elderly = page.locator('[data-priority="elderly"]')

    elderly.click()
    assert elderly.get_attribute("aria-pressed") == "true"
    take_button(page, "DD").click()
    confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    assert ticket.priority == "elderly"
    assert page.locator("#confirmation-priority").inner_text() == "Ưu tiên: Người cao tuổi"
    page.locator('#screen-confirmation [data-action="home"]').click()
    assert elderly.get_attribute("aria-pressed") == "false"


def test_a_second_tap_on_a_priority_unchooses_it(kiosk):
    page = kiosk()
    pregnancy = page.locator('[data-priority="pregnancy"]')

    pregnancy.click()
    page.locator('[data-priority="disability"]').click()
    assert pregnancy.get_attribute("aria-pressed") == "false"
    page.locator('[data-priority="disability"]').click()

    pressed = page.locator('[data-priority][aria-pressed="true"]')
    assert pressed.count() == 0


def test_english_switch_changes_the_texts(live_server, kiosk):
    page = kiosk()

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/kiosk?lang=en")

    assert page.locator("html").get_attribute("lang") == "en"
    body = page.locator("body").inner_text()
    for english in (
        "Take a number",
        "Please choose the service you need",
        "Documents to bring",
        "Priority",
        "Elderly",
        "Justice – Civil status",
        "People ahead of you: ",
    ):
        assert english in body
    for vietnamese in (
        "Lấy số thứ tự",
        "Vui lòng chọn lĩnh vực",
        "Giấy tờ cần chuẩn bị",
        "Đang chờ",
    ):
        assert vietnamese not in body

    take_button(page, "HT").click()
    confirmation_code(page)
    assert page.issue_requests[0].post_data_json["language"] == "en"
    confirmation = page.locator("#screen-confirmation").inner_text()
    assert "Your number" in confirmation
    assert "People ahead of you: " in confirmation
    assert "Estimated wait: " in confirmation
    # The demo kiosk has no printer: it says to keep the number, in English.
    assert "Please remember the number on screen, or scan the QR code" in confirmation
    assert "Số thứ tự của bạn" not in confirmation


def test_idle_kiosk_returns_home_in_vietnamese(live_server, kiosk):
    page = kiosk("/kiosk?lang=en", clock=True)
    page.locator('[data-priority="elderly"]').click()
    page.locator('[data-documents="HT"]').click()
    assert page.locator("#documents-HT").is_visible()

    page.clock.fast_forward(59_000)
    assert page.locator("#documents-HT").is_visible()
    page.clock.fast_forward(2_000)

    page.wait_for_url("**/kiosk?lang=vi")
    page.locator("#screen-home").wait_for()
    assert page.locator("h1").inner_text() == "Lấy số thứ tự"
    assert page.locator('[data-priority][aria-pressed="true"]').count() == 0


def test_a_touch_postpones_the_idle_reset(kiosk):
    page = kiosk(clock=True)
    page.locator('[data-documents="DD"]').click()

    page.clock.fast_forward(50_000)
    page.locator("#documents-DD h2").click()
    page.clock.fast_forward(50_000)
    assert page.locator("#documents-DD").is_visible()
    page.clock.fast_forward(11_000)

    page.locator("#screen-home").wait_for()
    assert page.locator("#documents-DD").is_hidden()


def test_the_confirmation_returns_home_by_itself(kiosk):
    page = kiosk("/kiosk", clock=True)
    take_button(page, "HT").click()
    confirmation_code(page)

    # Without paper the number stays up longer, to be noted down.
    page.clock.fast_forward(18_000)
    assert page.locator("#screen-confirmation").is_visible()
    page.clock.fast_forward(3_000)

    page.locator("#screen-home").wait_for()
    assert page.locator("#screen-confirmation").is_hidden()


def test_done_returns_home_at_once(kiosk):
    page = kiosk()
    take_button(page, "LD").click()
    confirmation_code(page)

    page.get_by_role("button", name="Xong").click()

    assert page.locator("#screen-home").is_visible()
    assert page.locator("#screen-confirmation").is_hidden()


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_buttons_are_big_and_every_service_is_on_screen(kiosk, size):
    page = kiosk(size=size)
    width, height = size

    buttons = page.locator(
        "#screen-home .service__take, #screen-home .service__documents, .priority-choice"
    )
    assert buttons.count() == 4 + 4 + 5
    for button in buttons.all():
        box = button.bounding_box()
        assert box["height"] >= 60
        assert box["width"] >= 60
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    for service in page.locator("#screen-home .service__take").all():
        # Every service is seen without scrolling.
        box = service.bounding_box()
        assert box["y"] + box["height"] <= height
    texts = ", ".join(
        (
            "#screen-home .service__take *",
            "#screen-home .service__documents span",
            ".priority-choice span",
        )
    )
    sizes = page.locator(texts).evaluate_all(
        "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))"
    )
    assert len(sizes) >= 4 * 2 + 4 + 5
    assert min(sizes) >= 24
    name_size = page.locator(".service__name").first.evaluate(
        "node => parseFloat(getComputedStyle(node).fontSize)"
    )
    assert name_size >= 32


def test_documents_view_shows_the_documents_of_the_service(kiosk):
    page = kiosk()

    page.locator('[data-documents="DD"]').click()

    view = page.locator("#documents-DD")
    assert view.is_visible()
    assert page.locator("#screen-home").is_hidden()
    assert "Đất đai" in view.locator("h2").inner_text()
    assert view.locator("li").all_inner_texts() == [
        "Đơn đăng ký biến động đất đai",
        "Bản gốc Giấy chứng nhận",
        "Hợp đồng chuyển nhượng (nếu có)",
    ]
    assert "giấy chứng nhận quyền sử dụng đất" in view.inner_text()
    view.get_by_role("button", name="Quay lại").click()
    assert page.locator("#screen-home").is_visible()


def test_a_ticket_can_be_taken_from_the_documents_view(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    page.locator('[data-documents="KD"]').click()
    page.locator("#documents-KD").get_by_role("button", name="Lấy số thứ tự").click()
    code = confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    assert (ticket.code, ticket.service.code) == (code, "KD")


def test_a_service_with_its_daily_cap_reached_is_closed_and_cannot_be_tapped(live_server, kiosk):
    previous = service_fields(live_server, "DD", daily_cap=0)
    try:
        page = kiosk()
        before = last_ticket_id(live_server)
        button = take_button(page, "DD")

        assert button.is_disabled()
        assert page.locator('[data-service-status="DD"]').inner_text() == "Đã hết số trong ngày"
        box = button.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        button.click(force=True)

        assert page.locator("#screen-home").is_visible()
        assert page.issue_requests == []
        assert tickets_after(live_server, before) == []
        assert not take_button(page, "HT").is_disabled()
    finally:
        service_fields(live_server, "DD", **previous)


def test_a_service_closing_while_the_kiosk_is_open_shows_the_reason(live_server, kiosk):
    page = kiosk()
    assert not take_button(page, "LD").is_disabled()
    # Until 00:00: no hour of the day issues.
    previous = service_fields(live_server, "LD", issue_until="00:00")
    try:
        issue(live_server, "HT")  # any change sends the queue to the screens

        page.locator('[data-service-status="LD"]', has_text="Ngoài giờ phát số").wait_for()
        assert take_button(page, "LD").is_disabled()
        assert page.locator('[data-service-card="LD"]').get_attribute("class") == (
            "service is-closed"
        )
    finally:
        service_fields(live_server, "LD", **previous)
    issue(live_server, "HT")
    page.locator('[data-service-status="LD"]', has_text="Số người đang chờ").wait_for()
    assert not take_button(page, "LD").is_disabled()


def test_waiting_counts_follow_the_queue(live_server, kiosk):
    page = kiosk()
    status = page.locator('[data-service-status="KD"]')
    page.wait_for_function(
        "() => document.querySelector('[data-service-status=KD]').textContent.startsWith('Số')"
    )
    count = int(status.inner_text().split(": ")[1])

    issue(live_server, "KD")
    issue(live_server, "KD")

    status.filter(has_text=f"Số người đang chờ trước bạn: {count + 2}").wait_for()


def test_a_refusal_while_issuing_shows_the_reason(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)
    # The cap changes behind the kiosk's back: only the refusal tells it.
    previous = service_fields(live_server, "KD", daily_cap=0)
    try:
        take_button(page, "KD").click()

        message = page.locator("#home-message")
        message.wait_for(state="visible")
        assert message.inner_text() == "Đăng ký kinh doanh: Đã hết số trong ngày"
        assert take_button(page, "KD").is_disabled()
        assert page.locator('[data-service-status="KD"]').inner_text() == "Đã hết số trong ngày"
        assert tickets_after(live_server, before) == []
    finally:
        service_fields(live_server, "KD", **previous)


def test_an_unreachable_printer_shows_the_printer_notice(live_server, kiosk):
    kiosk_id = kiosk_printer(live_server, f"tcp://127.0.0.1:{free_port()}")
    try:
        page = kiosk(f"/kiosk/{kiosk_id}")
        before = last_ticket_id(live_server)

        take_button(page, "HT").click()
        code = confirmation_code(page)

        notice = page.locator("#printer-fault")
        assert notice.is_visible()
        assert notice.inner_text() == PRINTER_FAULT
        assert page.locator("#printer-ok").is_hidden()
        (ticket,) = tickets_after(live_server, before)
        assert ticket.code == code
        assert page.issue_requests[0].post_data_json["kiosk"] == kiosk_id
    finally:
        kiosk_printer(live_server, "")


def test_with_no_printer_configured_the_kiosk_says_to_keep_the_number(kiosk):
    page = kiosk("/kiosk")  # the demo's default printer is "none"

    take_button(page, "DD").click()
    confirmation_code(page)

    assert page.locator("#printer-fault").is_hidden()
    assert page.locator("#printer-none").inner_text() == (
        "Vui lòng ghi nhớ số thứ tự trên màn hình, hoặc quét mã QR để theo dõi lượt của mình."
    )
    assert "kiosk" not in page.issue_requests[0].post_data_json


def test_a_working_printer_prints_and_shows_no_notice(live_server, kiosk, tmp_path):
    paper = tmp_path / "paper.bin"
    kiosk_id = kiosk_printer(live_server, f"file://{paper}")
    try:
        page = kiosk(f"/kiosk/{kiosk_id}")

        take_button(page, "LD").click()
        confirmation_code(page)

        assert page.locator("#printer-ok").is_visible()
        assert page.locator("#printer-fault").is_hidden()
        job = paper.read_bytes()
        assert job.startswith(b"\x1b@")
        assert b"\x1dv0" in job
    finally:
        kiosk_printer(live_server, "")


def test_the_confirmation_shows_the_qr_code_of_the_ticket_page(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    take_button(page, "HT").click()
    confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    qr = page.locator("#confirmation-qr")
    # The QR code carries the holder's token, never the ticket's id.
    assert qr.get_attribute("src") == f"/t/{ticket.access_token}/qr.png"
    page.wait_for_function("document.getElementById('confirmation-qr').naturalWidth > 0")


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_kiosk_screens_have_no_serious_accessibility_violation(kiosk, size):
    page = kiosk(size=size)
    assert serious_violations(page) == []

    page.locator('[data-priority="small_child"]').click()
    page.locator('[data-documents="LD"]').click()
    assert serious_violations(page) == []

    page.locator("#documents-LD").get_by_role("button", name="Lấy số thứ tự").click()
    confirmation_code(page)
    assert serious_violations(page) == []


def test_english_kiosk_has_no_serious_accessibility_violation(kiosk):
    page = kiosk("/kiosk?lang=en")

    assert serious_violations(page) == []

"""The booking pages as the server renders them (Flask test client).

The test clock stands at 09:00 (+07:00) on Monday 23 November 2026; the demo
office is open all day with 15-minute slots of three places and books 14
days ahead.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from queueing.models import Appointment, Event, Service
from tests.kiosk.test_kiosk_pages import Page

TEN = "2026-11-23T10:00:00+07:00"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def stored(app_db) -> int:
    with app_db.read() as session:
        return int(session.scalar(select(func.count(Appointment.id))) or 0)


def appointment_of(app_db, access_token):
    with app_db.read() as session:
        return session.scalar(select(Appointment).where(Appointment.access_token == access_token))


@pytest.fixture
def submit(client):
    """``submit(start=..., phone=...)``: posts the booking form of HT as
    the page would, with its CSRF token; returns the response."""

    def post(*, service="HT", start=TEN, query="", with_csrf=True, **fields):
        html = client.get(f"/book?service={service}").get_data(as_text=True)
        data = {"service": service, "day": start[:10], "start": start, **fields}
        if with_csrf:
            data["csrf_token"] = csrf_token(html)
        return client.post(f"/book{query}", data=data)

    return post


@pytest.fixture
def booked(submit):
    """A booking of HT at 10:00 made through the page; its access token."""
    response = submit(name="Nguyễn Văn A", phone="0901 234 567")
    assert response.status_code == 303
    return response.headers["Location"].removeprefix("/book/")


def api_book(client, start=TEN, expect=201, **fields):
    response = client.post("/api/v1/appointments", json={"service": "HT", "start": start, **fields})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


# -- choosing ------------------------------------------------------------------


def test_book_page_lists_the_bookable_services_with_their_documents(client, app_db):
    def no_booking_for_land(session):
        session.scalar(select(Service).where(Service.code == "DD")).slot_minutes = 0

    app_db.write(no_booking_for_land)

    response = client.get("/book")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = {a["data-service"]: a["href"] for a in Page(html).find(**{"class": "service-choice"})}
    assert links == {
        "HT": "/book?service=HT",
        "KD": "/book?service=KD",
        "LD": "/book?service=LD",
    }
    assert "Tư pháp – Hộ tịch" in html
    assert "<li>Giấy chứng sinh (khi đăng ký khai sinh)</li>" in html
    assert "Vui lòng chọn thủ tục ông/bà cần giải quyết" in html


def test_service_offers_only_the_slots_with_room_from_the_use_case(client):
    for _ in range(3):
        api_book(client)
    api = client.get("/api/v1/services/HT/slots?date=2026-11-23").get_json()["slots"]

    html = client.get("/book?service=HT").get_data(as_text=True)

    radios = [i["value"] for i in Page(html).find(type="radio", name="start")]
    assert radios == [slot["start"] for slot in api if slot["available"] > 0]
    # 09:00 has begun; 10:00 is full; 09:15 to 23:45 remain, less 10:00.
    assert radios[0] == "2026-11-23T09:15:00+07:00"
    assert TEN not in radios
    assert len(radios) == 58
    assert Page(html).text("chosen-day") == "Thứ Hai, 23/11/2026"
    assert "<li>Căn cước công dân</li>" in html


def test_days_run_from_today_to_the_horizon(client):
    html = client.get("/book?service=HT").get_data(as_text=True)

    days = Page(html).find(**{"class": "day-choice"})
    assert [d["data-date"] for d in (days[0], days[-1])] == ["2026-11-23", "2026-12-07"]
    assert len(days) == 15
    assert [d["data-date"] for d in days if "aria-current" in d] == ["2026-11-23"]


def test_a_chosen_day_shows_its_own_slots(client):
    html = client.get("/book?service=HT&date=2026-11-25").get_data(as_text=True)

    radios = [i["value"] for i in Page(html).find(type="radio", name="start")]
    assert len(radios) == 96
    assert all(value.startswith("2026-11-25T") for value in radios)
    assert Page(html).text("chosen-day") == "Thứ Tư, 25/11/2026"


def test_a_day_beyond_the_horizon_is_not_offered(client):
    html = client.get("/book?service=HT&date=2026-12-08").get_data(as_text=True)

    radios = [i["value"] for i in Page(html).find(type="radio", name="start")]
    assert radios[0] == "2026-11-23T09:15:00+07:00"


def test_the_page_speaks_english_on_request(client):
    html = client.get("/book?service=HT&date=2026-11-25&lang=en").get_data(as_text=True)

    assert Page(html).text("chosen-day") == "Wednesday, 25/11/2026"
    assert ">Book an appointment</button>" in html
    assert "3 places left" in html


# -- booking -------------------------------------------------------------------


def test_booking_through_the_form_stores_it_and_leads_to_its_page(submit, app_db, clock):
    response = submit(name="  Nguyễn Văn A ", phone="0901 234 567")

    assert response.status_code == 303
    access_token = response.headers["Location"].removeprefix("/book/")
    appointment = appointment_of(app_db, access_token)
    assert appointment is not None
    assert appointment.start == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert (appointment.state, appointment.name, appointment.phone) == (
        "booked",
        "Nguyễn Văn A",
        "0901234567",
    )
    assert appointment.service.code == "HT"
    with app_db.read() as session:
        kinds = list(session.scalars(select(Event.kind).where(Event.kind == "booked")))
    assert kinds == ["booked"]


def test_booking_without_csrf_is_refused_and_stores_nothing(submit, app_db):
    response = submit(with_csrf=False)

    assert response.status_code == 400
    assert stored(app_db) == 0


def fill_the_slot(client):
    for _ in range(3):
        api_book(client)


def hold_the_phone(client):
    api_book(client, start="2026-11-23T11:00:00+07:00", phone="0901234567")


@pytest.mark.parametrize(
    ("setup", "fields", "status", "field", "message"),
    [
        (
            fill_the_slot,
            {},
            409,
            "start",
            "Giờ này vừa hết chỗ. Vui lòng chọn giờ khác.",
        ),
        (
            hold_the_phone,
            {"phone": "0901 234 567"},
            409,
            "phone",
            "Số điện thoại này đã có lịch hẹn cho thủ tục này trong ngày đã chọn.",
        ),
        (
            None,
            {"phone": "12ab"},
            422,
            "phone",
            "Số điện thoại không đúng. Vui lòng nhập từ 8 đến 15 chữ số.",
        ),
        (None, {"start": ""}, 422, "start", "Vui lòng chọn giờ hẹn."),
        (
            None,
            {"start": "2026-11-23T08:00:00+07:00"},
            422,
            "start",
            "Giờ này không còn đặt được. Vui lòng chọn giờ khác.",
        ),
        (
            None,
            {"start": "2026-11-23T10:05:00+07:00"},
            422,
            "start",
            "Giờ này không còn đặt được. Vui lòng chọn giờ khác.",
        ),
        (None, {"name": "A" * 101}, 422, "name", "Họ và tên dài quá 100 ký tự."),
    ],
    ids=[
        "slot_full",
        "phone_has_booking",
        "invalid_phone",
        "no_slot",
        "past",
        "not_a_slot",
        "name",
    ],
)
def test_a_refused_booking_says_why_next_to_its_field_and_stores_nothing(
    client, submit, app_db, setup, fields, status, field, message
):
    if setup is not None:
        setup(client)
    before = stored(app_db)

    response = submit(**fields)

    assert response.status_code == status
    page = Page(response.get_data(as_text=True))
    assert page.text(f"{field}-error").startswith(message)
    assert [e for e in page.text_by_id if e.endswith("-error")] == [f"{field}-error"]
    assert stored(app_db) == before


def test_refusals_are_in_english_on_english_pages(client, submit):
    fill_the_slot(client)

    response = submit(query="?lang=en")

    assert response.status_code == 409
    assert Page(response.get_data(as_text=True)).text("start-error") == (
        "This time has just been fully booked. Please choose another time."
    )


def test_the_form_keeps_what_was_typed_after_a_refusal(client, submit):
    response = submit(name="Trần Thị B", phone="12ab")

    page = Page(response.get_data(as_text=True))
    assert page.find(id="name")[0]["value"] == "Trần Thị B"
    assert page.find(id="phone")[0]["value"] == "12ab"
    assert "checked" in page.find(type="radio", value=TEN)[0]


def test_page_and_api_bookings_share_one_rate_limit(app, client, submit, app_db):
    app.config["LUOT_BOOKING_RATE_LIMIT"] = "2/hour"
    api_book(client, start="2026-11-23T11:00:00+07:00")
    assert submit().status_code == 303

    response = submit(start="2026-11-23T12:00:00+07:00")

    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Ông/bà đã đặt nhiều lịch hẹn trong thời gian ngắn." in html
    assert stored(app_db) == 2


# -- the booking's page --------------------------------------------------------


def test_booking_page_shows_code_service_time_office_and_documents(client, app_db, booked):
    response = client.get(f"/book/{booked}")

    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    code = appointment_of(app_db, booked).code
    assert page.text("booking-code") == code
    assert page.text("booking-state") == "Đã đặt lịch hẹn"
    assert page.text("booking-service") == "Tư pháp – Hộ tịch"
    assert page.text("booking-day") == "Thứ Hai, 23/11/2026"
    assert page.text("booking-time") == "10:00 – 10:15"
    assert page.text("booking-office") == "Bộ phận Một cửa – UBND phường Bến Nghé"
    assert page.text("booking-address") == (
        "Số 1 đường Mẫu, phường Bến Nghé, TP. Hồ Chí Minh (địa chỉ minh họa)"
    )
    assert page.text("booking-name") == "Nguyễn Văn A"
    assert page.text("booking-phone") == "0901234567"
    assert page.text("check-in-window") == (
        "Vui lòng xác nhận đến tại máy lấy số từ 09:30 đến 10:15."
    )
    assert re.findall(r"<li>([^<]*)</li>", response.get_data(as_text=True)) == [
        "Tờ khai theo mẫu",
        "Căn cước công dân",
        "Giấy chứng sinh (khi đăng ký khai sinh)",
    ]
    assert page.find(id="booking-qr")[0]["src"] == f"/book/{booked}/qr.png"
    assert page.find(id="add-to-calendar")[0]["href"] == f"/book/{booked}/booking.ics"
    assert page.find(id="cancel-booking")[0]["href"] == f"/book/{booked}/cancel"


def test_booking_code_is_split_in_groups_of_four_for_reading_aloud(client, app_db, booked):
    html = client.get(f"/book/{booked}").get_data(as_text=True)

    code = appointment_of(app_db, booked).code
    groups = re.findall(r'<span class="code-group">([^<]*)</span>', html)
    assert groups == [code[:4], code[4:]]


def test_booking_page_in_english(client, booked):
    page = Page(client.get(f"/book/{booked}?lang=en").get_data(as_text=True))

    assert page.text("booking-state") == "Booked"
    assert page.text("booking-day") == "Monday, 23/11/2026"
    assert page.text("booking-service") == "Justice – Civil status"


@pytest.mark.parametrize(
    "path",
    [
        "/book/AAAAAAAAAAAAAAAAAAAAAA",
        "/book/short",
        "/book/AAAAAAAAAAAAAAAAAAAAAA/qr.png",
        "/book/AAAAAAAAAAAAAAAAAAAAAA/booking.ics",
        "/book/AAAAAAAAAAAAAAAAAAAAAA/cancel",
    ],
)
def test_an_unknown_token_is_the_404_page(client, booked, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404 · appointment_not_found" in response.get_data(as_text=True)


def test_the_booking_code_is_not_a_way_in(client, app_db, booked):
    code = appointment_of(app_db, booked).code
    assert client.get(f"/book/{code}").status_code == 404


def test_qr_code_reads_as_the_booking_code(client, app_db, booked):
    response = client.get(f"/book/{booked}/qr.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    image = Image.open(io.BytesIO(response.data))
    # An 8-character code fits QR version 1: 21 modules and 4 of quiet zone
    # each side, 8 pixels a module.
    assert image.size == (232, 232)
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == appointment_of(app_db, booked).code


def unfold(text: str) -> list[str]:
    return text[:-2].replace("\r\n ", "").split("\r\n")


def ics_fields(lines: list[str]) -> dict[str, str]:
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("END:VEVENT")]
    return dict(line.split(":", 1) for line in event)


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_calendar_file_holds_the_booking_in_utc(client, app_db, booked):
    response = client.get(f"/book/{booked}/booking.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    raw = response.data
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(raw.decode("utf-8"))
    assert (lines[0], lines[1], lines[-1]) == ("BEGIN:VCALENDAR", "VERSION:2.0", "END:VCALENDAR")
    assert any(line.startswith("PRODID:") for line in lines)
    fields = ics_fields(lines)
    code = appointment_of(app_db, booked).code
    assert fields["UID"] == f"booking-{code}@luot.test"
    assert fields["DTSTAMP"] == "20261123T020000Z"
    assert fields["DTSTART"] == "20261123T030000Z"
    assert fields["DTEND"] == "20261123T031500Z"
    assert fields["STATUS"] == "CONFIRMED"
    assert unescape(fields["SUMMARY"]) == "Lịch hẹn: Tư pháp – Hộ tịch"
    assert unescape(fields["LOCATION"]) == (
        "Bộ phận Một cửa – UBND phường Bến Nghé, "
        "Số 1 đường Mẫu, phường Bến Nghé, TP. Hồ Chí Minh (địa chỉ minh họa)"
    )
    description = unescape(fields["DESCRIPTION"]).split("\n")
    assert description[0] == f"Mã đặt lịch: {code}"
    assert description[1] == "Xác nhận đến tại máy lấy số từ 09:30 đến 10:15."
    assert description[2:6] == [
        "Giấy tờ cần chuẩn bị:",
        "- Tờ khai theo mẫu",
        "- Căn cước công dân",
        "- Giấy chứng sinh (khi đăng ký khai sinh)",
    ]
    assert description[6] == f"http://luot.test/book/{booked}"


def test_calendar_text_escapes_commas_and_semicolons(client, app_db, booked):
    def punctuated(session):
        service = session.scalar(select(Service).where(Service.code == "HT"))
        service.name = "Hộ tịch, khai sinh; kết hôn\\"

    app_db.write(punctuated)

    raw = client.get(f"/book/{booked}/booking.ics").data.decode("utf-8")

    assert ics_fields(unfold(raw))["SUMMARY"] == "Lịch hẹn: Hộ tịch\\, khai sinh\\; kết hôn\\\\"


# -- cancelling and the states -------------------------------------------------


def cancel_with_form(client, access_token):
    html = client.get(f"/book/{access_token}/cancel").get_data(as_text=True)
    return client.post(f"/book/{access_token}/cancel", data={"csrf_token": csrf_token(html)})


def test_cancel_asks_first_then_cancels_and_frees_the_place(client, app_db, booked):
    confirm = client.get(f"/book/{booked}/cancel")
    assert confirm.status_code == 200
    assert "Ông/bà có chắc muốn hủy lịch hẹn này?" in confirm.get_data(as_text=True)
    assert appointment_of(app_db, booked).state == "booked"

    response = cancel_with_form(client, booked)

    assert response.status_code == 303
    assert response.headers["Location"] == f"/book/{booked}"
    assert appointment_of(app_db, booked).state == "cancelled"
    page = Page(client.get(f"/book/{booked}").get_data(as_text=True))
    assert page.text("booking-state") == "Lịch hẹn đã bị hủy"
    assert page.find(id="cancel-booking") == []
    assert page.find(id="booking-qr") == []
    slots = client.get("/api/v1/services/HT/slots?date=2026-11-23").get_json()["slots"]
    assert next(s for s in slots if s["start"] == TEN)["booked"] == 0
    raw = client.get(f"/book/{booked}/booking.ics").data.decode("utf-8")
    assert ics_fields(unfold(raw))["STATUS"] == "CANCELLED"


def test_cancel_without_csrf_is_refused_and_keeps_the_booking(client, app_db, booked):
    response = client.post(f"/book/{booked}/cancel")

    assert response.status_code == 400
    assert appointment_of(app_db, booked).state == "booked"


def test_cancel_with_another_token_is_404_and_keeps_the_booking(client, app_db, booked):
    html = client.get(f"/book/{booked}/cancel").get_data(as_text=True)

    response = client.post(
        "/book/AAAAAAAAAAAAAAAAAAAAAA/cancel", data={"csrf_token": csrf_token(html)}
    )

    assert response.status_code == 404
    assert appointment_of(app_db, booked).state == "booked"


def test_checked_in_booking_says_so_and_links_its_ticket(client, app_db, clock, booked):
    code = appointment_of(app_db, booked).code
    clock.advance(40 * 60)
    checked = client.post(f"/api/v1/appointments/{code}/check-in", json={})
    assert checked.status_code == 201
    ticket = checked.get_json()["ticket"]

    page = Page(client.get(f"/book/{booked}").get_data(as_text=True))

    assert page.text("booking-state") == "Đã xác nhận đến"
    assert page.text("ticket-link") == f"Theo dõi số thứ tự {ticket['code']}"
    assert page.find(id="ticket-link")[0]["href"] == f"/t/{ticket['access_token']}"
    assert page.find(id="cancel-booking") == []
    assert client.get(f"/book/{booked}/cancel").headers["Location"] == f"/book/{booked}"
    token = csrf_token(client.get("/book?service=HT").get_data(as_text=True))
    response = client.post(f"/book/{booked}/cancel", data={"csrf_token": token})
    assert response.status_code == 303
    assert appointment_of(app_db, booked).state == "checked_in"


def test_a_booking_past_its_late_window_reads_as_missed(client, app_db, clock, booked):
    clock.advance(76 * 60)

    page = Page(client.get(f"/book/{booked}").get_data(as_text=True))

    assert page.text("booking-state") == "Đã lỡ hẹn: ông/bà đã không đến trong giờ hẹn"
    assert page.find(id="cancel-booking") == []
    assert page.find(id="check-in-window") == []

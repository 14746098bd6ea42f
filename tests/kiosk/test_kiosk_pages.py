"""The kiosk and ticket pages as the server renders them (Flask test client)."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from queueing.booking import CODE_ALPHABET, CODE_LENGTH
from queueing.models import Counter, CounterService, Kiosk, Service


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their
    attributes, and the text of each element with an id."""

    def __init__(self, html):
        super().__init__()
        self.elements = []
        self.scripts = []
        self._open = []
        self.text_by_id = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "script":
            self.scripts.append(attributes)
        if tag not in ("br", "img", "input", "link", "meta", "path", "circle"):
            self._open.append(attributes.get("id"))

    def handle_endtag(self, tag):
        if self._open and tag not in ("br", "img", "input", "link", "meta", "path", "circle"):
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text_by_id[element_id] = self.text_by_id.get(element_id, "") + data

    def text(self, element_id):
        return " ".join(self.text_by_id.get(element_id, "").split())

    def find(self, **wanted):
        return [
            attributes
            for _tag, attributes in self.elements
            if all(attributes.get(name) == value for name, value in wanted.items())
        ]


def page_data(html, element_id):
    match = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert match, element_id
    return json.loads(match.group(1))


def service_buttons(html):
    return {a["data-service"]: a for a in Page(html).find(**{"class": "service__take"})}


def update_service(app_db, code, **fields):
    def work(session):
        service = session.scalar(select(Service).where(Service.code == code))
        for name, value in fields.items():
            setattr(service, name, value)

    app_db.write(work)


def test_kiosk_shows_every_active_service_as_a_button_in_its_group(client):
    html = client.get("/kiosk").get_data(as_text=True)

    buttons = service_buttons(html)
    assert list(buttons) == ["HT", "DD", "KD", "LD"]
    assert all("disabled" not in button for button in buttons.values())
    assert "Tư pháp – Hộ tịch" in html
    for group in ("Tư pháp", "Tài nguyên – Môi trường", "Kinh tế", "Xã hội"):
        assert f">{group}</h3>" in html


def test_a_service_without_an_english_group_name_stays_in_its_group_in_english(app_db, client):
    """DD joins HT's group "Tư pháp"; only HT gives the group's English name."""
    update_service(app_db, "DD", group_name="Tư pháp", group_name_en="")
    html = client.get("/kiosk?lang=en").get_data(as_text=True)
    groups = re.findall(r">([^<]+)</h3>", html)
    assert groups.count("Justice") == 1
    assert "Tư pháp" not in groups
    section = html.split(">Justice</h3>", 1)[1].split("</h3>", 1)[0]
    assert 'data-service="HT"' in section and 'data-service="DD"' in section


def test_kiosk_leaves_out_inactive_services(app_db, client):
    update_service(app_db, "KD", is_active=False)

    assert list(service_buttons(client.get("/kiosk").get_data(as_text=True))) == ["HT", "DD", "LD"]


def test_kiosk_shows_the_people_ahead_of_a_new_ticket_of_each_service(client, app_db):
    client.post("/api/v1/tickets", json={"service": "DD"})
    client.post("/api/v1/tickets", json={"service": "DD"})

    def counter_three_alone_serves_ld(session):
        ld = session.scalar(select(Service).where(Service.code == "LD"))
        for counter in session.scalars(select(Counter)):
            if counter.number == 3:
                counter.service_links = [CounterService(service_id=ld.id)]
            else:
                counter.service_links = [
                    link for link in counter.service_links if link.service_id != ld.id
                ]

    # Counters 1 and 2 call the two DD tickets before a new ticket of any
    # of their services; counter 3, serving LD alone, is free for LD.
    app_db.write(counter_three_alone_serves_ld)

    page = Page(client.get("/kiosk").get_data(as_text=True))

    statuses = {a["data-service-status"]: a for a in page.find(**{"class": "service__status"})}
    assert statuses["DD"]["data-waiting"] == "2"
    assert statuses["HT"]["data-waiting"] == "2"
    assert statuses["LD"]["data-waiting"] == "0"
    html = client.get("/kiosk").get_data(as_text=True)
    assert html.count("Số người đang chờ trước bạn: 2") == 3  # HT, DD and KD


def test_kiosk_documents_view_lists_each_document(client):
    html = client.get("/kiosk").get_data(as_text=True)

    section = html[html.index('id="documents-DD"') :]
    section = section[: section.index("</section>")]
    items = [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", section, re.S)]
    assert items == [
        "Đơn đăng ký biến động đất đai",
        "Bản gốc Giấy chứng nhận",
        "Hợp đồng chuyển nhượng (nếu có)",
    ]
    assert "Đăng ký biến động, cấp đổi giấy chứng nhận quyền sử dụng đất." in section


def test_kiosk_shows_a_service_whose_daily_cap_is_reached_as_closed(client, app_db):
    update_service(app_db, "KD", daily_cap=1)
    assert client.post("/api/v1/tickets", json={"service": "KD"}).status_code == 201

    html = client.get("/kiosk").get_data(as_text=True)

    assert "disabled" in service_buttons(html)["KD"]
    assert "disabled" not in service_buttons(html)["HT"]
    status = Page(html).find(**{"data-service-status": "KD"})[0]
    assert status["data-closed-reason"] == "daily_cap_reached"
    assert "Đã hết số trong ngày" in html


def test_kiosk_shows_a_service_outside_its_issuing_hours_as_closed(client, app_db):
    # The test clock says 09:00 in Ho Chi Minh City.
    update_service(app_db, "LD", issue_from="13:30")

    html = client.get("/kiosk").get_data(as_text=True)

    assert "disabled" in service_buttons(html)["LD"]
    status = Page(html).find(**{"data-service-status": "LD"})[0]
    assert status["data-closed-reason"] == "outside_issuing_hours"
    assert "Ngoài giờ phát số" in html


def test_kiosk_in_english(client):
    html = client.get("/kiosk?lang=en").get_data(as_text=True)

    assert '<html lang="en">' in html
    for english in ("Take a number", "Please choose the service you need", "Documents to bring"):
        assert english in html
    assert "Justice – Civil status" in html
    for vietnamese in ("Lấy số thứ tự", "Vui lòng chọn lĩnh vực", "Giấy tờ cần chuẩn bị"):
        assert vietnamese not in html
    texts = page_data(html, "kiosk-data")["texts"]
    assert texts["ahead"] == "People ahead of you: {count}"
    assert texts["wait_minutes"] == "Estimated wait: about {minutes} minutes"
    assert texts["closed"]["daily_cap_reached"] == "No more numbers today"


def test_kiosk_speaks_vietnamese_by_default_with_its_script_texts(client):
    html = client.get("/kiosk").get_data(as_text=True)

    assert '<html lang="vi">' in html
    data = page_data(html, "kiosk-data")
    assert data["lang"] == "vi"
    assert data["kiosk"] is None
    assert data["office"] == "DEMO"
    assert data["texts"]["ahead"] == "Số người đang chờ trước bạn: {count}"
    assert data["texts"]["wait_minutes"] == "Thời gian chờ dự kiến: khoảng {minutes} phút"
    assert data["texts"]["closed"]["outside_issuing_hours"] == "Ngoài giờ phát số"


def test_configured_kiosk_page_names_its_kiosk(client, app_db):
    with app_db.read() as session:
        kiosk_id = session.scalar(select(Kiosk.id))

    html = client.get(f"/kiosk/{kiosk_id}").get_data(as_text=True)

    assert page_data(html, "kiosk-data")["kiosk"] == kiosk_id


def test_unknown_kiosk_is_404(client):
    response = client.get("/kiosk/999")

    assert response.status_code == 404
    assert "kiosk_not_found" in response.get_data(as_text=True)


def test_inactive_kiosk_is_404(client, app_db):
    def deactivate(session):
        kiosk = session.scalar(select(Kiosk))
        kiosk.is_active = False
        return kiosk.id

    kiosk_id = app_db.write(deactivate)

    assert client.get(f"/kiosk/{kiosk_id}").status_code == 404


@pytest.mark.parametrize("path", ["/kiosk", "/kiosk?lang=en", "/t/{token}"])
def test_pages_have_no_inline_script_or_event_handler(client, path):
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    page = Page(client.get(path.format(token=ticket["access_token"])).get_data(as_text=True))

    for script in page.scripts:
        assert "src" in script or script.get("type") == "application/json", script
    for tag, attributes in page.elements:
        handlers = [name for name in attributes if name.startswith("on")]
        assert handlers == [], (tag, handlers)


@pytest.mark.parametrize("path", ["/kiosk", "/t/{token}"])
def test_every_script_and_style_of_the_pages_is_served_by_the_app(client, path):
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    page = Page(client.get(path.format(token=ticket["access_token"])).get_data(as_text=True))

    assets = [s["src"] for s in page.scripts if "src" in s]
    assets += [
        a["href"] for tag, a in page.elements if tag == "link" and a.get("rel") == "stylesheet"
    ]
    assert len(assets) >= 5
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        response.close()
        assert response.status_code == 200, asset


def test_ticket_page_shows_the_ticket(client):
    ticket = client.post("/api/v1/tickets", json={"service": "DD"}).get_json()

    response = client.get(f"/t/{ticket['access_token']}")

    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.text("ticket-code") == ticket["code"]
    assert page.text("ticket-service") == "Đất đai"
    data = page_data(response.get_data(as_text=True), "ticket-data")
    assert data["ticket"]["id"] == ticket["id"]
    assert data["ticket"]["state"] == "waiting"
    assert data["is_rated"] is False
    assert data["token"] == ticket["access_token"]
    assert data["ticket_api_url"] == (
        f"/api/v1/tickets/{ticket['id']}?token={ticket['access_token']}"
    )
    assert data["texts"]["called"] == "Mời công dân có số thứ tự {code} đến quầy số {counter}"


def test_ticket_page_of_an_unknown_ticket_is_404(client):
    assert client.get("/t/999999").status_code == 404


def test_ticket_page_is_not_reached_by_the_ticket_id(client):
    """The old /t/<id> links name nothing now: no redirect by id."""
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    for path in (f"/t/{ticket['id']}", f"/t/{ticket['id']}/qr.png"):
        response = client.get(path)
        assert response.status_code == 404
        assert ticket["code"] not in response.get_data(as_text=True)


def test_ticket_page_knows_a_rated_ticket(client, auth):
    clerk = auth("clerk")
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    client.post("/api/v1/counters/1/finish", headers=clerk)
    client.post(
        f"/api/v1/tickets/{ticket['id']}/rating",
        json={"score": 4, "token": ticket["access_token"]},
    )

    html = client.get(f"/t/{ticket['access_token']}").get_data(as_text=True)

    assert page_data(html, "ticket-data")["is_rated"] is True
    assert "hidden" in Page(html).find(id="rating-form")[0]
    assert "hidden" not in Page(html).find(id="rating-thanks")[0]


def test_ticket_page_of_a_transferred_ticket_shows_its_new_leg(client, auth):
    clerk = auth("clerk")
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    leg = client.post(
        "/api/v1/counters/1/transfer", json={"service": "DD"}, headers=clerk
    ).get_json()["ticket"]
    assert leg["id"] != ticket["id"]

    # The paper's QR code names the holder's token, which the new leg keeps.
    response = client.get(f"/t/{ticket['access_token']}?lang=en")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page_data(html, "ticket-data")["ticket"]["id"] == leg["id"]
    page = Page(html)
    assert page.text("ticket-code") == ticket["code"]
    assert page.text("ticket-service") == "Land"


def test_ticket_qr_code_names_the_ticket_page(client):
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()

    response = client.get(f"/t/{ticket['access_token']}/qr.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data)).convert("1")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(ticket["status_url"])
    code.make(fit=True)
    matrix = code.get_matrix()
    pixels_per_module = image.width // len(matrix)
    assert image.size == (len(matrix) * pixels_per_module,) * 2
    for row, cells in enumerate(matrix):
        for column, is_dark in enumerate(cells):
            centre = (
                column * pixels_per_module + pixels_per_module // 2,
                row * pixels_per_module + pixels_per_module // 2,
            )
            assert (image.getpixel(centre) == 0) == is_dark


def test_ticket_qr_code_of_an_unknown_ticket_is_404(client):
    assert client.get("/t/999999/qr.png").status_code == 404
    assert client.get("/t/not-a-token-of-any-ticket/qr.png").status_code == 404


def test_kiosk_gives_its_script_the_check_in_address_and_the_code_alphabet(client):
    data = page_data(client.get("/kiosk").get_data(as_text=True), "kiosk-data")

    assert data["check_in_url"] == ["/api/v1/appointments", "check-in"]
    assert data["code_alphabet"] == CODE_ALPHABET
    assert data["code_max_length"] >= CODE_LENGTH


def test_every_check_in_message_is_translated_and_addresses_the_citizen_formally(client):
    vietnamese = page_data(client.get("/kiosk").get_data(as_text=True), "kiosk-data")
    english = page_data(client.get("/kiosk?lang=en").get_data(as_text=True), "kiosk-data")

    messages = vietnamese["texts"]["check_in"]
    assert set(messages) == set(english["texts"]["check_in"])
    for key, text in messages.items():
        assert "ông/bà" in text.lower(), key
        assert english["texts"]["check_in"][key] != text, key
    assert "{time}" in messages["too_early"]
    assert "{time}" in english["texts"]["check_in"]["too_early"]

"""The admin's ticket preview page: the slip at its paper width, beside the
kiosk's printer."""

from __future__ import annotations

import re

import pytest

from queueing.models import Kiosk


@pytest.fixture
def kiosk(app_db):
    """The demo office's kiosk, on a 58 mm network printer."""

    def narrow(session):
        row = session.query(Kiosk).one()
        row.printer_url = "tcp://10.0.0.50:9100"
        row.paper_width_dots = 384
        return row.id

    return app_db.write(narrow)


def image_of(html):
    found = re.search(r'<img class="slip" id="preview-slip" src="([^"]+)" width="(\d+)"', html)
    assert found is not None
    return found.group(1).replace("&amp;", "&"), int(found.group(2))


def test_the_preview_shows_the_printer_and_the_slip_at_its_paper_width(client, login, kiosk):
    login("admin")
    page = client.get(f"/admin/kiosks/{kiosk}/ticket-preview?office=DEMO")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<code id="preview-printer">tcp://10.0.0.50:9100</code>' in html
    assert "58 mm (384 chấm)" in html
    src, width = image_of(html)
    assert width == 384
    image = client.get(src)
    assert image.mimetype == "image/png"
    # The PNG's own width, from its header: the printed dots.
    assert int.from_bytes(image.data[16:20], "big") == 384


def test_the_preview_names_the_default_printer_when_the_kiosk_has_none(client, login, app, app_db):
    login("admin")
    kiosk_id = app_db.write(lambda session: session.query(Kiosk).one().id)
    html = client.get(f"/admin/kiosks/{kiosk_id}/ticket-preview").get_data(as_text=True)
    default = app.config["LUOT_PRINTER"]
    assert f'<code id="preview-printer">{default}</code> (mặc định)' in html
    assert image_of(html)[1] == 576


def test_the_english_slip_leaves_the_page_in_vietnamese(client, login, kiosk):
    login("admin")
    html = client.get(f"/admin/kiosks/{kiosk}/ticket-preview?paper_lang=en").get_data(as_text=True)
    src, _width = image_of(html)
    assert "lang=en" in src
    image = client.get(src)
    assert image.status_code == 200
    assert "Set-Cookie" not in image.headers
    assert '<html lang="vi">' in client.get(f"/admin/kiosks/{kiosk}/ticket-preview").get_data(
        as_text=True
    )


def test_the_kiosks_list_links_each_kiosk_to_its_preview(client, login, kiosk):
    login("admin")
    html = client.get("/admin/kiosks").get_data(as_text=True)
    assert f'href="/admin/kiosks/{kiosk}/ticket-preview?office=DEMO"' in html


@pytest.mark.parametrize("role", ["manager", "supervisor"])
def test_the_preview_page_is_for_admins(client, login, kiosk, role):
    login(role)
    assert client.get(f"/admin/kiosks/{kiosk}/ticket-preview").status_code == 403


def test_another_offices_kiosk_is_not_found(client, login, kiosk):
    login("admin")
    assert client.get("/admin/kiosks/999/ticket-preview").status_code == 404

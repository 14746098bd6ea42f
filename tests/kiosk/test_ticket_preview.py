"""GET /kiosk/ticket-preview.png: the paper ticket's layout, for admins."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kiosk.screens import SAMPLE_ACCESS_TOKEN
from printing import render_ticket

PREVIEW = "/kiosk/ticket-preview.png"


def decoded(response):
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


@pytest.mark.parametrize("width", [576, 384])
def test_preview_is_a_png_of_the_requested_paper_width(client, auth, width):
    image = decoded(client.get(f"{PREVIEW}?width={width}", headers=auth("admin")))

    assert image.width == width
    # A ticket is a long strip: office, service, the number, QR code, footer.
    assert image.height > width
    black = image.convert("L").histogram()[0]
    assert 0.03 < black / (image.width * image.height) < 0.5


def test_preview_defaults_to_80_mm_paper(client, auth):
    assert decoded(client.get(PREVIEW, headers=auth("admin"))).width == 576


def test_preview_draws_the_language_asked_for(client, auth):
    admin = auth("admin")
    vietnamese = decoded(client.get(f"{PREVIEW}?lang=vi", headers=admin)).convert("L")
    english = decoded(client.get(f"{PREVIEW}?lang=en", headers=admin)).convert("L")

    assert (vietnamese.size, vietnamese.tobytes()) != (english.size, english.tobytes())


def test_preview_is_exactly_what_the_printer_would_print(client, auth):
    response = client.get(f"{PREVIEW}?width=384&lang=en", headers=auth("admin"))
    image = decoded(response).convert("1")

    # The sample: the office's first service, number 12, 7 people ahead.
    expected = render_ticket(
        {
            "code": "A012",
            "service_name": "Tư pháp – Hộ tịch",
            "service_name_en": "Justice – Civil status",
            "issued_at": "2026-11-23T09:00:00+07:00",
            "position": 7,
            "estimated_wait_s": 900.0,
            "priority": "elderly",
            "status_url": f"http://luot.test/t/{SAMPLE_ACCESS_TOKEN}",
        },
        office_name="One-stop office – Ben Nghe Ward People's Committee",
        width_dots=384,
        language="en",
    )
    assert image.size == expected.size
    assert image.tobytes() == expected.tobytes()


def test_preview_without_credentials_is_401(client):
    response = client.get(PREVIEW, headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ["clerk", "manager"])
def test_preview_for_other_roles_is_403(client, auth, role):
    response = client.get(PREVIEW, headers={**auth(role), "Accept": "application/json"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query", ["width=500", "width=wide", "lang=fr"])
def test_preview_with_a_bad_argument_is_400(client, auth, query):
    response = client.get(
        f"{PREVIEW}?{query}", headers={**auth("admin"), "Accept": "application/json"}
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_field"

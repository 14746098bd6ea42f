"""POST /api/v1/tickets/{id}/print: a clerk prints a ticket again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import printing
from queueing.models import Event, Kiosk, Office
from tests.conftest import free_port

#: ESC/POS: initialise, raster image, cut.
INITIALISE = b"\x1b@"
RASTER_IMAGE = b"\x1dv0"


@pytest.fixture
def clerk(auth):
    return auth("clerk")


@pytest.fixture
def ticket(client):
    response = client.post("/api/v1/tickets", json={"service": "DD", "priority": "elderly"})
    assert response.status_code == 201
    return response.get_json()


def set_kiosk_printer(app_db, printer_url):
    def work(session):
        kiosk = session.scalar(select(Kiosk))
        kiosk.printer_url = printer_url
        return kiosk.id

    return app_db.write(work)


def events_of(app_db, ticket_id, kind):
    with app_db.read() as session:
        return list(
            session.scalars(select(Event).where(Event.ticket_id == ticket_id, Event.kind == kind))
        )


def without_print_result(payload):
    return {k: v for k, v in payload.items() if k not in ("printed", "print_error")}


def test_reprint_sends_the_ticket_to_the_kiosk_printer(app_db, client, clerk, ticket, tmp_path):
    paper = tmp_path / "paper.bin"
    kiosk_id = set_kiosk_printer(app_db, f"file://{paper}")

    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/print", json={"kiosk": kiosk_id}, headers=clerk
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["printed"] is True
    assert "print_error" not in body
    assert body["id"] == ticket["id"]
    assert body["code"] == ticket["code"]
    job = paper.read_bytes()
    assert job.startswith(INITIALISE)
    assert RASTER_IMAGE in job
    expected = printing.build_print_job(
        without_print_result(body), office_name=body["office_name"], width_dots=576
    )
    assert job == expected


def test_reprint_in_english_on_the_default_printer(app, client, clerk, ticket, tmp_path):
    paper = tmp_path / "default.bin"
    app.config["LUOT_PRINTER"] = f"file://{paper}"

    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/print", json={"language": "en"}, headers=clerk
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["printed"] is True
    expected = printing.build_print_job(
        without_print_result(body), office_name=body["office_name_en"], language="en"
    )
    assert paper.read_bytes() == expected


def test_reprint_logs_the_print_with_the_printer_and_the_clerk(
    app_db, client, make_token, ticket, tmp_path
):
    paper = tmp_path / "paper.bin"
    kiosk_id = set_kiosk_printer(app_db, f"file://{paper}")
    token = make_token("clerk", name="keypad")

    client.post(
        f"/api/v1/tickets/{ticket['id']}/print",
        json={"kiosk": kiosk_id},
        headers={"Authorization": f"Bearer {token}"},
    )

    (event,) = events_of(app_db, ticket["id"], "printed")
    assert event.data["printer"] == f"file://{paper}"
    assert event.actor.startswith("token:")


def test_reprint_on_an_unreachable_printer_answers_200_with_the_fault(
    app_db, client, clerk, ticket
):
    printer_url = f"tcp://127.0.0.1:{free_port()}"
    kiosk_id = set_kiosk_printer(app_db, printer_url)

    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/print", json={"kiosk": kiosk_id}, headers=clerk
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["printed"] is False
    assert body["print_error"]
    (event,) = events_of(app_db, ticket["id"], "print_failed")
    assert event.data["printer"] == printer_url
    assert event.data["error"] == body["print_error"]
    assert events_of(app_db, ticket["id"], "printed") == []


def test_reprint_without_a_printer_configured_says_so(client, clerk, ticket):
    response = client.post(f"/api/v1/tickets/{ticket['id']}/print", headers=clerk)

    assert response.status_code == 200
    assert response.get_json()["printed"] is False
    assert response.get_json()["print_error"] == "no printer is configured"


def test_reprint_of_an_unknown_ticket_is_404(client, clerk):
    response = client.post("/api/v1/tickets/999999/print", headers=clerk)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "ticket_not_found"


def test_reprint_without_credentials_is_401_and_prints_nothing(
    app, app_db, client, ticket, tmp_path
):
    paper = tmp_path / "paper.bin"
    app.config["LUOT_PRINTER"] = f"file://{paper}"

    response = client.post(f"/api/v1/tickets/{ticket['id']}/print")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert not paper.exists()
    assert events_of(app_db, ticket["id"], "printed") == []
    assert events_of(app_db, ticket["id"], "print_failed") == []


def test_reprint_by_a_clerk_of_another_office_is_403(app_db, client, make_token, ticket, clock):
    other_office_id = app_db.write(lambda session: _add_office(session, clock()))
    token = make_token("clerk", office_id=other_office_id)

    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/print", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "other_office"


def _add_office(session, now):
    office = Office(code="OTHER", name="Bộ phận Một cửa khác", created_at=now)
    session.add(office)
    session.flush()
    return office.id


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kiosk": 999}, 422, "unknown_kiosk"),
        ({"kiosk": "1"}, 400, "invalid_field"),
        ({"language": "fr"}, 422, "unknown_language"),
        ([1, 2], 400, "malformed_json"),
    ],
)
def test_reprint_with_a_bad_body_is_refused(client, clerk, ticket, body, status, code):
    response = client.post(f"/api/v1/tickets/{ticket['id']}/print", json=body, headers=clerk)

    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code

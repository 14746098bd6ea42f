"""A supervisor works in the offices assigned to them and nowhere else: the
API, the manager's pages, the board's namespace and the counter terminal
all ask the same question (``Principal.works_in``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from queueing import settings
from queueing.models import UserOffice
from tests.manager.helpers import log_in, session_csrf
from tests.offices import ADMIN, add_office, first_counter, make_supervisor, office_id
from web.extensions import socketio


@pytest.fixture
def supervisor(app, app_db, client, clock):
    """A supervisor of DEMO and HN, signed in; HP is another office."""
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    add_office(app_db, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    user_id = make_supervisor(app_db, clock(), "giamsat", ["DEMO", "HN"])
    log_in(client, user_id)
    return user_id


def error(response):
    return response.status_code, response.get_json()["error"]["code"]


def test_the_api_reports_of_their_offices_and_no_other(client, supervisor):
    for code in ("DEMO", "HN"):
        response = client.get(f"/api/v1/reports/summary?office={code}")
        assert (response.status_code, response.get_json()["office"]) == (200, code)
    assert error(client.get("/api/v1/reports/summary?office=HP")) == (403, "other_office")
    # Overseeing two offices, they name the one they mean.
    assert error(client.get("/api/v1/reports/summary")) == (422, "office_required")


def test_a_supervisor_of_one_office_need_not_name_it(app_db, client, clock):
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    log_in(client, make_supervisor(app_db, clock(), "motdonvi", ["HN"]))
    response = client.get("/api/v1/reports/summary")
    assert (response.status_code, response.get_json()["office"]) == (200, "HN")


def test_the_board_and_reports_of_another_office_are_refused(client, supervisor):
    assert client.get("/manager/?office=HN").status_code == 200
    assert client.get("/manager/reports?office=HN").status_code == 200
    for path in (
        "/manager/?office=HP",
        "/manager/reports?office=HP",
        "/manager/board.json?office=HP",
    ):
        assert client.get(path).status_code == 403, path


def test_the_office_switch_offers_their_offices_only(client, supervisor):
    page = client.get("/manager/").get_data(as_text=True)
    switch = re.search(r'<select id="office-switch".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', switch) == ["DEMO", "HN"]
    # Without ?office= the board is of their first office.
    assert re.search(r'<option value="DEMO" selected', switch)


def test_the_admin_screens_stay_closed(client, supervisor):
    for path in ("/admin/", "/admin/users", "/admin/audit?office=HN"):
        assert client.get(path).status_code == 403, path


def test_the_counter_terminal_offers_and_takes_their_counters_only(app, app_db, client, supervisor):
    page = client.get("/counter/choose").get_data(as_text=True)
    offered = {int(value) for value in re.findall(r'name="counter" value="(\d+)"', page)}
    assert first_counter(app_db, "HN") in offered
    assert first_counter(app_db, "HP") not in offered
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(
        "/counter/choose", data={"csrf_token": token, "counter": first_counter(app_db, "HP")}
    )
    assert refused.status_code == 200
    assert "Quầy này không thuộc đơn vị của bạn." in refused.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "counter_id" not in session


def test_counter_actions_in_another_office_are_refused(app, app_db, client, supervisor):
    headers = {"X-CSRFToken": session_csrf(app, client)}
    other = first_counter(app_db, "HP")
    response = client.post(f"/api/v1/counters/{other}/open", json={}, headers=headers)
    assert error(response) == (403, "other_office")
    own = first_counter(app_db, "HN")
    assert client.post(f"/api/v1/counters/{own}/pause", json={}, headers=headers).status_code == 200


@pytest.mark.parametrize("namespace", ["/manager", "/counter"])
def test_the_live_namespaces_admit_their_offices_only(app, client, supervisor, namespace):
    own = socketio.test_client(
        app, namespace=namespace, auth={"office": "HN"}, flask_test_client=client
    )
    assert own.is_connected(namespace)
    own.disconnect(namespace=namespace)
    other = socketio.test_client(
        app, namespace=namespace, auth={"office": "HP"}, flask_test_client=client
    )
    assert not other.is_connected(namespace)


def test_an_office_taken_away_is_refused_at_the_next_request(app_db, client, clock, supervisor):
    assert client.get("/api/v1/reports/summary?office=HN").status_code == 200
    demo = office_id(app_db, "DEMO")
    app_db.write(
        lambda session: settings.update_user(
            session, demo, supervisor, {"office_ids": [demo]}, clock(), ADMIN
        )
    )
    with app_db.read() as session:
        assert list(session.scalars(select(UserOffice.office_id))) == [demo]
    assert error(client.get("/api/v1/reports/summary?office=HN")) == (403, "other_office")

"""Supervisors in the admin screens: the role, the offices ticked for it,
clear errors for bad input (nothing stored), and every change in the log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from queueing import accounts
from queueing.models import ApiToken, Event, Office, User, UserOffice
from tests.manager.helpers import PASSWORD, csrf_token, log_in
from tests.offices import add_office, make_supervisor, office_id


@pytest.fixture
def offices(app_db, clock):
    """{code: id} of the demo office, HN and HP."""
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    add_office(app_db, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    return {code: office_id(app_db, code) for code in ("DEMO", "HN", "HP")}


def post(client, path, fields):
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, path)})


def new_supervisor(**fields):
    return {
        "username": "giamsat",
        "display_name": "Lê Văn Giám",
        "role": "supervisor",
        "office": "DEMO",
        "password": "mat-khau-dai",
        "confirm": "mat-khau-dai",
        **fields,
    }


def user_named(app_db, username):
    with app_db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def assigned(app_db, user_id):
    with app_db.read() as session:
        return sorted(accounts.assigned_offices(session, user_id))


def stored(app_db):
    """What a refused form must leave as it was."""
    with app_db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (User, UserOffice, Event, ApiToken)
        )


def field_error(page, field):
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    return found.group(1) if found else None


def test_the_form_offers_the_role_and_a_box_for_each_office(client, login, offices):
    login("admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option value="supervisor">Giám sát nhiều đơn vị</option>' in page
    boxes = re.findall(
        r'<input id="offices-\d+" name="offices" type="checkbox" value="(\d+)"', page
    )
    assert sorted(int(value) for value in boxes) == sorted(offices.values())


def test_an_admin_makes_a_supervisor_of_the_offices_ticked(client, login, app_db, offices):
    admin_id = login("admin")
    response = post(
        client, "/admin/users/new", new_supervisor(offices=[offices["HN"], offices["DEMO"]])
    )
    assert response.status_code == 302
    user = user_named(app_db, "giamsat")
    assert (user.role, user.office_id) == ("supervisor", None)
    assert assigned(app_db, user.id) == sorted([offices["DEMO"], offices["HN"]])
    with app_db.read() as session:
        logged = session.scalars(select(Event).where(Event.kind == "user_created")).all()
    assert sorted(event.office_id for event in logged) == sorted([offices["DEMO"], offices["HN"]])
    assert {event.actor for event in logged} == {f"user:{admin_id}"}
    assert logged[0].data["office_ids"] == sorted([offices["DEMO"], offices["HN"]])
    listed = client.get("/admin/users").get_data(as_text=True)
    row = re.search(r'<tr data-user="giamsat".*?</tr>', listed, re.S).group(0)
    assert "Giám sát nhiều đơn vị" in row
    assert "Bộ phận Một cửa Hà Nội" in row
    assert "Bộ phận Một cửa Hải Phòng" not in row
    # The audit view of HN shows the change to its own staff.
    audit = client.get("/admin/audit?office=HN").get_data(as_text=True)
    assert 'data-kind="user_created"' in audit


def test_a_supervisor_without_an_office_is_refused_and_nothing_stored(
    client, login, app_db, offices
):
    login("admin")
    before = stored(app_db)
    response = post(client, "/admin/users/new", new_supervisor())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "offices") == "Hãy chọn ít nhất một đơn vị cho giám sát viên."
    assert "Vui lòng sửa các mục được đánh dấu bên dưới." in page
    assert stored(app_db) == before
    assert user_named(app_db, "giamsat") is None


@pytest.mark.parametrize("ticked", [["999999"], ["abc"], ["1", "99999999999999999999"]])
def test_unknown_offices_are_refused_and_nothing_stored(client, login, app_db, offices, ticked):
    login("admin")
    before = stored(app_db)
    response = post(client, "/admin/users/new", new_supervisor(offices=ticked))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "offices") == "Không có đơn vị này."
    assert stored(app_db) == before


def test_the_errors_speak_english_on_the_english_page(client, login, offices):
    login("admin")
    page = post(client, "/admin/users/new?lang=en", new_supervisor()).get_data(as_text=True)
    assert field_error(page, "offices") == "Choose at least one office for the supervisor."


def test_editing_a_supervisor_shows_and_changes_the_ticks(client, login, app_db, clock, offices):
    login("admin")
    user_id = make_supervisor(app_db, clock(), "giamsat", ["DEMO", "HN"])
    path = f"/admin/users/{user_id}"
    page = client.get(path).get_data(as_text=True)
    ticked = re.findall(
        r'<input checked id="offices-\d+" name="offices" type="checkbox" '
        r'value="(\d+)"',
        page,
    )
    assert sorted(int(value) for value in ticked) == sorted([offices["DEMO"], offices["HN"]])
    response = post(
        client,
        path,
        {
            "display_name": "Lê Văn Giám",
            "role": "supervisor",
            "office": "DEMO",
            "offices": [offices["HP"]],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    assert assigned(app_db, user_id) == [offices["HP"]]
    with app_db.read() as session:
        logged = session.scalars(
            select(Event).where(Event.kind == "user_updated").order_by(Event.office_id)
        ).all()
    # Lost by DEMO (where the admin acted) and HN, gained by HP.
    assert [event.office_id for event in logged] == sorted(offices.values())
    assert logged[0].data["changes"]["office_ids"] == [
        sorted([offices["DEMO"], offices["HN"]]),
        [offices["HP"]],
    ]


def test_a_bad_edit_leaves_the_offices_as_they_were(client, login, app_db, clock, offices):
    login("admin")
    user_id = make_supervisor(app_db, clock(), "giamsat", ["HN"])
    before = stored(app_db)
    response = post(
        client,
        f"/admin/users/{user_id}",
        {"display_name": "X", "role": "supervisor", "office": "DEMO", "is_active": "y"},
    )
    assert field_error(response.get_data(as_text=True), "offices") == (
        "Hãy chọn ít nhất một đơn vị cho giám sát viên."
    )
    assert assigned(app_db, user_id) == [offices["HN"]]
    assert stored(app_db) == before


def test_a_supervisor_made_a_clerk_belongs_to_one_office_again(
    client, login, app_db, clock, offices
):
    login("admin")
    user_id = make_supervisor(app_db, clock(), "giamsat", ["DEMO", "HN"])
    response = post(
        client,
        f"/admin/users/{user_id}",
        # Ticks left on the page count for a supervisor only.
        {
            "display_name": "X",
            "role": "clerk",
            "office": "HN",
            "offices": [offices["DEMO"]],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    user = user_named(app_db, "giamsat")
    assert (user.role, user.office_id) == ("clerk", offices["HN"])
    assert assigned(app_db, user_id) == []


def test_a_supervisor_token_is_refused_with_the_reason(client, login, app_db, offices):
    login("admin")
    page = client.get("/admin/tokens").get_data(as_text=True)
    role_select = re.search(r'<select id="role".*?</select>', page, re.S).group(0)
    assert "supervisor" not in role_select
    before = stored(app_db)
    response = post(client, "/admin/tokens", {"name": "Tỉnh", "role": "supervisor", "office": ""})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "role") == (
        "Giám sát viên không dùng mã truy cập API: hãy tạo tài khoản đăng nhập cho họ "
        "(mục Người dùng)."
    )
    assert stored(app_db) == before


def test_an_office_administrator_makes_no_supervisor(client, app_db, clock, offices):
    def work(session):
        demo = session.scalar(select(Office.id).where(Office.code == "DEMO"))
        return accounts.create_user(
            session, "quantri", PASSWORD, "admin", clock(), office_id=demo
        ).id

    log_in(client, app_db.write(work))
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="supervisor"' not in page
    before = stored(app_db)
    response = post(client, "/admin/users/new", new_supervisor(offices=[offices["DEMO"]]))
    assert field_error(response.get_data(as_text=True), "role") == (
        "Vui lòng chọn một vai trò trong danh sách."
    )
    assert stored(app_db) == before


def test_an_office_administrator_sees_only_the_supervisors_of_the_office(
    client, app_db, clock, offices
):
    make_supervisor(app_db, clock(), "cuaminh", ["DEMO", "HN"])
    make_supervisor(app_db, clock(), "cuanguoikhac", ["HP"])

    def work(session):
        return accounts.create_user(
            session, "quantri", PASSWORD, "admin", clock(), office_id=offices["DEMO"]
        ).id

    log_in(client, app_db.write(work))
    listed = client.get("/admin/users").get_data(as_text=True)
    assert 'data-user="cuaminh"' in listed
    assert 'data-user="cuanguoikhac"' not in listed

"""The admin screens through their forms: CSRF, validation, the change log,
and changes reaching the screens live."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from queueing.models import (
    ApiToken,
    Counter,
    CounterService,
    Display,
    Event,
    Kiosk,
    Office,
    Service,
    User,
)
from tests.manager.helpers import csrf_token
from web.extensions import socketio

SERVICE_FORM = {
    "code": "CT",
    "name": "Chứng thực bản sao",
    "name_en": "Certified copies",
    "prefix": "e",
    "number_start": "1",
    "number_end": "500",
    "is_number_wrapping": "y",
    "daily_cap": "",
    "issue_from": "07:30",
    "issue_until": "16:30",
    "target_wait_minutes": "12",
    "description": "Chứng thực bản sao từ bản chính",
    "description_en": "",
    "documents": "Bản chính\nBản sao",
    "documents_en": "",
    "group_name": "Tư pháp",
    "group_name_en": "Justice",
    "sort_order": "",
    "is_active": "y",
    "slot_minutes": "20",
    "slot_capacity": "4",
}


def post_form(client, path, fields):
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, path)})


def rows(app_db, model, *conditions):
    with app_db.read() as session:
        return list(session.scalars(select(model).where(*conditions)))


def last_event(app_db):
    with app_db.read() as session:
        return session.scalars(select(Event).order_by(Event.id.desc())).first()


def test_creating_a_service_saves_every_field_and_logs_the_admin(client, login, app_db):
    admin_id = login("admin")
    response = post_form(client, "/admin/services/new", SERVICE_FORM)
    assert response.status_code == 302
    (service,) = rows(app_db, Service, Service.code == "CT")
    assert (service.name, service.prefix, service.number_end) == ("Chứng thực bản sao", "E", 500)
    assert (service.issue_from, service.issue_until, service.target_wait_minutes) == (
        "07:30",
        "16:30",
        12,
    )
    assert service.documents == "Bản chính\nBản sao"
    assert (service.slot_minutes, service.slot_capacity) == (20, 4)
    event = last_event(app_db)
    assert (event.kind, event.actor) == ("service_created", f"user:{admin_id}")
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Thêm lĩnh vực" in audit
    assert "Người dùng admin" in audit


def test_a_service_no_counter_serves_is_warned_about_until_a_counter_serves_it(
    client, login, app_db
):
    login("admin")
    created = post_form(client, "/admin/services/new", SERVICE_FORM)
    warning = "Chưa có quầy nào phục vụ lĩnh vực Chứng thực bản sao"
    listed = client.get(created.headers["Location"]).get_data(as_text=True)
    # Said once as the creation's message, and on the list while it lasts.
    assert listed.count(warning) == 2
    assert "Chưa có quầy phục vụ" in listed
    # The list keeps warning while no counter serves it.
    assert client.get("/admin/services").get_data(as_text=True).count(warning) == 1

    def serve_it(session):
        service = session.scalar(select(Service).where(Service.code == "CT"))
        counter = session.scalar(select(Counter).where(Counter.number == 1))
        counter.service_links.append(CounterService(service_id=service.id, preference=1))

    app_db.write(serve_it)
    assert warning not in client.get("/admin/services").get_data(as_text=True)


def test_an_invalid_service_form_shows_vietnamese_errors_and_saves_nothing(client, login, app_db):
    login("admin")
    response = post_form(
        client,
        "/admin/services/new",
        {**SERVICE_FORM, "code": "HT", "number_start": "50", "number_end": "10", "name": ""},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vui lòng điền mục này." in page
    assert "Số kết thúc phải lớn hơn số bắt đầu." in page
    assert 'aria-invalid="true"' in page
    assert rows(app_db, Service, Service.code == "CT") == []
    duplicate = post_form(client, "/admin/services/new", {**SERVICE_FORM, "code": "HT"})
    assert "Mã này đã được dùng, vui lòng chọn mã khác." in duplicate.get_data(as_text=True)
    assert len(rows(app_db, Service, Service.code == "HT")) == 1


def test_errors_in_english(client, login):
    login("admin")
    path = "/admin/services/new?lang=en"
    page = post_form(client, path, {**SERVICE_FORM, "name": "", "target_wait_minutes": "abc"})
    text = page.get_data(as_text=True)
    assert "Please fill in this field." in text
    assert "Please enter a whole number." in text


def test_a_form_without_its_csrf_token_is_refused(client, login, app_db):
    login("admin")
    response = client.post("/admin/services/new", data=SERVICE_FORM)
    assert response.status_code == 400
    assert rows(app_db, Service, Service.code == "CT") == []


def test_a_new_service_reaches_the_displays_at_once(app, client, login):
    login("admin")
    display = socketio.test_client(app, namespace="/display", flask_test_client=client)
    display.get_received("/display")
    post_form(client, "/admin/services/new", SERVICE_FORM)
    changes = [
        m["args"][0] for m in display.get_received("/display") if m["name"] == "queue_changed"
    ]
    assert changes, "no queue_changed after the change"
    assert "CT" in [service["code"] for service in changes[-1]["services"]]


def test_office_settings_and_hours(client, login, app_db):
    login("admin")
    path = "/admin/office"
    page = client.get(path).get_data(as_text=True)
    assert "Bộ phận Một cửa – UBND phường Bến Nghé" in page
    fields = {
        "name": "Bộ phận Một cửa phường Bến Nghé",
        "name_en": "",
        "address": "  45 Lê Lợi, phường Bến Nghé  ",
        "timezone": "Asia/Ho_Chi_Minh",
        "holidays": "2026-09-02\n2026-01-01",
        "ticker_message": "Nghỉ lễ Quốc khánh 2/9",
        "priority_ratio": "2",
        "recall_limit": "2",
        "no_show_return_minutes": "30",
        "is_transfer_to_head": "y",
        "default_service_seconds": "300",
        "pause_alert_minutes": "10",
        "terminal_grace_minutes": "5",
        "is_issuing_without_counter": "y",
        "booking_horizon_days": "7",
        "check_in_early_minutes": "20",
        "check_in_late_minutes": "10",
        "service_starts_at": "start",
        "day0_p1_start": "07:30",
        "day0_p1_end": "11:30",
        "day0_p2_start": "13:30",
        "day0_p2_end": "17:00",
        "day5_p1_start": "07:30",
        "day5_p1_end": "11:30",
    }
    assert post_form(client, path, fields).status_code == 302
    (office,) = rows(app_db, Office)
    assert office.opening_hours == {
        "0": [["07:30", "11:30"], ["13:30", "17:00"]],
        "5": [["07:30", "11:30"]],
    }
    assert (office.priority_ratio, office.pause_alert_minutes) == (2, 10)
    assert office.address == "45 Lê Lợi, phường Bến Nghé"
    assert (
        office.terminal_grace_minutes,
        office.is_issuing_without_counter,
        office.service_starts_at,
    ) == (5, True, "start")
    assert (
        office.booking_horizon_days,
        office.check_in_early_minutes,
        office.check_in_late_minutes,
        office.is_one_booking_per_phone,
    ) == (7, 20, 10, False)
    assert office.holidays == ["2026-01-01", "2026-09-02"]
    wrong = post_form(client, path, {**fields, "day0_p2_start": "11:00"})
    assert "các buổi không chồng nhau" in wrong.get_data(as_text=True)
    (unchanged,) = rows(app_db, Office)
    assert unchanged.opening_hours["0"][1] == ["13:30", "17:00"]


@pytest.mark.parametrize(
    ("path", "field", "value", "message"),
    [
        ("/admin/office", "booking_horizon_days", "366", "Nhập một số từ 0 đến 365."),
        ("/admin/office", "check_in_late_minutes", "-1", "Nhập một số từ 0 đến 240."),
        ("/admin/services/new", "slot_minutes", "481", "Nhập một số từ 0 đến 480."),
        ("/admin/services/new", "slot_capacity", "x", "Vui lòng nhập một số nguyên."),
    ],
)
def test_booking_settings_out_of_bounds_are_refused_and_nothing_changes(
    client, login, app_db, path, field, value, message
):
    login("admin")
    with app_db.read() as session:
        before = (session.scalar(select(Office.booking_horizon_days)), len(rows(app_db, Service)))
    page = client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'name="([a-z0-9_]+)"[^>]*value="([^"]*)"', page))
    fields.pop("csrf_token", None)
    fields = {**(SERVICE_FORM if "services" in path else fields), field: value}
    response = post_form(client, path, fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app_db.read() as session:
        after = (session.scalar(select(Office.booking_horizon_days)), len(rows(app_db, Service)))
    assert after == before


def test_users_create_reset_password_and_deactivate(client, login, app_db):
    login("admin")
    office_code = "DEMO"
    created = post_form(
        client,
        "/admin/users/new",
        {
            "username": "canbo7",
            "display_name": "Phạm Thị Mai",
            "role": "clerk",
            "office": office_code,
            "password": "mat-khau-7",
            "confirm": "mat-khau-7",
        },
    )
    assert created.status_code == 302
    (user,) = rows(app_db, User, User.username == "canbo7")
    short = post_form(
        client, f"/admin/users/{user.id}", {}
    )  # an edit form without a name is refused
    assert "Vui lòng điền mục này." in short.get_data(as_text=True)
    path = f"/admin/users/{user.id}/password"
    token = csrf_token(client, f"/admin/users/{user.id}")
    mismatch = client.post(
        path, data={"password": "abcdefgh1", "confirm": "x", "csrf_token": token}
    )
    assert "Hai mật khẩu không khớp." in mismatch.get_data(as_text=True)
    reset = client.post(
        path, data={"password": "mat-khau-moi", "confirm": "mat-khau-moi", "csrf_token": token}
    )
    assert reset.status_code == 302
    assert last_event(app_db).kind == "password_reset"
    deactivated = post_form(
        client,
        f"/admin/users/{user.id}",
        {"display_name": "Phạm Thị Mai", "role": "clerk", "office": office_code},
    )
    assert deactivated.status_code == 302
    (user,) = rows(app_db, User, User.username == "canbo7")
    assert user.is_active is False
    assert last_event(app_db).kind == "user_deactivated"


def test_a_token_is_shown_once_and_can_be_revoked(client, login, app_db):
    login("admin")
    response = post_form(
        client, "/admin/tokens", {"name": "Bàn phím quầy 1", "role": "clerk", "office": "DEMO"}
    )
    page = response.get_data(as_text=True)
    token = re.search(r'<code id="new-token">(luot_[^<]+)</code>', page).group(1)
    assert (
        client.get("/api/v1/counters", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert token not in client.get("/admin/tokens").get_data(as_text=True)
    (row,) = rows(app_db, ApiToken, ApiToken.name == "Bàn phím quầy 1")
    revoke = client.post(
        f"/admin/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(client, "/admin/tokens")}
    )
    assert revoke.status_code == 302
    denied = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"}
    )
    assert denied.status_code == 401


def test_kiosk_printer_url_is_validated(client, login, app_db):
    login("admin")
    response = post_form(
        client,
        "/admin/kiosks/new",
        {
            "name": "Kiosk tầng 2",
            "printer_url": "lpt://1",
            "paper_width_dots": "576",
            "is_active": "y",
        },
    )
    assert "Địa chỉ máy in không hợp lệ" in response.get_data(as_text=True)
    assert rows(app_db, Kiosk, Kiosk.name == "Kiosk tầng 2") == []


def test_test_print_writes_to_the_printer_or_shows_the_fault(client, login, app_db, tmp_path):
    login("admin")
    target = tmp_path / "printer.bin"
    post_form(
        client,
        "/admin/kiosks/new",
        {
            "name": "Kiosk tầng 2",
            "printer_url": f"file://{target}",
            "paper_width_dots": "384",
            "is_active": "y",
        },
    )
    (kiosk,) = rows(app_db, Kiosk, Kiosk.name == "Kiosk tầng 2")
    token = csrf_token(client, "/admin/kiosks")
    done = client.post(f"/admin/kiosks/{kiosk.id}/test-print", data={"csrf_token": token})
    assert done.status_code == 302
    job = target.read_bytes()
    assert job.startswith(b"\x1b@") and b"\x1dv0" in job
    assert last_event(app_db).kind == "test_printed"
    demo_kiosk = rows(app_db, Kiosk, Kiosk.name == "Kiosk sảnh chính")[0]
    failed = client.post(
        f"/admin/kiosks/{demo_kiosk.id}/test-print",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "In thử không được: no printer is configured" in failed.get_data(as_text=True)
    assert last_event(app_db).data["error"] == "no printer is configured"


def test_display_form_limits_counters(client, login, app_db, counters):
    login("admin")
    response = post_form(
        client,
        "/admin/displays/new",
        {
            "name": "Màn hình tầng 2",
            "counters": [str(counters[1].id), str(counters[2].id)],
            "language": "vi_en",
            "number_reading": "number",
        },
    )
    assert response.status_code == 302
    event = last_event(app_db)
    assert event.kind == "display_created"
    assert event.data["fields"]["counter_ids"] == [counters[1].id, counters[2].id]
    assert event.data["fields"]["is_voice_enabled"] is False


@pytest.fixture
def reported_display(app_db, clock):
    """The demo office's display, which reported two Vietnamese voices."""

    def work(session):
        display = session.scalars(select(Display).order_by(Display.id)).first()
        display.available_voices = ["Microsoft An - Vietnamese (Vietnam)", "Linh"]
        return display.id

    return app_db.write(work)


def display_fields(**overrides):
    return {"name": "Phòng chờ", "language": "vi", "number_reading": "digits"} | overrides


def test_display_form_offers_the_bundled_clips_and_the_voices_the_display_reported(
    client, login, reported_display
):
    login("admin")
    html = client.get(f"/admin/displays/{reported_display}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="speech_voice".*?</select>', html, re.S).group(0)
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
    assert values == ["", "Microsoft An - Vietnamese (Vietnam)", "Linh"]
    assert "Giọng thu sẵn (mặc định)" in select_html


def test_admin_picks_a_reported_voice_for_the_display(client, login, app_db, reported_display):
    login("admin")
    path = f"/admin/displays/{reported_display}"
    response = post_form(client, path, display_fields(speech_voice="Linh"))
    assert response.status_code == 302
    (display,) = rows(app_db, Display, Display.id == reported_display)
    assert display.speech_voice == "Linh"
    assert last_event(app_db).data["changes"]["speech_voice"] == ["", "Linh"]
    # Back to the bundled clips.
    assert post_form(client, path, display_fields(speech_voice="")).status_code == 302
    (display,) = rows(app_db, Display, Display.id == reported_display)
    assert display.speech_voice == ""


def test_a_voice_the_display_never_reported_is_refused(client, login, app_db, reported_display):
    login("admin")
    path = f"/admin/displays/{reported_display}"
    response = post_form(client, path, display_fields(speech_voice="Mai"))
    assert response.status_code == 200
    (display,) = rows(app_db, Display, Display.id == reported_display)
    assert display.speech_voice == ""


def test_the_settings_refuse_a_voice_the_display_never_reported(app_db, clock, reported_display):
    from queueing import settings
    from queueing.errors import Invalid
    from queueing.operations import Actor

    def choose(session):
        settings.update_display(
            session, 1, reported_display, {"speech_voice": "Mai"}, clock(), Actor("user:1")
        )

    with pytest.raises(Invalid):
        app_db.write(choose)


def test_counter_form_sets_services_with_preference(client, login, app_db, services):
    login("admin")
    fields = {"number": "4", "name": "Quầy 4", f"preference_{services['DD'].id}": "2"}
    fields[f"preference_{services['HT'].id}"] = "1"
    assert post_form(client, "/admin/counters/new", fields).status_code == 302
    event = last_event(app_db)
    assert event.kind == "counter_created"
    assert event.data["services"] == [[services["HT"].id, 1], [services["DD"].id, 2]]


@pytest.mark.parametrize("path", ["/admin/", "/admin/services", "/admin/audit", "/admin/kiosks"])
def test_admin_pages_are_vietnamese_by_default(client, login, path):
    login("admin")
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Quản trị" in page

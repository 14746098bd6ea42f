"""The administrator's use cases: each validates before it changes anything,
and logs who changed what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from queueing import accounts, settings
from queueing.errors import Invalid, NotFound, WrongState
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
from queueing.operations import Actor
from queueing.queries import active_services

ADMIN = Actor("user:42")


def no_printer_check(url: str) -> None:
    if url.startswith("bad"):
        raise Invalid("wrong printer", "invalid_printer_url")


def snapshot(db):
    """Row counts and the event log, to show that a failure changed nothing."""
    with db.read() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Office, Service, Counter, CounterService, User, ApiToken, Kiosk, Display)
        }
        events = session.scalar(select(func.count(Event.id)))
        services = [
            (s.code, s.name, s.target_wait_minutes) for s in session.scalars(select(Service))
        ]
    return counts, events, services


def last_event(db):
    with db.read() as session:
        return session.scalars(select(Event).order_by(Event.id.desc())).first()


def run(db, clock, use_case, *args, **kwargs):
    return db.write(lambda s: use_case(s, *args, clock(), ADMIN, **kwargs))


SERVICE = {"code": "CT", "name": "Chứng thực", "prefix": "E", "target_wait_minutes": 12}


def test_create_service_logs_who_and_what(db, office, clock):
    service = run(db, clock, settings.create_service, office.id, SERVICE)
    event = last_event(db)
    assert (event.kind, event.actor, event.office_id) == ("service_created", "user:42", office.id)
    assert event.data["service"] == "CT"
    assert event.data["fields"]["target_wait_minutes"] == 12
    with db.read() as session:
        assert [s.code for s in active_services(session, office.id)][-1] == "CT"
        stored = session.get(Service, service.id)
        assert (stored.prefix, stored.number_end, stored.sort_order) == ("E", 999, 5)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({**SERVICE, "code": "HT"}, "code_taken"),
        ({**SERVICE, "code": "có dấu"}, "invalid_code"),
        ({**SERVICE, "name": "  "}, "name_required"),
        ({**SERVICE, "prefix": "A-"}, "invalid_prefix"),
        ({**SERVICE, "number_start": 50, "number_end": 10}, "invalid_number_range"),
        ({**SERVICE, "issue_from": "11:00", "issue_until": "08:00"}, "invalid_issuing_hours"),
        ({**SERVICE, "issue_from": "25:00"}, "invalid_time"),
        ({**SERVICE, "target_wait_minutes": 0}, "target_wait_minutes_out_of_range"),
        ({**SERVICE, "daily_cap": True}, "invalid_field"),
        ({**SERVICE, "colour": "red"}, "unknown_field"),
    ],
)
def test_invalid_service_changes_nothing(db, office, clock, fields, code):
    before = snapshot(db)
    with pytest.raises(Invalid) as error:
        run(db, clock, settings.create_service, office.id, fields)
    assert error.value.code == code
    assert snapshot(db) == before


def test_update_service_logs_old_and_new_values(db, office, clock, services):
    run(
        db,
        clock,
        settings.update_service,
        office.id,
        services["HT"].id,
        {"name": "Hộ tịch", "target_wait_minutes": 15, "is_active": False},
    )
    event = last_event(db)
    assert event.kind == "service_updated"
    # The target did not change, so it is not in the log.
    assert event.data["changes"] == {
        "name": ["Tư pháp – Hộ tịch", "Hộ tịch"],
        "is_active": [True, False],
    }


def test_update_service_with_a_bad_range_changes_nothing(db, office, clock, services):
    before = snapshot(db)
    with pytest.raises(Invalid) as raised:
        run(
            db,
            clock,
            settings.update_service,
            office.id,
            services["HT"].id,
            {"name": "Đổi tên", "number_start": 900, "number_end": 100},
        )
    assert raised.value.code == "invalid_number_range"
    assert snapshot(db) == before


def test_update_service_of_another_office_is_not_found(db, office, clock, services):
    other = run(db, clock, settings.create_office, {"code": "Q1", "name": "Quận 1"})
    with pytest.raises(NotFound) as raised:
        run(db, clock, settings.update_service, other.id, services["HT"].id, {"name": "X"})
    assert raised.value.code == "service_not_found"


def test_office_settings_validate_hours_and_holidays(db, office, clock):
    before = snapshot(db)
    for fields, code in [
        ({"opening_hours": {"0": [["11:30", "07:30"]]}}, "invalid_opening_hours"),
        (
            {"opening_hours": {"0": [["07:30", "11:30"], ["11:00", "17:00"]]}},
            "invalid_opening_hours",
        ),
        ({"opening_hours": {"7": [["07:30", "11:30"]]}}, "invalid_opening_hours"),
        ({"holidays": ["2026-02-30"]}, "invalid_holidays"),
        ({"timezone": "Mars/Olympus"}, "unknown_timezone"),
        ({"priority_ratio": 99}, "priority_ratio_out_of_range"),
        ({"code": "NEW"}, "code_fixed"),
    ]:
        with pytest.raises(Invalid) as error:
            run(db, clock, settings.update_office, office.id, fields)
        assert error.value.code == code
    assert snapshot(db) == before
    run(
        db,
        clock,
        settings.update_office,
        office.id,
        {
            "opening_hours": {
                "5": [["07:30", "11:30"]],
                "0": [["13:30", "17:00"], ["07:30", "11:30"]],
            },
            "holidays": ["2026-09-02", "2026-01-01", "2026-09-02"],
            "pause_alert_minutes": 20,
            "ticker_message": "Nghỉ lễ 2/9",
        },
    )
    with db.read() as session:
        saved = session.get(Office, office.id)
        assert saved.opening_hours == {
            "0": [["07:30", "11:30"], ["13:30", "17:00"]],
            "5": [["07:30", "11:30"]],
        }
        assert saved.holidays == ["2026-01-01", "2026-09-02"]
        assert saved.pause_alert_minutes == 20
    event = last_event(db)
    assert event.kind == "office_updated"
    assert event.data["changes"]["ticker_message"][1] == "Nghỉ lễ 2/9"


def test_counter_services_and_preferences(db, office, clock, services, counters):
    ht, dd = services["HT"].id, services["DD"].id
    counter = run(
        db,
        clock,
        settings.create_counter,
        office.id,
        {"number": 4, "name": "Quầy 4", "services": [(dd, 2), (ht, 1)]},
    )
    with db.read() as session:
        links = session.scalars(
            select(CounterService).where(CounterService.counter_id == counter.id)
        ).all()
        assert sorted((link.service_id, link.preference) for link in links) == [(ht, 1), (dd, 2)]
    assert last_event(db).data["services"] == [[ht, 1], [dd, 2]]
    before = snapshot(db)
    with pytest.raises(Invalid) as taken:
        run(db, clock, settings.update_counter, office.id, counter.id, {"number": 1})
    assert taken.value.code == "number_taken"
    with pytest.raises(Invalid) as unknown:
        run(
            db,
            clock,
            settings.update_counter,
            office.id,
            counter.id,
            {"services": [(99_999, 1)]},
        )
    assert unknown.value.code == "unknown_service"
    assert snapshot(db) == before
    run(db, clock, settings.update_counter, office.id, counter.id, {"services": [(ht, 1)]})
    assert last_event(db).data["changes"] == {"services": [[[ht, 1], [dd, 2]], [[ht, 1]]]}


def test_users_create_reset_and_deactivate(db, office, clock):
    user = run(
        db,
        clock,
        settings.create_user,
        office.id,
        {"username": "canbo9", "password": "mat-khau-9", "role": "clerk", "office_id": office.id},
    )
    created = last_event(db)
    assert (created.kind, created.data["username"]) == ("user_created", "canbo9")
    assert "mat-khau-9" not in str(created.data)
    run(db, clock, settings.reset_password, office.id, user.id, "mat-khau-moi")
    assert last_event(db).kind == "password_reset"
    assert "mat-khau-moi" not in str(last_event(db).data)
    with db.read() as session:
        assert accounts.authenticate(session, "canbo9", "mat-khau-moi") is not None
    run(db, clock, settings.update_user, office.id, user.id, {"is_active": False})
    assert last_event(db).kind == "user_deactivated"
    with db.read() as session:
        assert accounts.authenticate(session, "canbo9", "mat-khau-moi") is None


def test_user_validation_changes_nothing(db, office, clock):
    before = snapshot(db)
    for fields, code in [
        (
            {"username": "x", "password": "short", "role": "clerk", "office_id": office.id},
            "password_too_short",
        ),
        (
            {"username": "x", "password": "long-enough", "role": "boss", "office_id": office.id},
            "unknown_role",
        ),
        ({"username": "x", "password": "long-enough", "role": "clerk"}, "office_required"),
    ]:
        with pytest.raises(Invalid) as error:
            run(db, clock, settings.create_user, office.id, fields)
        assert error.value.code == code
    assert snapshot(db) == before


def test_an_admin_cannot_lock_themselves_out(db, office, clock):
    admin = run(
        db,
        clock,
        settings.create_user,
        office.id,
        {"username": "quantri", "password": "long-enough", "role": "admin"},
    )
    myself = Actor(f"user:{admin.id}")
    before = snapshot(db)
    for fields in ({"is_active": False}, {"role": "clerk", "office_id": office.id}):
        with pytest.raises(WrongState) as error:
            db.write(
                lambda s, fields=fields: settings.update_user(
                    s, office.id, admin.id, fields, clock(), myself
                )
            )
        assert error.value.code == "own_account"
    assert snapshot(db) == before


def test_tokens_are_created_once_and_revoked_once(db, office, clock):
    row, token = run(db, clock, settings.create_token, office.id, "keypad", "clerk", office.id)
    assert token.startswith("luot_")
    event = last_event(db)
    assert (event.kind, event.data["name"]) == ("token_created", "keypad")
    assert token not in str(event.data)
    run(db, clock, settings.revoke_token, office.id, row.id)
    assert last_event(db).kind == "token_revoked"
    with db.read() as session:
        assert accounts.find_token(session, token) is None
    before = snapshot(db)
    with pytest.raises(WrongState) as raised:
        run(db, clock, settings.revoke_token, office.id, row.id)
    assert raised.value.code == "already_revoked"
    assert snapshot(db) == before


def test_kiosk_printer_url_is_checked(db, office, clock):
    before = snapshot(db)
    for fields, code in [
        ({"name": "Kiosk 2", "printer_url": "bad://x"}, "invalid_printer_url"),
        ({"name": "Kiosk 2", "paper_width_dots": 500}, "invalid_paper"),
        ({"printer_url": "none"}, "name_required"),
    ]:
        with pytest.raises(Invalid) as error:
            run(
                db,
                clock,
                settings.create_kiosk,
                office.id,
                fields,
                check_printer_url=no_printer_check,
            )
        assert error.value.code == code
    assert snapshot(db) == before
    kiosk = run(
        db,
        clock,
        settings.create_kiosk,
        office.id,
        {"name": "Kiosk 2", "printer_url": "tcp://10.0.0.5:9100", "paper_width_dots": 384},
        check_printer_url=no_printer_check,
    )
    run(
        db,
        clock,
        settings.update_kiosk,
        office.id,
        kiosk.id,
        {"is_active": False},
        check_printer_url=no_printer_check,
    )
    assert last_event(db).data["changes"] == {"is_active": [True, False]}


def test_displays_limit_to_counters_of_the_office(db, office, clock, counters):
    before = snapshot(db)
    with pytest.raises(Invalid) as unknown:
        run(db, clock, settings.create_display, office.id, {"name": "Tầng 2", "counter_ids": [999]})
    assert unknown.value.code == "unknown_counter"
    with pytest.raises(Invalid) as language:
        run(db, clock, settings.create_display, office.id, {"name": "Tầng 2", "language": "fr"})
    assert language.value.code == "unknown_language"
    assert snapshot(db) == before
    display = run(
        db,
        clock,
        settings.create_display,
        office.id,
        {
            "name": "Tầng 2",
            "counter_ids": [counters[2].id, counters[1].id],
            "language": "vi_en",
            "number_reading": "number",
            "is_voice_enabled": False,
        },
    )
    with db.read() as session:
        stored = session.get(Display, display.id)
        assert stored.counter_ids == sorted([counters[1].id, counters[2].id])
        assert (stored.language, stored.number_reading) == ("vi_en", "number")
    event = last_event(db)
    assert (event.kind, event.actor) == ("display_created", "user:42")


def test_create_office_with_a_taken_code_changes_nothing(db, office, clock):
    before = snapshot(db)
    with pytest.raises(Invalid) as error:
        run(db, clock, settings.create_office, {"code": office.code, "name": "Trùng"})
    assert error.value.code == "code_taken"
    assert snapshot(db) == before

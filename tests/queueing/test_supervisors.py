"""Supervisors: a role above managers with no office of its own, assigned
the offices it oversees, every change logged in the offices it touches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from queueing import accounts, settings
from queueing.errors import Invalid
from queueing.models import ROLES, ApiToken, Event, User, UserOffice
from tests.offices import ADMIN, PASSWORD, add_office


@pytest.fixture
def offices(db, clock, office):
    """The demo office and two more: {code: id}."""
    ids = {"DEMO": office.id}
    ids["HN"] = add_office(db, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    ids["HP"] = add_office(db, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    return ids


def create(db, clock, context, **fields):
    values = {"username": "giamsat", "password": PASSWORD, "role": "supervisor", **fields}
    return db.write(lambda session: settings.create_user(session, context, values, clock(), ADMIN))


def assigned(db, user_id):
    with db.read() as session:
        return sorted(accounts.assigned_offices(session, user_id))


def events(db, kind):
    with db.read() as session:
        return list(
            session.scalars(select(Event).where(Event.kind == kind).order_by(Event.office_id))
        )


def counts(db):
    with db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (User, UserOffice, Event, ApiToken)
        )


def test_the_supervisor_ranks_between_manager_and_admin():
    assert ROLES == ("clerk", "manager", "supervisor", "admin")
    assert accounts.role_allows("supervisor", "manager")
    assert not accounts.role_allows("supervisor", "admin")
    assert not accounts.role_allows("manager", "supervisor")
    assert accounts.role_allows("admin", "supervisor")


def test_a_supervisor_has_no_office_but_the_offices_assigned(db, clock, offices):
    user = create(
        db, clock, offices["DEMO"], office_id=offices["HP"], office_ids=[offices["HN"], 1]
    )
    with db.read() as session:
        stored = session.get(User, user.id)
        assert (stored.role, stored.office_id) == ("supervisor", None)
    assert assigned(db, user.id) == sorted([offices["DEMO"], offices["HN"]])


def test_creating_a_supervisor_is_logged_in_each_office_it_touches(db, clock, offices):
    user = create(db, clock, offices["HP"], office_ids=[offices["HN"], offices["DEMO"]])
    logged = events(db, "user_created")
    # Where the administrator acted (HP), and each office overseen.
    assert sorted(event.office_id for event in logged) == sorted(offices.values())
    assert {event.actor for event in logged} == {"user:0"}
    assert logged[0].data == {
        "user_id": user.id,
        "username": "giamsat",
        "role": "supervisor",
        "user_office_id": None,
        "office_ids": sorted([offices["DEMO"], offices["HN"]]),
    }


def test_changing_the_offices_logs_old_and_new_in_the_offices_gained_and_lost(db, clock, offices):
    user = create(db, clock, offices["DEMO"], office_ids=[offices["DEMO"], offices["HN"]])
    db.write(
        lambda session: settings.update_user(
            session,
            offices["DEMO"],
            user.id,
            {"role": "supervisor", "office_ids": [offices["HN"], offices["HP"]]},
            clock(),
            ADMIN,
        )
    )
    assert assigned(db, user.id) == sorted([offices["HN"], offices["HP"]])
    logged = events(db, "user_updated")
    # DEMO was lost (and is where the administrator acted), HP gained; HN
    # kept its supervisor and hears nothing.
    assert [event.office_id for event in logged] == sorted([offices["DEMO"], offices["HP"]])
    assert logged[0].data["changes"] == {
        "office_ids": [
            sorted([offices["DEMO"], offices["HN"]]),
            sorted([offices["HN"], offices["HP"]]),
        ]
    }


def test_a_supervisor_made_manager_oversees_nothing_any_more(db, clock, offices):
    user = create(db, clock, offices["DEMO"], office_ids=[offices["DEMO"], offices["HN"]])
    db.write(
        lambda session: settings.update_user(
            session,
            offices["DEMO"],
            user.id,
            {"role": "manager", "office_id": offices["HN"]},
            clock(),
            ADMIN,
        )
    )
    assert assigned(db, user.id) == []
    (logged,) = [e for e in events(db, "user_updated") if e.office_id == offices["HN"]]
    assert logged.data["changes"]["role"] == ["supervisor", "manager"]
    assert logged.data["changes"]["office_ids"][1] == []


def test_renaming_a_supervisor_keeps_the_offices(db, clock, offices):
    user = create(db, clock, offices["DEMO"], office_ids=[offices["HN"]])
    db.write(
        lambda session: settings.update_user(
            session, offices["DEMO"], user.id, {"display_name": "Bà Lan"}, clock(), ADMIN
        )
    )
    assert assigned(db, user.id) == [offices["HN"]]
    (logged,) = events(db, "user_updated")
    assert (logged.office_id, logged.data["changes"]) == (
        offices["DEMO"],
        {"display_name": ["giamsat", "Bà Lan"]},
    )


@pytest.mark.parametrize(
    ("office_ids", "code"),
    [
        ([], "offices_required"),
        (None, "offices_required"),
        ([999_999], "office_not_found"),
        ([2**40], "office_not_found"),
        (["DEMO"], "invalid_field"),
        ([True], "invalid_field"),
        ("1", "invalid_field"),
    ],
)
def test_bad_offices_are_refused_and_nothing_is_stored(db, clock, offices, office_ids, code):
    before = counts(db)
    with pytest.raises(Invalid) as refused:
        create(db, clock, offices["DEMO"], office_ids=office_ids)
    assert refused.value.code == code
    assert counts(db) == before


def test_only_a_supervisor_is_assigned_offices(db, clock, offices):
    before = counts(db)
    with pytest.raises(Invalid) as refused:
        create(
            db, clock, offices["DEMO"], role="manager", office_id=offices["DEMO"], office_ids=[1]
        )
    assert refused.value.code == "offices_not_for_role"
    assert counts(db) == before


def test_a_bad_change_of_offices_leaves_them_as_they_were(db, clock, offices):
    user = create(db, clock, offices["DEMO"], office_ids=[offices["HN"]])
    before = counts(db)
    for wrong, code in (([], "offices_required"), ([offices["HN"], 999_999], "office_not_found")):
        with pytest.raises(Invalid) as raised:
            db.write(
                lambda session, wrong=wrong: settings.update_user(
                    session, offices["DEMO"], user.id, {"office_ids": wrong}, clock(), ADMIN
                )
            )
        assert raised.value.code == code
    assert assigned(db, user.id) == [offices["HN"]]
    assert counts(db) == before


def test_a_token_is_never_a_supervisors(db, clock, offices):
    before = counts(db)
    with pytest.raises(Invalid) as refused:
        db.write(
            lambda session: settings.create_token(
                session, offices["DEMO"], "tỉnh", "supervisor", None, clock(), ADMIN
            )
        )
    assert refused.value.code == "supervisor_token"
    with pytest.raises(Invalid) as raised:
        db.write(lambda session: accounts.create_token(session, "tỉnh", "supervisor", clock()))
    assert raised.value.code == "supervisor_token"
    assert counts(db) == before

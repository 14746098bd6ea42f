"""Supervisors from the command line: a user with the offices listed, never
a token."""

from __future__ import annotations

from sqlalchemy import func, select

from queueing import accounts
from queueing.models import ApiToken, Event, User
from tests.offices import add_office, office_id

PASSWORDS = "mat-khau-dai\nmat-khau-dai\n"


def test_create_user_makes_a_supervisor_of_the_offices_listed(runner, app_db, clock):
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    result = runner.invoke(
        args=["create-user", "lanhdao", "--role", "supervisor", "--office", "DEMO, HN"],
        input=PASSWORDS,
    )
    assert result.exit_code == 0, result.output
    with app_db.read() as session:
        user = session.scalar(select(User).where(User.username == "lanhdao"))
        assert (user.role, user.office_id) == ("supervisor", None)
        assert sorted(accounts.assigned_offices(session, user.id)) == sorted(
            [office_id(app_db, "DEMO"), office_id(app_db, "HN")]
        )
        logged = session.scalars(select(Event).where(Event.kind == "user_created")).all()
        assert {event.actor for event in logged} == {"cli"}


def test_a_supervisor_needs_known_offices(runner, app_db):
    for office in ([], ["--office", "DEMO,NOPE"]):
        result = runner.invoke(
            args=["create-user", "lanhdao", "--role", "supervisor", *office], input=PASSWORDS
        )
        assert result.exit_code != 0
    assert "no office with code 'NOPE'" in result.output
    with app_db.read() as session:
        assert session.scalar(select(User).where(User.username == "lanhdao")) is None


def test_no_token_for_a_supervisor(runner, app_db):
    result = runner.invoke(args=["create-api-token", "tinh", "--role", "supervisor"])
    assert result.exit_code != 0
    with app_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0

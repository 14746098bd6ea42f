"""``flask --app server ...`` commands."""

from __future__ import annotations

from sqlalchemy import select

from queueing import accounts
from queueing.models import Office, ReportDay, Ticket, User


def test_create_api_token_prints_a_working_token_last(runner, client):
    result = runner.invoke(args=["create-api-token", "keypad", "--role", "clerk"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_create_api_token_rejects_unknown_role_and_office(runner):
    assert runner.invoke(args=["create-api-token", "x", "--role", "root"]).exit_code != 0
    result = runner.invoke(args=["create-api-token", "x", "--role", "clerk", "--office", "NOPE"])
    assert result.exit_code != 0
    assert "no office with code 'NOPE'" in result.output


def test_create_user_stores_a_hashed_password(runner, app_db):
    result = runner.invoke(
        args=["create-user", "lan", "--role", "manager", "--office", "DEMO"],
        input="mat-khau-dai\nmat-khau-dai\n",
    )
    assert result.exit_code == 0, result.output
    with app_db.read() as session:
        user = session.scalar(select(User).where(User.username == "lan"))
        assert user.role == "manager"
        assert "mat-khau-dai" not in user.password_hash
        assert accounts.authenticate(session, "lan", "mat-khau-dai") is not None
        assert accounts.authenticate(session, "lan", "wrong-password") is None


def test_create_user_with_short_password_fails(runner):
    result = runner.invoke(args=["create-user", "lan", "--role", "clerk"], input="short\nshort\n")
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output


def test_seed_demo_is_idempotent(runner, app_db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app_db.read() as session:
        assert len(session.scalars(select(Office)).all()) == 1


def test_close_day_closes_yesterdays_tickets(runner, client, app_db, clock):
    client.post("/api/v1/tickets", json={"service": "HT"})
    assert "Closed 0 ticket(s)" in runner.invoke(args=["close-day"]).output
    clock.advance(24 * 3600)
    result = runner.invoke(args=["close-day"])
    assert result.exit_code == 0
    assert "Closed 1 ticket(s)" in result.output
    with app_db.read() as session:
        ticket = session.scalar(select(Ticket))
        assert (ticket.state, ticket.is_time_accurate) == ("cancelled", False)


def events_of(app_db, kind):
    from queueing.models import Event

    with app_db.read() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind)))


def test_create_user_goes_through_the_admin_screens_use_case(runner, app_db):
    result = runner.invoke(
        args=["create-user", "lan", "--role", "clerk"], input="mat-khau-dai\nmat-khau-dai\n"
    )
    assert result.exit_code == 0, result.output
    with app_db.read() as session:
        user = session.scalar(select(User).where(User.username == "lan"))
        demo = session.scalar(select(Office).where(Office.code == "DEMO"))
        # A clerk of the installation's only office, not of every office.
        assert (user.role, user.office_id) == ("clerk", demo.id)
    (created,) = events_of(app_db, "user_created")
    assert (created.actor, created.office_id, created.data["username"]) == ("cli", demo.id, "lan")


def test_a_clerk_needs_an_office_where_there_are_several(runner, app_db, clock):
    app_db.write(lambda s: s.add(Office(code="HUE", name="Huế", created_at=clock())))
    result = runner.invoke(
        args=["create-user", "lan", "--role", "clerk"], input="mat-khau-dai\nmat-khau-dai\n"
    )
    assert result.exit_code != 0
    assert "give --office" in result.output
    with app_db.read() as session:
        assert session.scalar(select(User).where(User.username == "lan")) is None
    token = runner.invoke(args=["create-api-token", "keypad", "--role", "clerk"])
    assert token.exit_code != 0
    assert events_of(app_db, "token_created") == []


def test_create_api_token_is_logged_like_the_admin_screens(runner, app_db):
    result = runner.invoke(args=["create-api-token", "keypad", "--role", "clerk"])
    assert result.exit_code == 0, result.output
    (created,) = events_of(app_db, "token_created")
    assert (created.actor, created.data["name"], created.data["role"]) == ("cli", "keypad", "clerk")


def test_pack_reports_packs_each_closed_day_once(runner, client, app_db):
    """The test clock's day lies before the real today: it is a closed day."""
    client.post("/api/v1/tickets", json={"service": "HT"})
    result = runner.invoke(args=["pack-reports"])
    assert result.exit_code == 0, result.output
    assert "Packed 1 closed day(s)" in result.output
    assert "Packed 0 closed day(s)" in runner.invoke(args=["pack-reports"]).output
    with app_db.read() as session:
        pack = session.scalar(select(ReportDay))
        assert (pack.leg_count, pack.issued) == (1, 1)

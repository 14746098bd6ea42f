"""``flask --app server ...`` commands."""

from __future__ import annotations

from sqlalchemy import select

from queueing import accounts
from queueing.models import Office, Ticket, User


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

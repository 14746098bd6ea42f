"""A kiosk PC with a wrong clock: the server's clock rules."""

from __future__ import annotations


def test_times_sent_by_a_client_are_ignored(client, clock):
    response = client.post(
        "/api/v1/tickets",
        json={"service": "HT", "issued_at": "2020-01-01T00:00:00+07:00"},
        headers={"Date": "Wed, 01 Jan 2020 00:00:00 GMT"},
    )
    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["issued_at"] == "2026-11-23T09:00:00+07:00"
    assert ticket["code"] == "A001"

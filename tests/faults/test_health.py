"""/healthz: the database, the message queue and the printers."""

from __future__ import annotations


def test_healthz_is_ok_with_details_for_the_machine_itself(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["message_queue"] == {"configured": False, "ok": True}
    (printer,) = body["printers"]
    assert (printer["printer"], printer["ok"]) == ("none", None)


def test_healthz_shows_only_the_status_to_strangers(client):
    response = client.get("/healthz", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_an_unreachable_printer_as_degraded(client, app_db):
    from queueing.models import Kiosk

    def refusing(session):
        session.query(Kiosk).one().printer_url = "tcp://127.0.0.1:9"

    app_db.write(refusing)
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["printers"][0]["ok"] is False
    assert "127.0.0.1:9" in body["printers"][0]["error"]


def test_healthz_reports_an_unreachable_message_queue(app, client):
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:9/0"
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["message_queue"]["ok"] is False
    assert body["message_queue"]["effect"] == "calls reach the clients of this process only"

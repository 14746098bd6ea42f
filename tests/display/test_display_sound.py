"""A configured display's sound reports over /display, as stored and as the
manager's board shows them."""

from __future__ import annotations

from typing import Any

import pytest

from queueing import displays
from queueing.models import Display
from tests.offices import add_office
from web.extensions import socketio


@pytest.fixture
def make_display(app_db, clock):
    def make(office_id: int = 1, name: str = "Phòng chờ tầng 1") -> int:
        def work(session: Any) -> int:
            display = Display(office_id=office_id, name=name, counter_ids=[], created_at=clock())
            session.add(display)
            session.flush()
            return display.id

        return app_db.write(work)

    return make


@pytest.fixture
def screen(app, client):
    return socketio.test_client(app, namespace="/display", flask_test_client=client)


def report(screen: Any, **body: Any) -> dict[str, Any]:
    return screen.emit("report_sound", body, namespace="/display", callback=True)


def stored(app_db, display_id: int) -> Display:
    with app_db.read() as session:
        display = session.get(Display, display_id)
        assert display is not None
        return display


def board(client, auth) -> dict[str, Any]:
    response = client.get("/manager/board.json", headers=auth("manager"))
    assert response.status_code == 200
    return {row["id"]: row for row in response.get_json()["displays"]}


def test_a_report_stores_the_state_the_voice_and_the_voices(app_db, clock, screen, make_display):
    display_id = make_display()
    ack = report(
        screen,
        display=display_id,
        state="blocked",
        voice="Linh",
        voices=["Linh", "An", "Linh"],
    )
    assert ack == {"ok": True}
    display = stored(app_db, display_id)
    assert (display.sound_state, display.voice_in_use) == ("blocked", "Linh")
    assert display.available_voices == ["Linh", "An"]
    assert display.last_seen_at == clock()


def test_an_unknown_display_is_refused_and_nothing_is_stored(app_db, screen, make_display):
    display_id = make_display()
    ack = report(screen, display=display_id + 1, state="ok")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "display_not_found"
    assert stored(app_db, display_id).sound_state is None


def test_a_display_of_another_office_is_refused(app_db, clock, screen, make_display):
    other = make_display(office_id=add_office(app_db, clock(), "KHAC", "Văn phòng khác"))
    ack = report(screen, display=other, state="ok")
    assert ack["error"]["code"] == "display_not_found"
    assert stored(app_db, other).sound_state is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        "ok",
        [1, "ok"],
        {},
        {"display": "1", "state": "ok"},
        {"display": True, "state": "ok"},
        {"display": 0, "state": "ok"},
        {"display": 1, "state": "loud"},
        {"display": 1, "state": None},
        {"display": 1, "state": "ok", "voice": 5},
        {"display": 1, "state": "ok", "voice": "x" * 201},
        {"display": 1, "state": "ok", "voices": "Linh"},
        {"display": 1, "state": "ok", "voices": [None]},
        {"display": 1, "state": "ok", "voices": ["v"] * 51},
    ],
)
def test_bad_reports_are_acked_as_malformed_and_store_nothing(app_db, screen, make_display, body):
    display_id = make_display()
    if isinstance(body, dict) and type(body.get("display")) is int and body["display"] == 1:
        body = {**body, "display": display_id}
    ack = screen.emit("report_sound", body, namespace="/display", callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] in ("invalid_field", "invalid_body")
    assert stored(app_db, display_id).sound_state is None
    # The connection is still there and still answers.
    assert report(screen, display=display_id, state="ok") == {"ok": True}


def test_an_unchanged_report_is_written_again_only_after_a_while(
    app_db, clock, screen, make_display
):
    display_id = make_display()
    report(screen, display=display_id, state="ok")
    first_seen = clock()
    clock.advance(displays.UNCHANGED_REPORT_MIN_SECONDS - 1)
    report(screen, display=display_id, state="ok")
    assert stored(app_db, display_id).last_seen_at == first_seen
    clock.advance(1)
    report(screen, display=display_id, state="ok")
    assert stored(app_db, display_id).last_seen_at == clock()


def test_a_changed_state_is_written_at_once(app_db, clock, screen, make_display):
    display_id = make_display()
    report(screen, display=display_id, state="blocked")
    clock.advance(1)
    report(screen, display=display_id, state="ok")
    display = stored(app_db, display_id)
    assert (display.sound_state, display.last_seen_at) == ("ok", clock())


def test_a_connection_sending_too_many_reports_is_held_back(app_db, clock, screen, make_display):
    from display.sockets import MAX_SOUND_REPORTS_PER_MINUTE

    display_id = make_display()
    states = ["ok", "blocked"]
    acks = [
        report(screen, display=display_id, state=states[index % 2])
        for index in range(MAX_SOUND_REPORTS_PER_MINUTE + 1)
    ]
    assert [ack["ok"] for ack in acks] == [True] * MAX_SOUND_REPORTS_PER_MINUTE + [False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    # The last report that got through is what is stored.
    assert stored(app_db, display_id).sound_state == states[(MAX_SOUND_REPORTS_PER_MINUTE - 1) % 2]


def test_managers_hear_of_a_change_but_not_of_a_beat(
    app, client, clock, make_token, screen, make_display
):
    display_id = make_display()
    manager = socketio.test_client(
        app, namespace="/manager", auth={"token": make_token("manager")}, flask_test_client=client
    )
    manager.get_received("/manager")
    report(screen, display=display_id, state="blocked")
    clock.advance(displays.DISPLAY_BEAT_SECONDS)
    report(screen, display=display_id, state="blocked")
    heard = [m["args"][0] for m in manager.get_received("/manager") if m["name"] != "queue_state"]
    assert heard == [{"display": display_id, "sound": "blocked"}]


def test_the_board_shows_each_display_reported_state_and_silence(
    client, auth, clock, screen, make_display
):
    playing, blocked, silent = make_display(name="A"), make_display(name="B"), make_display()
    report(screen, display=playing, state="ok", voice="Linh")
    report(screen, display=blocked, state="blocked")
    rows = board(client, auth)
    assert [rows[i]["sound"] for i in (playing, blocked, silent)] == [
        "ok",
        "blocked",
        "not_connected",
    ]
    assert (rows[playing]["voice"], rows[blocked]["voice"]) == ("Linh", "")


def test_a_display_silent_past_the_window_shows_as_not_connected(
    client, auth, clock, screen, make_display
):
    display_id = make_display()
    report(screen, display=display_id, state="ok")
    clock.advance(displays.DISPLAY_SILENT_SECONDS)
    assert board(client, auth)[display_id]["sound"] == "ok"
    clock.advance(1)
    assert board(client, auth)[display_id]["sound"] == "not_connected"

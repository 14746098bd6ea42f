"""The terminal's Socket.IO flow for a logged-in clerk, through Flask-SocketIO's
test client sharing the browser session of the Flask test client."""

from __future__ import annotations

import pytest

from tests.counter.conftest import PASSWORD, csrf_token
from web.extensions import socketio


def received(connection, name):
    return [m["args"][0] for m in connection.get_received("/counter") if m["name"] == name]


@pytest.fixture
def terminal(app, client, make_user, log_in, choose_counter):
    """Clerk Lan, logged in at counter 1, with the terminal's socket open."""
    make_user("lan")
    log_in("lan")
    choose_counter(1)
    connection = socketio.test_client(app, namespace="/counter", flask_test_client=client)
    assert connection.is_connected("/counter")
    return connection


def act(connection, event, **data):
    return connection.emit(event, {"counter": 1, **data}, namespace="/counter", callback=True)


def counter_state(client, number):
    return client.get("/api/v1/counters").get_json()["counters"][number - 1]


def issue(client, service="HT"):
    """A citizen takes a ticket (at the kiosk: not the clerk's browser)."""
    kiosk = client.application.test_client()
    return kiosk.post("/api/v1/tickets", json={"service": service}).get_json()


def test_logged_in_terminal_gets_the_queue_state(terminal):
    (state,) = received(terminal, "queue_state")
    assert [counter["number"] for counter in state["counters"]] == [1, 2, 3]


def test_after_logging_out_the_terminal_cannot_connect(app, client, terminal):
    terminal.disconnect(namespace="/counter")
    token = csrf_token(client.get("/counter").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    anonymous = socketio.test_client(app, namespace="/counter", flask_test_client=client)
    assert not anonymous.is_connected("/counter")


def test_the_socket_is_bound_to_the_chosen_counter(client, terminal):
    issue(client)
    refused = terminal.emit("call_next", {"counter": 2}, namespace="/counter", callback=True)
    assert refused["ok"] is False
    assert refused["error"]["code"] == "other_counter"
    assert counter_state(client, 2)["current_ticket"] is None
    for event, data in (("recall", {}), ("finish", {}), ("open", {}), ("pause", {"reason": "x"})):
        ack = terminal.emit(event, {"counter": 3, **data}, namespace="/counter", callback=True)
        assert ack["error"]["code"] == "other_counter", event
    assert counter_state(client, 3)["state"] == "open"
    mine = act(terminal, "call_next")
    assert (mine["ok"], mine["counter"]["id"], mine["ticket"]["code"]) == (True, 1, "A001")


def test_call_recall_no_show_and_return(client, terminal):
    first = issue(client)
    called = act(terminal, "call_next")
    assert (called["ticket"]["id"], called["ticket"]["state"]) == (first["id"], "called")
    assert called["counter"]["current_ticket"]["id"] == first["id"]
    too_soon = act(terminal, "no_show")
    assert (too_soon["ok"], too_soon["error"]["code"]) == (False, "recall_limit_not_reached")
    recalled = act(terminal, "recall")
    assert recalled["ticket"]["call_count"] == 2
    gone = act(terminal, "no_show")
    assert gone["ticket"]["state"] == "no_show"
    assert gone["counter"]["current_ticket"] is None
    back = act(terminal, "return", ticket=first["id"])
    assert back["ok"] is True
    assert back["ticket"]["state"] == "waiting"
    assert back["ticket"]["position"] == 0
    again = act(terminal, "call_next")
    assert again["ticket"]["id"] == first["id"]
    assert again["ticket"]["call_count"] == 3


def test_call_a_chosen_ticket_start_park_and_call_it_back(client, terminal):
    issue(client)
    chosen = issue(client, "DD")
    called = act(terminal, "call", ticket=chosen["id"])
    assert (called["ticket"]["code"], called["ticket"]["state"]) == ("B001", "called")
    started = act(terminal, "start")
    assert started["ticket"]["state"] == "serving"
    parked = act(terminal, "park")
    assert parked["ticket"]["state"] == "parked"
    assert parked["counter"]["current_ticket"] is None
    next_one = act(terminal, "call_next")
    assert next_one["ticket"]["code"] == "A001"
    busy = act(terminal, "call", ticket=chosen["id"])
    assert (busy["ok"], busy["error"]["code"]) == (False, "counter_busy")
    act(terminal, "finish", outcome="more_documents")
    resumed = act(terminal, "call", ticket=chosen["id"])
    assert (resumed["ticket"]["id"], resumed["ticket"]["state"]) == (chosen["id"], "called")
    done = act(terminal, "finish", outcome="resolved")
    assert (done["ticket"]["state"], done["ticket"]["outcome"]) == ("done", "resolved")
    ticket = client.get(f"/api/v1/tickets/{next_one['ticket']['id']}").get_json()
    assert (ticket["state"], ticket["outcome"]) == ("done", "more_documents")


def test_transfer_to_a_service_and_to_a_counter(client, terminal):
    issue(client)
    issue(client)
    act(terminal, "call_next")
    to_service = act(terminal, "transfer", service="LD")
    assert to_service["ok"] is True
    assert (to_service["ticket"]["code"], to_service["ticket"]["service"]) == ("A001", "LD")
    assert to_service["ticket"]["state"] == "waiting"
    assert to_service["counter"]["current_ticket"] is None
    act(terminal, "call_next")  # the LD leg went to the head of its queue
    state = counter_state(client, 1)
    assert (state["current_ticket"]["code"], state["current_ticket"]["service"]) == ("A001", "LD")
    to_counter = act(terminal, "transfer", target_counter=3)
    assert to_counter["ticket"]["state"] == "waiting"
    bad = act(terminal, "transfer", target_counter=1)
    assert (bad["ok"], bad["error"]["code"]) == (False, "no_current_ticket")
    act(terminal, "call_next")
    bad_target = act(terminal, "transfer", target_counter=1)
    assert (bad_target["ok"], bad_target["error"]["code"]) == (False, "transfer_target")


def test_open_pause_and_close_the_counter(client, terminal):
    issue(client)
    act(terminal, "call_next")
    busy = act(terminal, "close")
    assert (busy["ok"], busy["error"]["code"]) == (False, "counter_busy")
    act(terminal, "finish")
    paused = act(terminal, "pause", reason="Nghỉ giữa giờ")
    assert (paused["counter"]["state"], paused["counter"]["pause_reason"]) == (
        "paused",
        "Nghỉ giữa giờ",
    )
    refused = act(terminal, "call_next")
    assert (refused["ok"], refused["error"]["code"]) == (False, "counter_not_open")
    closed = act(terminal, "close")
    assert closed["counter"]["state"] == "closed"
    assert counter_state(client, 1)["state"] == "closed"
    cannot_pause = act(terminal, "pause", reason="")
    assert cannot_pause["error"]["code"] == "counter_closed"
    opened = act(terminal, "open")
    assert (opened["ok"], opened["counter"]["state"]) == (True, "open")
    assert counter_state(client, 1)["state"] == "open"


def test_cancel_a_waiting_ticket(client, terminal):
    ticket = issue(client)
    cancelled = act(terminal, "cancel", ticket=ticket["id"])
    assert cancelled["ticket"]["state"] == "cancelled"
    assert act(terminal, "call_next")["ticket"] is None


def test_the_terminal_hears_queue_changes_and_displays_hear_its_calls(app, client, terminal):
    display = socketio.test_client(app, namespace="/display", flask_test_client=client)
    display.get_received("/display")
    terminal.get_received("/counter")
    issue(client, "KD")
    (changed,) = received(terminal, "queue_changed")
    assert [s["waiting"] for s in changed["services"]] == [0, 0, 1, 0]
    act(terminal, "call_next")
    calls = [m["args"][0] for m in display.get_received("/display") if m["name"] == "ticket_called"]
    assert [(c["ticket"]["code"], c["counter"]["number"], c["call_count"]) for c in calls] == [
        ("C001", 1, 1)
    ]


def test_two_clerks_at_two_counters_each_see_their_own(app, client, make_user, terminal):
    issue(client)
    issue(client)
    other_client = app.test_client()
    make_user("minh")
    token = csrf_token(other_client.get("/login").get_data(as_text=True))
    other_client.post(
        "/login", data={"csrf_token": token, "username": "minh", "password": PASSWORD}
    )
    token = csrf_token(other_client.get("/counter/choose").get_data(as_text=True))
    other_client.post("/counter/choose", data={"csrf_token": token, "counter": 2})
    minh = socketio.test_client(app, namespace="/counter", flask_test_client=other_client)
    lan_call = act(terminal, "call_next")
    minh_call = minh.emit("call_next", {"counter": 2}, namespace="/counter", callback=True)
    assert (lan_call["ticket"]["code"], minh_call["ticket"]["code"]) == ("A001", "A002")
    assert lan_call["counter"]["current_ticket"]["code"] == "A001"
    assert minh_call["counter"]["current_ticket"]["code"] == "A002"
    assert act(terminal, "finish")["ticket"]["code"] == "A001"
    assert counter_state(client, 2)["current_ticket"]["code"] == "A002"
    crossed = minh.emit("finish", {"counter": 1}, namespace="/counter", callback=True)
    assert crossed["error"]["code"] == "other_counter"


def log_out(client):
    token = csrf_token(client.get("/counter").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def test_choosing_a_counter_makes_the_clerk_its_holder(app_db, terminal):
    from queueing.models import Counter

    with app_db.read() as session:
        counter = session.get(Counter, 1)
        assert (counter.clerk_id, counter.terminal_seen_at is not None) == (1, True)


def test_the_terminal_beat_keeps_the_counter(app_db, clock, terminal):
    from queueing.models import Counter

    clock.advance(25)
    assert act(terminal, "keep_counter") == {"ok": True, "ticket": None}
    with app_db.read() as session:
        assert session.get(Counter, 1).terminal_seen_at == clock()


def test_signing_out_pauses_the_counter_and_frees_it(client, terminal):
    assert counter_state(client, 1)["state"] == "open"
    response = log_out(client)
    assert response.status_code == 302
    counter = counter_state(client, 1)
    assert (counter["state"], counter["pause_reason"]) == ("paused", "Cán bộ đã đăng xuất")
    board = client.get("/api/v1/queue").get_json()
    assert board["counters"][0]["state"] == "paused"


def test_taking_a_held_counter_asks_first_then_tells_the_other_terminal(
    app, make_user, log_in, terminal
):
    other = app.test_client()
    make_user("minh")
    token = csrf_token(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"csrf_token": token, "username": "minh", "password": PASSWORD})
    choice = csrf_token(other.get("/counter/choose").get_data(as_text=True))

    asked = other.post("/counter/choose", data={"csrf_token": choice, "counter": 1})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Cán bộ Lan đang làm việc tại quầy này" in page
    assert counter_state(other, 1)["state"] == "open"
    with other.session_transaction() as session:
        assert "counter_id" not in session
    terminal.get_received("/counter")

    taken = other.post(
        "/counter/choose",
        data={"csrf_token": csrf_token(page), "counter": 1, "take_over": "yes"},
    )
    assert taken.headers["Location"] == "/counter"
    (told,) = received(terminal, "counter_taken")
    assert told == {"counter": 1, "clerk_id": 2, "from_clerk_id": 1}
    refused = act(terminal, "call_next")
    assert (refused["ok"], refused["error"]["code"]) == (False, "counter_taken")
    beat = act(terminal, "keep_counter")
    assert (beat["ok"], beat["error"]["code"]) == (False, "counter_taken")


def test_a_clerk_deactivated_while_connected_acts_no_more(app_db, client, terminal):
    from queueing.models import User

    issue(client)

    def deactivate(session):
        session.query(User).filter_by(username="lan").one().is_active = False

    app_db.write(deactivate)
    refused = act(terminal, "call_next")
    assert (refused["ok"], refused["error"]["code"]) == (False, "bad_token")
    assert counter_state(client, 1)["current_ticket"] is None


def test_the_terminal_acts_at_its_own_counter_over_rest_too(client, terminal):
    """Lan's terminal works counter 1: the REST API refuses her session at
    counter 2 as the socket does, and acts at counter 1."""
    issue(client)
    token = csrf_token(client.get("/counter").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    refused = client.post("/api/v1/counters/2/call-next", headers=headers)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "other_counter")
    assert counter_state(client, 2)["current_ticket"] is None
    mine = client.post("/api/v1/counters/1/call-next", headers=headers)
    assert mine.status_code == 200
    assert mine.get_json()["ticket"]["code"] == "A001"


def test_a_signed_in_browser_issues_over_the_api_only_with_its_csrf_token(client, terminal):
    refused = client.post("/api/v1/tickets", json={"service": "HT"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "csrf_failed")
    assert counter_state(client, 1)["current_ticket"] is None
    assert client.get("/api/v1/services").get_json()["services"][0]["waiting"] == 0
    token = csrf_token(client.get("/counter").get_data(as_text=True))
    issued = client.post("/api/v1/tickets", json={"service": "HT"}, headers={"X-CSRFToken": token})
    assert issued.status_code == 201


def test_a_check_in_reaches_the_terminal_and_is_called_before_walk_ins(app, client, terminal):
    """The test clock stands at 09:00 (+07:00); the 09:15 slot's check-in
    window is open."""
    walk_in = issue(client, "HT")
    booked = client.post(
        "/api/v1/appointments", json={"service": "HT", "start": "2026-11-23T09:15:00+07:00"}
    ).get_json()
    terminal.get_received("/counter")
    kiosk = app.test_client()
    checked_in = kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in", json={})
    assert checked_in.status_code == 201, checked_in.get_json()
    ticket = checked_in.get_json()["ticket"]
    (changed,) = received(terminal, "queue_changed")
    assert [s["waiting"] for s in changed["services"]] == [2, 0, 0, 0]
    called = act(terminal, "call_next")
    assert (called["ticket"]["id"], called["ticket"]["channel"]) == (ticket["id"], "booking")
    assert act(terminal, "start")["ok"] is True
    assert act(terminal, "finish")["ok"] is True
    assert act(terminal, "call_next")["ticket"]["id"] == walk_in["id"]

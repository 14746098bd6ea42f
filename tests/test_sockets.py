"""Socket.IO namespaces through Flask-SocketIO's test clients."""

from __future__ import annotations

from datetime import datetime

import pytest

from web.extensions import socketio


def received(client, name, namespace):
    return [m["args"][0] for m in client.get_received(namespace) if m["name"] == name]


@pytest.fixture
def display(app, client):
    return socketio.test_client(app, namespace="/display", flask_test_client=client)


def test_display_gets_queue_state_on_connect(display):
    (state,) = received(display, "queue_state", "/display")
    assert [c["number"] for c in state["counters"]] == [1, 2, 3]
    assert {s["code"] for s in state["services"]} == {"HT", "DD", "KD", "LD"}


def test_display_hears_a_call_and_queue_changes(app, client, display, auth):
    display.get_received("/display")
    client.post("/api/v1/tickets", json={"service": "HT"})
    (changed,) = received(display, "queue_changed", "/display")
    assert changed["services"][0]["waiting"] == 1
    client.post("/api/v1/counters/2/call-next", headers=auth("clerk"))
    messages = display.get_received("/display")
    calls = [m["args"][0] for m in messages if m["name"] == "ticket_called"]
    assert len(calls) == 1
    assert calls[0]["ticket"]["code"] == "A001"
    assert calls[0]["counter"]["number"] == 2
    assert calls[0]["call_count"] == 1


def test_limited_display_hears_only_its_counters(app, client, auth):
    limited = socketio.test_client(
        app, namespace="/display", auth={"counters": [1]}, flask_test_client=client
    )
    limited.get_received("/display")
    clerk = auth("clerk")
    client.post("/api/v1/tickets", json={"service": "HT"})
    client.post("/api/v1/tickets", json={"service": "HT"})
    client.post("/api/v1/counters/2/call-next", headers=clerk)
    assert received(limited, "ticket_called", "/display") == []
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    calls = received(limited, "ticket_called", "/display")
    assert [c["counter"]["number"] for c in calls] == [1]


@pytest.mark.parametrize(
    "counters",
    ["all", [99], [1, 99], list(range(1, 120_001)), [True], [1.5]],
    ids=["text", "unknown", "one-unknown", "huge", "bool", "float"],
)
def test_display_with_bad_counters_is_refused(app, client, counters):
    refused = socketio.test_client(
        app, namespace="/display", auth={"counters": counters}, flask_test_client=client
    )
    assert not refused.is_connected("/display")


@pytest.mark.parametrize("query", ["²", "1,²", "٣", "1,99", ",".join(["1"] * 201)])
def test_display_with_bad_counters_in_its_address_is_refused(app, client, query):
    refused = socketio.test_client(
        app,
        namespace="/display",
        query_string=f"counters={query}",
        flask_test_client=client,
    )
    assert not refused.is_connected("/display")


def test_display_limited_to_known_counters_connects(app, client):
    display = socketio.test_client(
        app, namespace="/display", auth={"counters": [1, 3]}, flask_test_client=client
    )
    assert display.is_connected("/display")


def test_counter_connection_without_login_is_refused(app, client):
    anonymous = socketio.test_client(app, namespace="/counter", flask_test_client=client)
    assert not anonymous.is_connected("/counter")
    bad = socketio.test_client(
        app, namespace="/counter", auth={"token": "nope"}, flask_test_client=client
    )
    assert not bad.is_connected("/counter")


@pytest.fixture
def terminal(app, client, make_token):
    connection = socketio.test_client(
        app, namespace="/counter", auth={"token": make_token("clerk")}, flask_test_client=client
    )
    assert connection.is_connected("/counter")
    return connection


def test_terminal_actions_ack_with_the_ticket(client, terminal):
    client.post("/api/v1/tickets", json={"service": "DD"})
    called = terminal.emit("call_next", {"counter": 3}, namespace="/counter", callback=True)
    assert called["ok"] is True
    assert (called["ticket"]["code"], called["ticket"]["state"]) == ("B001", "called")
    recalled = terminal.emit("recall", {"counter": 3}, namespace="/counter", callback=True)
    assert recalled["ticket"]["call_count"] == 2
    started = terminal.emit("start", {"counter": 3}, namespace="/counter", callback=True)
    assert started["ticket"]["state"] == "serving"
    done = terminal.emit(
        "finish", {"counter": 3, "outcome": "referred"}, namespace="/counter", callback=True
    )
    assert (done["ticket"]["state"], done["ticket"]["outcome"]) == ("done", "referred")
    paused = terminal.emit(
        "pause", {"counter": 3, "reason": "Nghỉ"}, namespace="/counter", callback=True
    )
    assert paused["counter"]["state"] == "paused"
    assert client.get("/api/v1/counters").get_json()["counters"][2]["state"] == "paused"


def test_terminal_park_call_transfer_return(client, terminal):
    first = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    terminal.emit("call_next", {"counter": 1}, namespace="/counter", callback=True)
    parked = terminal.emit("park", {"counter": 1}, namespace="/counter", callback=True)
    assert parked["ticket"]["state"] == "parked"
    returned = terminal.emit(
        "return", {"counter": 1, "ticket": first["id"]}, namespace="/counter", callback=True
    )
    assert returned["ticket"]["state"] == "waiting"
    called = terminal.emit(
        "call", {"counter": 1, "ticket": first["id"]}, namespace="/counter", callback=True
    )
    assert called["ticket"]["id"] == first["id"]
    moved = terminal.emit(
        "transfer", {"counter": 1, "target_counter": 2}, namespace="/counter", callback=True
    )
    assert (moved["ok"], moved["ticket"]["code"]) == (True, "A001")


def test_terminal_errors_are_acked_not_raised(terminal):
    busy = terminal.emit("finish", {"counter": 1}, namespace="/counter", callback=True)
    assert busy == {
        "ok": False,
        "error": {"code": "no_current_ticket", "message": "this counter has no current ticket"},
    }
    for payload in (None, "x", [], {"counter": "one"}, {"counter": True}, {"counter": -4}):
        ack = terminal.emit("call_next", payload, namespace="/counter", callback=True)
        assert ack["ok"] is False
        assert ack["error"]["code"] in {"malformed_request", "invalid_field"}
    missing = terminal.emit("call_next", {"counter": 77}, namespace="/counter", callback=True)
    assert missing["error"]["code"] == "counter_not_found"


def follow(app, client, ticket):
    """The ticket's page on a phone: its /ticket connection, with the token."""
    return socketio.test_client(
        app,
        namespace="/ticket",
        auth={"ticket": ticket["id"], "token": ticket["access_token"]},
        flask_test_client=client,
    )


def test_ticket_namespace_follows_one_ticket(app, client, auth):
    mine = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    other = client.post("/api/v1/tickets", json={"service": "DD"}).get_json()
    phone = socketio.test_client(
        app,
        namespace="/ticket",
        auth={"ticket": mine["id"], "token": mine["access_token"]},
        flask_test_client=client,
    )
    (first,) = received(phone, "ticket_updated", "/ticket")
    assert (first["id"], first["state"]) == (mine["id"], "waiting")
    clerk = auth("clerk")
    client.post(f"/api/v1/counters/1/call/{other['id']}", headers=clerk)
    assert received(phone, "ticket_updated", "/ticket") == []
    client.post(f"/api/v1/counters/2/call/{mine['id']}", headers=clerk)
    updates = received(phone, "ticket_updated", "/ticket")
    assert updates[-1]["state"] == "called"
    assert updates[-1]["counter"] == 2


def test_ticket_namespace_refuses_unknown_ticket(app, client):
    phone = socketio.test_client(
        app, namespace="/ticket", auth={"ticket": 987654}, flask_test_client=client
    )
    assert not phone.is_connected("/ticket")


@pytest.mark.parametrize("token", [None, "", "not-the-token-of-it", 12])
def test_ticket_namespace_refuses_a_ticket_without_its_holder_token(app, client, token):
    mine = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    auth = {"ticket": mine["id"]} if token is None else {"ticket": mine["id"], "token": token}
    phone = socketio.test_client(app, namespace="/ticket", auth=auth, flask_test_client=client)
    assert not phone.is_connected("/ticket")


def test_ticket_page_hears_its_line_move(app, client, auth, clock):
    first = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    mine = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    phone = socketio.test_client(
        app,
        namespace="/ticket",
        auth={"ticket": mine["id"], "token": mine["access_token"]},
        flask_test_client=client,
    )
    (update,) = received(phone, "ticket_updated", "/ticket")
    assert update["position"] == 1
    client.post(f"/api/v1/counters/1/call/{first['id']}", headers=auth("clerk"))
    (line,) = received(phone, "line_changed", "/ticket")
    assert line["service"] == "HT"
    # Counters 2 and 3 are free: mine is called at once, nobody ahead.
    assert line["tickets"] == [[mine["id"], 0, 0.0]]
    # When it was computed, as a state says it, so a page keeps the newest.
    assert datetime.fromisoformat(line["generated_at"]) == clock()


def test_a_ticket_page_hears_its_place_move_when_another_service_moves(app, client, auth):
    """Counters are shared: a cancelled ticket of another service moves
    this one up, and its page hears it."""
    clerk = auth("clerk")
    other = client.post("/api/v1/tickets", json={"service": "DD"}).get_json()
    for _ in range(3):
        client.post("/api/v1/tickets", json={"service": "KD"})
    mine = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    assert mine["position"] == 4
    phone = socketio.test_client(
        app,
        namespace="/ticket",
        auth={"ticket": mine["id"], "token": mine["access_token"]},
        flask_test_client=client,
    )
    phone.get_received("/ticket")
    client.post(f"/api/v1/tickets/{other['id']}/cancel", headers=clerk)
    (line,) = received(phone, "line_changed", "/ticket")
    assert line["service"] == "HT"
    # Three counters take the three KD tickets; the first free again (300 s)
    # calls mine.
    assert line["tickets"] == [[mine["id"], 3, 300.0]]


def test_state_is_sent_once_for_a_burst_when_coalescing(app, client, monkeypatch):
    import threading

    import live

    # The coalescing wait is held until the burst is over, and each state
    # sent is counted, so no timer decides what the test sees.
    waits: list[float] = []
    burst_over = threading.Event()
    sent = threading.Semaphore(0)
    publisher = live.publisher_of(app)
    emit_state = publisher.emit_state

    def held_wait(seconds: float) -> None:
        waits.append(seconds)
        assert burst_over.wait(10), "the test never ended the burst"

    def counted_emit_state(*args):
        emit_state(*args)
        sent.release()

    monkeypatch.setattr(publisher.socketio, "sleep", held_wait)
    monkeypatch.setattr(publisher, "emit_state", counted_emit_state)
    app.config["LUOT_LIVE_COALESCE_SECONDS"] = 0.2
    display = socketio.test_client(app, namespace="/display", flask_test_client=client)
    display.get_received("/display")
    for _ in range(5):
        client.post("/api/v1/tickets", json={"service": "DD"})
    assert received(display, "queue_changed", "/display") == []
    burst_over.set()
    assert sent.acquire(timeout=10), "no state was sent for the burst"
    # A later change is the marker: its state is sent after any other the
    # burst could have caused, so everything before it is in hand.
    client.post("/api/v1/tickets", json={"service": "DD"})
    assert sent.acquire(timeout=10), "no state was sent for the change after the burst"
    changes = received(display, "queue_changed", "/display")
    assert [change["services"][1]["waiting"] for change in changes] == [5, 6]
    assert len(waits) == 2


def test_a_slow_state_is_recomputed_at_most_a_fifth_of_the_time(app, monkeypatch):
    """However long the lines make the state to compute, recomputing it
    leaves the process four fifths of its time for issuing and calling."""
    import threading
    import time

    import live

    runs: list[tuple[float, float]] = []
    done = threading.Event()

    def slow_state(office_id, services, base_url):
        started = time.monotonic()
        time.sleep(0.1)
        runs.append((started, time.monotonic()))
        done.set()

    publisher = live.publisher_of(app)
    monkeypatch.setattr(publisher, "emit_state", slow_state)
    app.config["LUOT_LIVE_COALESCE_SECONDS"] = 0.01
    for _ in range(2):
        done.clear()
        publisher.schedule_state(1, {1}, "http://luot.test")
        assert done.wait(5)
    (first_start, first_end), (second_start, _second_end) = runs
    spent = first_end - first_start
    assert second_start - first_end >= spent * (1 - live.STATE_SHARE) / live.STATE_SHARE - 0.01


def test_an_office_state_is_never_recomputed_twice_at_once(app, monkeypatch):
    """A change that comes in while the office's state is being recomputed is
    sent by a pass after it, never by one running beside it: two at once could
    send their states in the wrong order, and screens would keep the older."""
    import threading

    import live

    publisher = live.publisher_of(app)
    first_entered = threading.Event()
    let_first_finish = threading.Event()
    passes: list[set[int]] = []
    finished = threading.Semaphore(0)
    running = [0]
    most_at_once = [0]
    lock = threading.Lock()

    def held_state(office_id, services, base_url):
        with lock:
            running[0] += 1
            most_at_once[0] = max(most_at_once[0], running[0])
            passes.append(set(services))
        if len(passes) == 1:
            first_entered.set()
            assert let_first_finish.wait(10), "the test never let the first pass finish"
        with lock:
            running[0] -= 1
        finished.release()

    monkeypatch.setattr(publisher, "emit_state", held_state)
    monkeypatch.setattr(publisher.socketio, "sleep", lambda seconds: None)
    app.config["LUOT_LIVE_COALESCE_SECONDS"] = 0.01
    publisher.schedule_state(1, {1}, "http://luot.test")
    assert first_entered.wait(10), "the first change was never recomputed"
    publisher.schedule_state(1, {2}, "http://luot.test")
    publisher.schedule_state(1, {3}, "http://luot.test")
    let_first_finish.set()
    assert finished.acquire(timeout=10) and finished.acquire(timeout=10), (
        "the changes made during the first pass were never recomputed"
    )
    assert passes == [{1}, {2, 3}]
    assert most_at_once[0] == 1
    # Done with its work, the office's task has ended: a later change starts one.
    publisher.schedule_state(1, {4}, "http://luot.test")
    assert finished.acquire(timeout=10), "a change after the passes was never recomputed"
    assert passes[-1] == {4}


def test_counter_screen_hears_its_ticket_finish(app, client, auth):
    tablet = socketio.test_client(
        app, namespace="/display", auth={"counters": [2]}, flask_test_client=client
    )
    clerk = auth("clerk")
    client.post("/api/v1/tickets", json={"service": "HT"})
    client.post("/api/v1/tickets", json={"service": "HT"})
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    client.post("/api/v1/counters/1/finish", headers=clerk)
    client.post("/api/v1/counters/2/call-next", headers=clerk)
    tablet.get_received("/display")
    client.post("/api/v1/counters/2/finish", headers=clerk)
    (finished,) = received(tablet, "ticket_finished", "/display")
    assert (finished["ticket"]["code"], finished["ticket"]["state"]) == ("A002", "done")
    assert finished["counter"]["number"] == 2


def test_manager_board_needs_a_manager_and_hears_changes(app, client, make_token):
    clerk = socketio.test_client(
        app, namespace="/manager", auth={"token": make_token("clerk")}, flask_test_client=client
    )
    assert not clerk.is_connected("/manager")
    board = socketio.test_client(
        app, namespace="/manager", auth={"token": make_token("manager")}, flask_test_client=client
    )
    assert board.is_connected("/manager")
    assert len(received(board, "queue_state", "/manager")) == 1
    client.post("/api/v1/tickets", json={"service": "KD"})
    (changed,) = received(board, "queue_changed", "/manager")
    assert changed["services"][2]["waiting"] == 1


def test_a_token_revoked_while_connected_acts_no_more(app, client, app_db, clock):
    from queueing import accounts

    row, token = app_db.write(lambda s: accounts.create_token(s, "keypad", "clerk", clock()))
    keypad = socketio.test_client(
        app, namespace="/counter", auth={"token": token}, flask_test_client=client
    )
    assert keypad.is_connected("/counter")
    client.post("/api/v1/tickets", json={"service": "DD"})
    app_db.write(lambda s: accounts.revoke_token(s, row.id, clock()))

    refused = keypad.emit("call_next", {"counter": 3}, namespace="/counter", callback=True)

    assert refused == {
        "ok": False,
        "error": {"code": "bad_token", "message": "the token was revoked"},
    }
    counters = client.get("/api/v1/counters").get_json()["counters"]
    assert counters[2]["current_ticket"] is None


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("call_next", {"counter": 2**70}),
        ("call", {"counter": 1, "ticket": 2**70}),
        ("return", {"counter": 1, "ticket": 2**64}),
        ("transfer", {"counter": 1, "target_counter": 2**66}),
        ("finish", {"counter": 1, "outcome": "x" * 10_000}),
        ("call_next", [1, 2, 3]),
        ("keep_counter", {"counter": -(2**70)}),
    ],
)
def test_every_terminal_command_is_acked_whatever_it_is_sent(terminal, event, payload):
    ack = terminal.emit(event, payload, namespace="/counter", callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] in {"malformed_request", "invalid_field"}


@pytest.mark.parametrize("websocket", [False, True], ids=["polling", "websocket"])
def test_the_socket_io_path_matches_a_rule_of_the_app(app, websocket):
    """Flask-SocketIO runs each handler in a request context of this path: a
    path no rule matches gave each a NotFound and its traceback, a reference
    cycle for the garbage collector per connection and event."""
    scheme = "ws" if websocket else "http"
    adapter = app.url_map.bind("luot.test", url_scheme=scheme)
    endpoint, _arguments = adapter.match("/socket.io/", method="GET", websocket=websocket)
    assert endpoint in ("socket_io", "socket_io_websocket")

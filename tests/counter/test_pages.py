"""Logging in, choosing a counter and the terminal's JSON views, through
the Flask test client."""

from __future__ import annotations

import pytest

from tests.counter.conftest import csrf_token
from tests.display.test_display_pages import assert_no_inline_code


def test_login_page_is_vietnamese_with_a_form_carrying_csrf(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đăng nhập quầy giao dịch" in html
    assert csrf_token(html)


def test_login_with_the_right_password_opens_the_session(client, make_user, log_in):
    make_user("lan")
    response = log_in("lan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/counter"
    # Logged in, without a counter yet: the terminal asks for one.
    assert client.get("/counter").headers["Location"] == "/counter/choose"


def test_login_with_a_wrong_password_says_so_and_opens_nothing(client, make_user, log_in):
    make_user("lan")
    response = log_in("lan", "wrong-password")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/counter").headers["Location"].startswith("/login?next=")


def test_login_of_an_unknown_user_is_refused_the_same_way(client, log_in):
    response = log_in("nobody", "whatever-password")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_login_without_a_csrf_token_is_refused(client, make_user):
    make_user("lan")
    response = client.post("/login", data={"username": "lan", "password": "correct-horse-7"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/counter/choose", "/counter/choose"),
        ("https://evil.example/", "/counter"),
        ("//evil.example/x", "/counter"),
        ("/\\evil.example", "/counter"),
        ("javascript:alert(1)", "/counter"),
    ],
)
def test_login_follows_next_only_to_a_local_path(make_user, log_in, next_path, location):
    make_user("lan")
    assert log_in("lan", next_path=next_path).headers["Location"] == location


def test_terminal_without_login_redirects_to_login(client):
    response = client.get("/counter")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/counter"


def test_english_login_page(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Counter terminal login" in html
    assert "Password" in html


def test_english_terminal_keeps_its_own_words(client, make_user, log_in, choose_counter):
    # Every area's catalogue is merged into one: the terminal's words must
    # not be taken over by another area's translation of the same Vietnamese.
    make_user("lan")
    log_in("lan")
    choose_counter(1)
    html = client.get("/counter?lang=en").get_data(as_text=True)
    for words in ("Current number", "Call next", "No-show <kbd", "Another service", "Recall"):
        assert words in html
    assert '<th scope="col">Number</th>' in html
    display = client.get("/display?lang=en").get_data(as_text=True)
    assert "<title>Waiting-room display – " in display


def test_terminal_page_has_no_inline_code(client, make_user, log_in, choose_counter):
    make_user("lan")
    log_in("lan")
    choose_counter(1)
    assert_no_inline_code(client.get("/counter").get_data(as_text=True))


def test_choosing_a_counter_keeps_it_in_the_session(client, make_user, log_in, choose_counter):
    make_user("lan")
    log_in("lan")
    page = client.get("/counter/choose").get_data(as_text=True)
    assert [f'name="counter" value="{n}"' in page for n in (1, 2, 3)] == [True] * 3
    response = choose_counter(2)
    assert response.headers["Location"] == "/counter"
    with client.session_transaction() as session:
        assert session["counter_id"] == 2
    terminal = client.get("/counter")
    assert terminal.status_code == 200
    html = terminal.get_data(as_text=True)
    assert "Quầy 2" in html
    assert "Gọi số tiếp theo" in html


def test_a_clerk_cannot_choose_a_counter_of_another_office(
    client, app_db, clock, make_user, log_in, choose_counter
):
    from queueing.models import Counter, Office

    def other_office(session):
        office = Office(code="OTHER", name="Khác", created_at=clock())
        session.add(office)
        session.flush()
        counter = Counter(office_id=office.id, number=1, name="Quầy số 1")
        session.add(counter)
        session.flush()
        return counter.id

    foreign = app_db.write(other_office)
    make_user("lan")
    log_in("lan")
    response = choose_counter(foreign)
    assert response.status_code == 200
    assert "Quầy này không thuộc đơn vị của bạn." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "counter_id" not in session


def test_logout_needs_a_post_with_csrf_and_ends_the_session(
    client, make_user, log_in, choose_counter
):
    make_user("lan")
    log_in("lan")
    choose_counter(1)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    token = csrf_token(client.get("/counter").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "counter_id" not in session


def test_a_manager_may_use_the_terminal(client, make_user, log_in, choose_counter):
    make_user("boss", role="manager")
    log_in("boss")
    choose_counter(3)
    assert client.get("/counter").status_code == 200


def test_waiting_json_lists_the_counters_line_in_call_order(
    client, make_user, log_in, choose_counter
):
    first = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    second = client.post("/api/v1/tickets", json={"service": "DD"}).get_json()
    elder = client.post("/api/v1/tickets", json={"service": "KD", "priority": "elderly"}).get_json()
    assert client.get("/counter/1/waiting.json").status_code == 401
    make_user("lan")
    log_in("lan")
    body = client.get("/counter/1/waiting.json").get_json()
    assert [t["id"] for t in body["waiting"]] == [elder["id"], first["id"], second["id"]]
    assert body["waiting"][0]["service_name"] == "Đăng ký kinh doanh"
    assert (body["parked"], body["no_shows"]) == ([], [])
    assert client.get("/counter/99/waiting.json").status_code == 404


def test_today_json_counts_the_clerks_own_work(
    app, client, clock, make_user, log_in, choose_counter
):
    from web.extensions import socketio

    client.post("/api/v1/tickets", json={"service": "HT"})
    make_user("lan")
    log_in("lan")
    choose_counter(1)
    terminal = socketio.test_client(app, namespace="/counter", flask_test_client=client)
    clock.advance(90)
    terminal.emit("call_next", {"counter": 1}, namespace="/counter", callback=True)
    terminal.emit("start", {"counter": 1}, namespace="/counter", callback=True)
    clock.advance(240)
    terminal.emit("finish", {"counter": 1}, namespace="/counter", callback=True)
    assert client.get("/counter/1/today.json").get_json() == {
        "called": 1,
        "served": 1,
        "no_shows": 0,
        "transferred": 0,
        "mean_service_s": 240.0,
        "mean_wait_s": 90.0,
    }


def test_counter_screen_is_public(client):
    screen = client.get("/counter/2/screen")
    assert screen.status_code == 200
    assert "Quầy 2" in screen.get_data(as_text=True)
    assert client.get("/counter/42/screen").status_code == 404


def test_the_rating_tablet_is_signed_in_by_a_clerk_of_the_office(client, make_user, log_in):
    """It rates as the office's staff, so nobody else may open it."""
    anonymous = client.get("/counter/2/rate")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")
    assert client.get("/counter/2/rate/csrf").status_code == 401
    make_user("lan")
    log_in("lan")
    tablet = client.get("/counter/2/rate")
    html = tablet.get_data(as_text=True)
    assert tablet.status_code == 200
    for words in ("Rất hài lòng", "Rất không hài lòng", "Thời gian chờ lâu", "Lý do khác"):
        assert words in html
    assert client.get("/counter/42/rate").status_code == 404
    fresh = client.get("/counter/2/rate/csrf")
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "no-store"
    assert len(fresh.get_json()["csrf_token"]) > 20


def test_the_rating_tablet_rates_a_finished_ticket_as_staff(client, make_user, log_in, auth):
    clerk = auth("clerk")
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    client.post("/api/v1/counters/2/call-next", headers=clerk)
    client.post("/api/v1/counters/2/finish", headers=clerk)
    make_user("lan")
    log_in("lan")
    path = f"/api/v1/tickets/{ticket['id']}/rating"
    # A signed-in session's change needs the page's CSRF token.
    refused = client.post(path, json={"score": 5})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "csrf_failed")
    token = client.get("/counter/2/rate/csrf").get_json()["csrf_token"]
    rated = client.post(path, json={"score": 5}, headers={"X-CSRFToken": token})
    assert rated.status_code == 201
    assert rated.get_json()["rating"]["score"] == 5


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("clerk", "/counter"),
        ("manager", "/manager/"),
        ("supervisor", "/manager/offices"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_where_it_works(client, make_user, log_in, role, landing):
    make_user("someone", role=role)
    response = log_in("someone")
    assert response.headers["Location"] == landing
    # Coming back to the login page while signed in leads there too.
    assert client.get("/login").headers["Location"] == landing

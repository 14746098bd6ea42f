"""The staff menu: each role sees exactly the areas it may open, on every
staff page, with the current one marked and a way to sign out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.manager.helpers import csrf_token, log_in, make_user
from tests.manager.test_access import routes

#: What each role's menu lists, without a counter chosen, in order.
MENUS = {
    "clerk": ["counter"],
    "manager": ["counter", "board", "reports"],
    "supervisor": ["counter", "board", "reports", "offices"],
    "admin": ["counter", "board", "reports", "offices", "admin"],
}
#: Where each area's link opens, and the areas' pages beyond it.
AREA_PATHS = {
    "counter": "/counter",
    "board": "/manager/",
    "reports": "/manager/reports",
    "offices": "/manager/offices",
    "admin": "/admin/",
}


@pytest.fixture
def login(app_db, client, clock):
    """``login("manager")``: a new user of that role (of the demo office; a
    supervisor overseeing it), signed in."""

    def as_role(role):
        log_in(client, make_user(app_db, role, clock, username=role))

    return as_role


class MenuParser(HTMLParser):
    """The staff menu's links, as (id name, href, aria-current), and whether
    it has a sign-out button."""

    def __init__(self) -> None:
        super().__init__()
        self.menus = 0
        self.links: list[tuple[str, str, str | None]] = []
        self.has_logout = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and "staff-menu" in (found.get("class") or "").split():
            self.menus += 1
            self._depth = 1
        elif tag == "nav" and self._depth:
            self._depth += 1
        if not self._depth:
            return
        if tag == "a" and (found.get("id") or "").startswith("nav-"):
            name = (found["id"] or "")[len("nav-") :]
            self.links.append((name, found.get("href") or "", found.get("aria-current")))
        if tag == "button" and found.get("id") == "nav-logout":
            self.has_logout = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._depth:
            self._depth -= 1


def menu_of(html: str) -> MenuParser:
    parser = MenuParser()
    parser.feed(html)
    return parser


def opened(client, path):
    """The page at ``path`` (following the counter's redirect to its choice)."""
    return client.get(path, follow_redirects=True)


def choose_counter(client, counter_id):
    token = csrf_token(client, "/counter/choose")
    response = client.post("/counter/choose", data={"csrf_token": token, "counter": counter_id})
    assert response.headers["Location"] == "/counter"


@pytest.mark.parametrize("role", list(MENUS))
def test_the_menu_lists_exactly_the_areas_the_role_may_open(client, login, role):
    login(role)
    page = opened(client, AREA_PATHS[MENUS[role][-1]])
    menu = menu_of(page.get_data(as_text=True))
    assert menu.menus == 1
    assert [name for name, _href, _current in menu.links] == MENUS[role]
    assert menu.has_logout


@pytest.mark.parametrize("role", list(MENUS))
def test_every_link_of_the_menu_opens_for_the_role(client, login, role):
    login(role)
    menu = menu_of(opened(client, AREA_PATHS[MENUS[role][0]]).get_data(as_text=True))
    for name, href, _current in menu.links:
        response = opened(client, href)
        assert response.status_code == 200, (role, name, href)
        # The page opened shows the menu again, with its own link marked.
        marked = [
            each
            for each, _href, current in menu_of(response.get_data(as_text=True)).links
            if current
        ]
        assert marked == [name], (role, name, marked)


@pytest.mark.parametrize("role", list(MENUS))
def test_the_areas_left_out_of_the_menu_are_refused(client, login, role):
    login(role)
    for name, path in AREA_PATHS.items():
        if name not in MENUS[role]:
            assert client.get(path).status_code == 403, (role, name)


def test_a_counter_chosen_adds_its_bookings_of_today(client, login):
    login("clerk")
    choose_counter(client, 2)
    terminal = menu_of(client.get("/counter").get_data(as_text=True))
    assert [(name, href, current) for name, href, current in terminal.links] == [
        ("counter", "/counter", "page"),
        ("bookings", "/counter/2/bookings", None),
    ]
    bookings = client.get("/counter/2/bookings")
    assert bookings.status_code == 200
    marked = [
        (name, current) for name, _href, current in menu_of(bookings.get_data(as_text=True)).links
    ]
    assert marked == [("counter", None), ("bookings", "page")]


def test_the_counter_choice_marks_the_counter_area(client, login):
    login("clerk")
    menu = menu_of(client.get("/counter/choose").get_data(as_text=True))
    assert menu.links == [("counter", "/counter", "true")]


def test_every_admin_and_manager_page_has_the_menu_with_its_area_marked(app, client, login):
    login("admin")
    checked = 0
    for method, path, _is_json in routes(app, "/manager") + routes(app, "/admin"):
        if method != "GET":
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        menu = menu_of(response.get_data(as_text=True))
        assert menu.menus == 1, path
        assert menu.has_logout, path
        marked = [name for name, _href, current in menu.links if current]
        expected = next(
            name
            for name, prefix in (
                ("offices", "/manager/offices"),
                ("reports", "/manager/reports"),
                ("board", "/manager/"),
                ("admin", "/admin/"),
            )
            if path.startswith(prefix)
        )
        assert marked == [expected], (path, marked)
        checked += 1
    assert checked >= 12


def test_office_pages_keep_the_office_in_the_menu(client, login):
    login("admin")
    menu = menu_of(client.get("/manager/reports?office=DEMO").get_data(as_text=True))
    links = {name: href for name, href, _current in menu.links}
    assert links["board"] == "/manager/?office=DEMO"
    assert links["admin"] == "/admin/?office=DEMO"
    assert links["offices"] == "/manager/offices"


def test_sign_out_from_the_menu_ends_the_session(client, login):
    login("manager")
    html = client.get("/manager/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" class="staff-menu-logout">', html)
    assert form is not None
    token = re.search(
        r'class="staff-menu-logout">\s*<input name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert token is not None
    response = client.post(form.group(1), data={"csrf_token": token.group(1)})
    assert response.headers["Location"] == "/login"
    assert client.get("/manager/").status_code == 302


def test_public_pages_have_no_menu(client, login):
    login("admin")
    for path in ("/kiosk", "/display", "/counter/1/screen", "/login?next=/x"):
        response = client.get(path)
        assert menu_of(response.get_data(as_text=True)).menus == 0, path


def test_the_menu_speaks_the_pages_language(client, login):
    login("admin")
    html = client.get("/manager/?lang=en").get_data(as_text=True)
    labels = re.findall(r'class="staff-menu-link"[^>]*>([^<]+)</a>', html)
    assert labels == [
        "Counter terminal",
        "Live board",
        "Reports",
        "Compare offices",
        "Administration",
    ]
    assert re.search(r'id="nav-logout">Log out</button>', html)
    assert 'aria-label="Work pages"' in html

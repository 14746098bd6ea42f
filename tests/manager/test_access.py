"""Who may open what: every route under /manager and /admin, found in the
app's URL map, so that a new page is covered the day it is added."""

from __future__ import annotations

import pytest

from .helpers import session_csrf

SAMPLE_VALUES = {"int": "1", "default": "by_day", "string": "by_day"}


def routes(app, prefix):
    """(method, concrete path, is JSON) for every rule under ``prefix``."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            values[name] = "csv" if name == "extension" else SAMPLE_VALUES.get(kind, "1")
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path, path.endswith(".json")))
    assert found, f"no route under {prefix}"
    return found


def call(app, client, method, path):
    """The request a browser would send; posts carry a valid CSRF token, so
    that what refuses them is the role check."""
    data = {"csrf_token": session_csrf(app, client)} if method == "POST" else None
    return client.open(path, method=method, data=data, headers={"Accept": "text/html"})


def test_every_manager_and_admin_route_is_listed(app):
    paths = {path for _method, path, _json in routes(app, "/manager") + routes(app, "/admin")}
    assert {
        "/manager/",
        "/manager/board.json",
        "/manager/reports",
        "/admin/",
        "/admin/audit",
        "/admin/voice",
        "/admin/voice/take.json",
        "/admin/voice/take.wav",
        "/admin/voice/call.json",
        "/admin/voice/publish",
        "/admin/voice/withdraw",
        "/admin/voice/discard",
    } <= paths


@pytest.mark.parametrize("prefix", ["/manager", "/admin"])
def test_a_clerk_gets_403_everywhere(app, client, login, prefix):
    login("clerk")
    for method, path, _is_json in routes(app, prefix):
        response = call(app, client, method, path)
        assert response.status_code == 403, (method, path, response.status_code)


def test_a_manager_gets_403_on_admin(app, client, login):
    login("manager")
    for method, path, _is_json in routes(app, "/admin"):
        response = call(app, client, method, path)
        assert response.status_code == 403, (method, path, response.status_code)


def test_a_manager_gets_403_on_the_comparison_of_offices(app, client, login):
    login("manager")
    found = routes(app, "/manager/offices")
    assert {path for _method, path, _json in found} == {"/manager/offices", "/manager/offices.csv"}
    for method, path, _is_json in found:
        response = call(app, client, method, path)
        assert response.status_code == 403, (method, path, response.status_code)


def test_a_supervisor_gets_403_on_admin(app, client, login):
    login("supervisor")
    for method, path, _is_json in routes(app, "/admin"):
        response = call(app, client, method, path)
        assert response.status_code == 403, (method, path, response.status_code)


def test_a_supervisor_opens_the_comparison_board_and_reports(client, login):
    login("supervisor")
    for path in (
        "/manager/offices",
        "/manager/offices.csv",
        "/manager/offices.xlsx",
        "/manager/",
        "/manager/board.json",
        "/manager/reports",
        "/manager/reports.json",
    ):
        assert client.get(path).status_code == 200, path


def test_a_manager_opens_the_board_and_reports(client, login):
    login("manager")
    for path in ("/manager/", "/manager/board.json", "/manager/reports", "/manager/reports.json"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("prefix", ["/manager", "/admin"])
def test_anonymous_pages_redirect_to_login_and_json_gets_401(app, client, prefix):
    for method, path, is_json in routes(app, prefix):
        response = call(app, client, method, path)
        if is_json:
            assert response.status_code == 401, (method, path)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/login"), response.headers["Location"]


def test_a_clerk_token_gets_403_and_a_manager_token_reads_json(client, auth):
    assert client.get("/manager/board.json", headers=auth("clerk")).status_code == 403
    response = client.get("/manager/board.json", headers=auth("manager"))
    assert response.status_code == 200
    assert {s["code"] for s in response.get_json()["services"]} == {"HT", "DD", "KD", "LD"}

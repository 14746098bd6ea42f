"""An administrator's change made in one server process reaches what
another process keeps of the office, through the message queue (Redis)."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from queueing.models import Service
from tests.conftest import LiveServer, linked_processes, skip_without
from tests.manager.helpers import CSRF, service_form

pytestmark = pytest.mark.redis


@pytest.fixture
def two_processes(tmp_path):
    skip_without("redis")
    # One SQLite file for both, as two processes of one small office; the
    # settings kept long enough that only the message can explain a fresh read.
    url = f"sqlite:///{tmp_path / 'luot.db'}"
    with linked_processes(tmp_path, url, LUOT_SETTINGS_CACHE_SECONDS="600") as servers:
        yield servers


def form_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    found = CSRF.search(page.text)
    assert found, "no csrf_token in the page"
    return found.group(1) or found.group(2)


def rename_service(server: LiveServer, code: str, name: str) -> None:
    """The demo administrator renames the service in the admin screens."""
    with server.db.read() as session:
        service = session.scalar(select(Service).where(Service.code == code))
    browser = requests.Session()
    login = server.url("/login")
    answer = browser.post(
        login,
        data={
            "csrf_token": form_token(browser, login),
            "username": "admin",
            "password": "demo-admin",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    edit = server.url(f"/admin/services/{service.id}")
    fields = {
        **service_form(service),
        "csrf_token": form_token(browser, edit),
        "name": name,
    }
    saved = browser.post(edit, data=fields, allow_redirects=False, timeout=10)
    assert saved.status_code == 302, saved.text[:500]


def issued_service_name(server: LiveServer) -> str:
    answer = requests.post(server.url("/api/v1/tickets"), json={"service": "HT"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["service_name"])


def test_a_service_renamed_in_one_process_names_the_next_ticket_of_the_other(two_processes):
    first, second = two_processes
    before = issued_service_name(second)
    rename_service(first, "HT", "Hộ tịch (đổi tên)")
    assert issued_service_name(first) == "Hộ tịch (đổi tên)"
    deadline = time.monotonic() + 5
    name = before
    while name == before and time.monotonic() < deadline:
        time.sleep(0.05)
        name = issued_service_name(second)
    assert name == "Hộ tịch (đổi tên)"

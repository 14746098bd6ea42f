"""Error pages speak to people in the page's language; the API stays JSON."""

from __future__ import annotations

import re

import pytest

from tests.counter.conftest import csrf_token

HTML = {"Accept": "text/html"}


def words(response):
    page = response.get_data(as_text=True)
    return tuple(re.findall(r'id="error-(?:title|text|code)">([^<]*)<', page))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/nope",
            (
                "Không tìm thấy trang",
                "Trang này không có hoặc đã được gỡ bỏ; vui lòng kiểm tra lại đường dẫn.",
                "404 · not_found",
            ),
        ),
        (
            "/nope?lang=en",
            (
                "Page not found",
                "This page does not exist or was removed; please check the address.",
                "404 · not_found",
            ),
        ),
        (
            "/t/aaaaaaaaaaaaaaaaaaaaaa",
            (
                "Không tìm thấy số thứ tự",
                "Đường dẫn trên phiếu có thể không đúng; vui lòng quét lại mã QR trên phiếu.",
                "404 · ticket_not_found",
            ),
        ),
    ],
)
def test_a_page_error_is_told_in_the_page_s_language(client, path, expected):
    response = client.get(path, headers=HTML)
    assert response.status_code == int(expected[2][:3])
    assert words(response) == expected


def test_the_api_and_clients_asking_for_json_get_json(client):
    for path, headers in (("/api/v1/nope", HTML), ("/nope", {"Accept": "application/json"})):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.get_json() == {"error": {"code": "not_found", "message": "nothing is here"}}


def test_too_many_logins_get_a_vietnamese_page(app, client):
    app.config["LUOT_LOGIN_RATE_LIMIT"] = "1/minute"
    responses = []
    for _ in range(2):
        token = csrf_token(client.get("/login").get_data(as_text=True))
        responses.append(
            client.post("/login", data={"csrf_token": token, "username": "x", "password": "y"})
        )
    assert responses[-1].status_code == 429
    assert words(responses[-1]) == (
        "Quá nhiều yêu cầu",
        "Vui lòng đợi một lát rồi thử lại.",
        "429 · rate_limited",
    )


def test_an_unexpected_fault_shows_a_plain_page_without_a_trace(app, client):
    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/_test/boom", headers=HTML)
    assert response.status_code == 500
    assert words(response) == (
        "Đã có lỗi xảy ra",
        "Không có gì bị thay đổi; vui lòng thử lại sau ít phút.",
        "500 · internal_error",
    )
    assert "secret detail" not in response.get_data(as_text=True)

"""The display pages as served: configuration, limits, and no inline code."""

from __future__ import annotations

import json
import re

import pytest

from queueing.models import Display


def config_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="display-config">(.*?)</script>', html)
    assert match is not None
    return json.loads(match.group(1))


def test_display_of_all_counters(client):
    response = client.get("/display")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for words in ("Đang phục vụ", "Vừa gọi", "Đang chờ", "Mời công dân có số thứ tự"):
        assert words in html
    config = config_of(html)
    assert config["counters"] == []
    assert (config["language"], config["numberReading"], config["isVoiceEnabled"]) == (
        "vi",
        "digits",
        True,
    )
    assert config["office"] == "DEMO"
    assert config["announcementUrl"] == "/display/DEMO/announcement.json"
    assert config["texts"]["weekdays"][0] == "Thứ Hai"
    assert config["serverNow"] == "2026-11-23T09:00:00+07:00"


def test_display_limited_by_the_query(client):
    assert config_of(client.get("/display?counters=3,1").get_data(as_text=True))["counters"] == [
        1,
        3,
    ]
    assert client.get("/display?counters=1,x").status_code == 400
    assert client.get("/display?counters=0").status_code == 400
    assert client.get("/display?counters=9").status_code == 404


def test_english_display(client):
    html = client.get("/display?lang=en").get_data(as_text=True)
    assert "Now serving" in html
    assert "Just called" in html
    assert config_of(html)["texts"]["weekdays"][6] == "Sunday"


@pytest.fixture
def floor_display(app_db, clock):
    def make(session):
        display = Display(
            office_id=1,
            name="Tầng 2",
            counter_ids=[2, 3],
            language="vi_en",
            is_voice_enabled=False,
            number_reading="number",
            created_at=clock(),
        )
        session.add(display)
        session.flush()
        return display.id

    return app_db.write(make)


def test_configured_display_carries_its_settings(client, floor_display):
    html = client.get(f"/display/{floor_display}").get_data(as_text=True)
    config = config_of(html)
    assert config["counters"] == [2, 3]
    assert (config["language"], config["numberReading"], config["isVoiceEnabled"]) == (
        "vi_en",
        "number",
        False,
    )
    assert "<title>Tầng 2 – " in html
    narrowed = config_of(client.get(f"/display/{floor_display}?counters=3").get_data(as_text=True))
    assert narrowed["counters"] == [3]
    assert client.get(f"/display/{floor_display}?counters=1").status_code == 404


def test_a_configured_display_knows_its_id_and_voice_to_report_and_speak_with(
    app_db, client, floor_display
):
    def choose(session):
        session.get(Display, floor_display).speech_voice = "Linh"

    app_db.write(choose)
    config = config_of(client.get(f"/display/{floor_display}").get_data(as_text=True))
    assert (config["displayId"], config["speechVoice"]) == (floor_display, "Linh")
    assert config["chime"] == "/static/voice/chime.mp3"
    assert config["beatSeconds"] == 30


def test_the_plain_display_reports_nothing_and_plays_the_clips(client):
    config = config_of(client.get("/display").get_data(as_text=True))
    assert (config["displayId"], config["speechVoice"]) == (None, "")


def test_the_sound_overlay_is_hidden_until_the_browser_refuses_sound(client):
    vietnamese = client.get("/display").get_data(as_text=True)
    english = client.get("/display?lang=en").get_data(as_text=True)
    overlay = re.compile(
        r'<div class="sound-overlay" id="sound-overlay"[^>]* hidden>\s*<p[^>]*>([^<]*)<'
    )
    assert overlay.search(vietnamese).group(1) == "Chạm để bật loa"
    assert overlay.search(english).group(1) == "Tap to turn on the sound"


def test_unknown_display_is_a_404_page(client):
    response = client.get("/display/999")
    assert response.status_code == 404
    assert "404 · display_not_found" in response.get_data(as_text=True)
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    "path",
    ["/display", "/login", "/counter/1/screen", "/counter/1/rate"],
)
def test_pages_have_no_inline_code(client, path):
    assert_no_inline_code(client.get(path).get_data(as_text=True))


def assert_no_inline_code(html: str) -> None:
    """Scripts only from files, data only in JSON blocks, no on* handlers and
    nothing from another site: the pages work offline and under a CSP
    without 'unsafe-inline'."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "http://" not in html and "https://" not in html

"""Recording the office's voice in a real headless Chromium whose microphone
is a WAV file: silence, a tone, silence. The take the server keeps must be
the tone alone, at the target peak, and must play in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import requests
from sqlalchemy import select

from queueing.models import VoiceClip
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serious_violations
from tests.manager.test_browser import log_in
from tests.voice.wav_samples import decode, frequency, peak_dbfs, silence, tone, wav_bytes
from voice import recording

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("LUOT_SCREENSHOTS", "")
RATE = 48_000
BEFORE_S, SPOKEN_S, AFTER_S = 0.8, 0.6, 4.0
#: Long enough to hold the tone and some silence after it, shorter than the file.
RECORD_MS = 2_500
PHRASE = "vi/moi_cong_dan_co_so_thu_tu"


def shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def microphone_file(tmp_path):
    path = tmp_path / "microphone.wav"
    samples = np.concatenate(
        [
            silence(BEFORE_S, rate=RATE),
            tone(SPOKEN_S, rate=RATE, level=0.3),
            silence(AFTER_S, rate=RATE),
        ]
    )
    path.write_bytes(wav_bytes(samples, rate=RATE))
    return path


@pytest.fixture
def microphone_page(browser, microphone_file):
    """A page of a Chromium of its own, whose microphone plays the file."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone_file}",
        ],
    )
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()
    chromium.close()


def stored(live_server, name, *, is_published):
    with live_server.db.read() as session:
        return session.scalar(
            select(VoiceClip).where(
                VoiceClip.name == name, VoiceClip.is_published.is_(is_published)
            )
        )


def test_a_take_recorded_from_the_microphone_is_stored_trimmed_and_normalised(
    live_server, microphone_page
):
    page = microphone_page
    log_in(page, live_server, "admin", "demo-admin", "/admin/voice")
    row = page.locator(f'tr.voice-clip[data-clip="{PHRASE}"]')
    assert row.get_attribute("data-stage") == "none"
    row.locator(".voice-record").click()
    page.wait_for_function(
        "([clip, ms]) => Number(document.querySelector(`tr[data-clip='${clip}']`)"
        "?.dataset.recordingMs) >= ms",
        arg=[PHRASE, RECORD_MS],
    )
    row.locator(".voice-record").click()
    page.wait_for_function(
        "clip => { const row = document.querySelector(`tr[data-clip='${clip}']`);"
        " return row.dataset.stage === 'draft' && !row.dataset.saving; }",
        arg=PHRASE,
    )
    saved = row.locator(".voice-message").inner_text()
    assert re.fullmatch(r"Đã lưu bản nháp \(\d+\.\d\d giây\)\.", saved), saved
    shoot(page, "voice-recorded")

    take = stored(live_server, PHRASE, is_published=False)
    samples, rate, channels = decode(take.audio)
    assert (rate, channels) == (22_050, 1)
    seconds = samples.size / rate
    # Recorded for 2.5 s; kept: the 0.6 s tone and the margins around it.
    expected = SPOKEN_S + recording.LEAD_SECONDS + recording.TAIL_SECONDS
    assert seconds < RECORD_MS / 1000 - 1
    assert seconds == pytest.approx(expected, abs=0.08)
    assert take.duration_ms == round(seconds * 1000)
    assert peak_dbfs(samples) == pytest.approx(recording.TARGET_PEAK_DBFS, abs=0.1)
    assert frequency(samples, rate) == pytest.approx(440, abs=5)
    # Not published: the displays still say the bundled phrase.
    call = requests.get(
        live_server.url("/display/DEMO/announcement.json?code=A1&counter=1"), timeout=10
    ).json()["clips"]
    assert call[1] == f"/static/voice/{PHRASE}.mp3"

    # The whole call as it will sound: the draft where recorded, in Chromium.
    page.evaluate(
        "() => { window.clipEnds = [];"
        " addEventListener('luot-announcer:clipend', (e) => clipEnds.push(e.detail)); }"
    )
    page.click("#call-play")
    page.wait_for_function("() => clipEnds.length >= 8")
    ends = page.evaluate("() => clipEnds")
    assert [outcome for _url, outcome in ends] == ["ended"] * 8
    assert "stage=draft" in ends[1][0] and ends[2][0] == "/static/voice/vi/letter_a.mp3"

    page.click("#voice-publish")
    page.wait_for_selector(".flash-success")
    assert page.locator(f'tr[data-clip="{PHRASE}"]').get_attribute("data-stage") == "published"
    shoot(page, "voice-published")
    call = requests.get(
        live_server.url("/display/DEMO/announcement.json?code=A1&counter=1"), timeout=10
    ).json()["clips"]
    published = stored(live_server, PHRASE, is_published=True)
    assert call[1] == f"/display/voice/DEMO/{PHRASE}.{published.digest[:16]}.wav"
    assert [url.startswith("/static/voice/") for url in call] == [True, False] + [True] * 4
    served = requests.get(live_server.url(call[1]), timeout=10)
    assert served.content == take.audio
    assert served.headers["Content-Type"] == "audio/wav"
    # Chromium plays what the display will play, to its end, at its length.
    played = page.evaluate(
        "url => new Promise((resolve) => { const audio = new Audio(url);"
        " audio.onended = () => resolve(audio.duration); audio.onerror = () => resolve(-1);"
        " audio.play(); })",
        call[1],
    )
    assert played == pytest.approx(seconds, abs=0.01)


def test_the_voice_page_has_no_serious_accessibility_violation(live_server, new_page):
    page = new_page(1440, 1000)
    log_in(page, live_server, "admin", "demo-admin", "/admin/voice")
    shoot(page, "voice-page")
    assert serious_violations(page) == []

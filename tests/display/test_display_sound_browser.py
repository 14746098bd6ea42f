"""The display's loudspeaker in a real Chromium: the start-up chime, a
browser that refuses sound until someone taps, and the device's own
speech voice (stubbed: headless Chromium has none)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from queueing.models import Display
from tests.conftest import CHROMIUM, LiveServer
from tests.display.clerk_api import ClerkApi
from voice import announcement_text

pytestmark = pytest.mark.browser

#: Records, from the first script of the page on, what the announcer and
#: the display did; an init script runs without granting a user gesture.
RECORD = """
window.heard = {clips: [], calls: [], blocked: 0, unlocked: 0, speech: []};
addEventListener("luot-announcer:clipend", (event) => window.heard.clips.push(
  {url: event.detail[0], outcome: event.detail[1], at: performance.now()}));
addEventListener("luot-announcer:blocked", () => window.heard.blocked++);
addEventListener("luot-announcer:unlocked", () => window.heard.unlocked++);
addEventListener("luot-announcer:speechend", (event) => window.heard.speech.push(
  {text: event.detail[0], outcome: event.detail[1]}));
addEventListener("luot-display:call", (event) => window.heard.calls.push(event.detail.code));
"""

#: A device with a Vietnamese and an English voice. It records each
#: utterance and ends one only when the test says so (window.endSpeech()),
#: or fails every one when window.speechFails is set.
SPEECH_STUB = """
(() => {
  const voices = [
    {name: "Linh", lang: "vi-VN", voiceURI: "Linh", localService: true, default: false},
    {name: "Sam", lang: "en-US", voiceURI: "Sam", localService: true, default: true},
  ];
  window.spoken = [];
  const pending = [];
  window.SpeechSynthesisUtterance = class {
    constructor(text) { this.text = text; }
  };
  const engine = new EventTarget();
  engine.getVoices = () => voices.slice();
  engine.cancel = () => {};
  engine.speak = (utterance) => {
    window.spoken.push({text: utterance.text, voice: utterance.voice && utterance.voice.name,
                        lang: utterance.lang, startedAt: performance.now(), endedAt: null});
    if (window.speechFails) {
      setTimeout(() => utterance.onerror({error: "synthesis-failed"}), 0);
      return;
    }
    pending.push([utterance, window.spoken[window.spoken.length - 1]]);
  };
  window.endSpeech = () => {
    const [utterance, record] = pending.shift();
    record.endedAt = performance.now();
    utterance.onend({});
  };
  Object.defineProperty(window, "speechSynthesis", {value: engine, configurable: true});
})();
"""


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ClerkApi:
    return ClerkApi(live_server)


@pytest.fixture
def make_display(live_server: LiveServer) -> Callable[..., int]:
    """A display of the demo office showing every counter; its id."""

    def make(**fields: Any) -> int:
        def work(session: Any) -> int:
            display = Display(
                office_id=1,
                name=fields.pop("name", "Phòng chờ thử"),
                counter_ids=[],
                created_at=datetime.now(UTC),
                **fields,
            )
            session.add(display)
            session.flush()
            return display.id

        return live_server.db.write(work)

    return make


def stored(live_server: LiveServer, display_id: int) -> Display:
    with live_server.db.read() as session:
        display = session.get(Display, display_id)
        assert display is not None
        return display


def eventually_stored(
    live_server: LiveServer, display_id: int, check: Callable[[Display], bool], timeout: float = 10
) -> Display:
    """The display's row once ``check`` holds (the report travels over the socket)."""
    deadline = time.monotonic() + timeout
    while True:
        display = stored(live_server, display_id)
        if check(display) or time.monotonic() > deadline:
            return display
        time.sleep(0.05)


def call_one(api: ClerkApi, counter_id: int = 1) -> dict[str, Any]:
    api.free(counter_id)
    api.issue("HT")
    return api.call_next(counter_id)


def clips_of(live_server: LiveServer, code: str, counter_number: int) -> dict[str, Any]:
    response = requests.get(
        live_server.url("/display/announcement.json"),
        params={"code": code, "counter": counter_number},
        timeout=10,
    )
    return dict(response.json())


# -- autoplay allowed (the kiosk-mode flag) --------------------------------------------


def test_the_display_chimes_as_it_starts_and_reports_its_loudspeaker_working(
    live_server, new_page, make_display
):
    display_id = make_display()
    page = new_page()
    page.add_init_script(RECORD)
    page.goto(live_server.url(f"/display/{display_id}"))
    page.wait_for_function(
        """() => window.heard.clips.some(
             (clip) => clip.url.endsWith("/chime.mp3") && clip.outcome === "ended")"""
    )
    display = eventually_stored(live_server, display_id, lambda row: row.sound_state == "ok")
    assert (display.sound_state, display.voice_in_use) == ("ok", "")
    assert display.last_seen_at is not None
    assert page.locator("#sound-overlay").is_hidden()


def test_a_display_with_its_voice_off_reports_off_and_plays_nothing(
    live_server, new_page, make_display
):
    display_id = make_display(is_voice_enabled=False)
    page = new_page()
    page.add_init_script(RECORD)
    page.goto(live_server.url(f"/display/{display_id}"))
    page.wait_for_selector(".counter-card")
    display = eventually_stored(live_server, display_id, lambda row: row.sound_state is not None)
    assert display.sound_state == "off"
    assert page.evaluate("window.heard.clips.length") == 0


def test_the_board_shows_a_display_connecting_with_its_sound_working(
    live_server, new_page, make_display
):
    display_id = make_display(name="Màn hình sảnh")
    board = new_page(1440, 900)
    board.goto(live_server.url("/login?next=/manager/"))
    board.fill("#username", "quanly")
    board.fill("#password", "demo-quanly")
    board.click("button[type=submit]")
    row = board.locator(f'#board-displays tr[data-display="{display_id}"]')
    row.wait_for()
    assert row.locator("td.sound").inner_text() == "Không có màn hình kết nối"
    screen = new_page()
    screen.goto(live_server.url(f"/display/{display_id}"))
    # Sooner than the board's own refresh: the change is pushed.
    board.wait_for_function(
        """(id) => document.querySelector(`#board-displays tr[data-display="${id}"] td.sound`)
             .textContent === "Loa: hoạt động" """,
        arg=display_id,
        timeout=10_000,
    )
    assert row.locator("td.voice").inner_text() == "Giọng thu sẵn"


# -- autoplay refused (Chromium's default policy) ----------------------------------------


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page in a Chromium of its own (launched by the shared browser's
    Playwright), under the default autoplay policy: no sound before a user
    gesture. Playwright's own evaluations count as gestures, so the test
    reads the page through a plain DevTools session (``userGesture: false``)
    and taps with a raw input event."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
        ],
    )
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.add_init_script(RECORD)
        page.devtools = context.new_cdp_session(page)
        yield page
    finally:
        chromium.close()


def in_page(page: Any, predicate: str, timeout_ms: int = 10_000) -> Any:
    """The truthy value of ``predicate`` (a JS function) once it has one,
    read without granting the page a user gesture."""
    expression = f"""new Promise((resolve, reject) => {{
      const started = performance.now();
      const check = () => {{
        let value;
        try {{ value = ({predicate})(); }} catch (error) {{ value = undefined; }}
        if (value) resolve(value);
        else if (performance.now() - started > {timeout_ms}) reject(new Error("timed out"));
        else setTimeout(check, 50);
      }};
      check();
    }})"""
    result = page.devtools.send(
        "Runtime.evaluate",
        {
            "expression": expression,
            "awaitPromise": True,
            "returnByValue": True,
            "userGesture": False,
        },
    )
    if "exceptionDetails" in result:
        heard = page.devtools.send(
            "Runtime.evaluate",
            {"expression": "JSON.stringify(window.heard)", "returnByValue": True},
        )["result"].get("value")
        raise AssertionError(f"{predicate} never held; the page heard {heard}")
    return result["result"].get("value")


def tap(page: Any, x: int = 640, y: int = 360) -> None:
    for kind in ("mousePressed", "mouseReleased"):
        page.devtools.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
        )


def test_blocked_autoplay_shows_the_overlay_and_a_tap_plays_the_held_call(
    live_server, strict_page, make_display, api
):
    display_id = make_display()
    strict_page.goto(live_server.url(f"/display/{display_id}?lang=en"))
    in_page(strict_page, "() => !document.getElementById('sound-overlay').hidden")
    assert in_page(strict_page, "() => navigator.userActivation.hasBeenActive === false")
    assert in_page(
        strict_page, "() => document.getElementById('sound-overlay').textContent.trim()"
    ) == ("Tap to turn on the sound")
    display = eventually_stored(live_server, display_id, lambda row: row.sound_state == "blocked")
    assert display.sound_state == "blocked"

    ticket = call_one(api)
    counter_number = api.counter(1)["number"]
    expected = clips_of(live_server, ticket["code"], counter_number)["clips"]
    # The call arrives and its first clip is refused: held, not lost.
    in_page(
        strict_page,
        f"""() => window.heard.calls.includes({json.dumps(ticket["code"])}) &&
               window.heard.clips.filter((clip) => clip.outcome === "blocked").length >= 2""",
    )
    heard = in_page(strict_page, "() => window.heard")
    assert [clip["outcome"] for clip in heard["clips"]] == ["blocked", "blocked"]
    assert heard["clips"][1]["url"].endswith(expected[0])

    tap(strict_page)
    in_page(strict_page, "() => document.getElementById('sound-overlay').hidden")
    # The held call plays, every clip to its end, from the refused one on.
    ended = in_page(
        strict_page,
        f"""() => {{
          const ended = window.heard.clips.filter((clip) => clip.outcome === "ended")
            .map((clip) => new URL(clip.url, location.href).pathname);
          return ended.length >= {len(expected) + 1} && ended;
        }}""",
        timeout_ms=30_000,
    )
    # The chime played in the tap, then the whole call.
    assert ended == [expected[0], *expected]
    assert in_page(strict_page, "() => window.heard.unlocked") == 1
    display = eventually_stored(live_server, display_id, lambda row: row.sound_state == "ok")
    assert display.sound_state == "ok"


# -- the device's own voice ---------------------------------------------------------------


def test_the_display_reports_its_vietnamese_voices_and_speaks_with_the_chosen_one(
    live_server, new_page, make_display, api
):
    display_id = make_display(speech_voice="Linh")
    page = new_page()
    page.add_init_script(SPEECH_STUB)
    page.add_init_script(RECORD)
    page.goto(live_server.url(f"/display/{display_id}"))
    display = eventually_stored(live_server, display_id, lambda row: row.voice_in_use == "Linh")
    # The English voice is not offered: this display announces in Vietnamese.
    assert (display.voice_in_use, display.available_voices) == ("Linh", ["Linh"])

    first = call_one(api, 1)
    page.wait_for_function("() => window.spoken.length === 1")
    number = api.counter(1)["number"]
    spoken = page.evaluate("window.spoken[0]")
    assert spoken["text"] == announcement_text(first["code"], number)
    assert (spoken["voice"], spoken["lang"]) == ("Linh", "vi-VN")
    chime_ends = page.evaluate(
        "window.heard.clips.filter((clip) => clip.url.endsWith('/chime.mp3')).length"
    )
    assert chime_ends == 2  # the start-up test and this call's chime

    second = call_one(api, 2)
    # The second call has arrived and waits behind the first, still speaking.
    page.wait_for_function(
        """(code) => window.heard.calls.includes(code) &&
             window.luotDisplay.announcer.queuedCount === 1""",
        arg=second["code"],
    )
    assert page.evaluate("window.spoken.length") == 1
    page.evaluate("window.endSpeech()")
    page.wait_for_function("() => window.spoken.length === 2")
    spoken = page.evaluate("window.spoken")
    assert spoken[1]["text"] == announcement_text(second["code"], api.counter(2)["number"])
    assert spoken[1]["startedAt"] >= spoken[0]["endedAt"]
    page.evaluate("window.endSpeech()")
    page.wait_for_function("() => window.heard.speech.length === 2")
    assert [entry["outcome"] for entry in page.evaluate("window.heard.speech")] == [
        "ended",
        "ended",
    ]


def test_a_chosen_voice_the_device_lacks_falls_back_to_the_clips(
    live_server, new_page, make_display, api
):
    display_id = make_display(speech_voice="Mai")
    page = new_page()
    page.add_init_script(SPEECH_STUB)
    page.add_init_script(RECORD)
    page.goto(live_server.url(f"/display/{display_id}"))
    page.wait_for_selector(".counter-card")
    ticket = call_one(api, 3)
    expected = clips_of(live_server, ticket["code"], api.counter(3)["number"])["clips"]
    page.wait_for_function(
        """(count) => window.heard.clips.filter((clip) => clip.outcome === "ended").length
             >= count""",
        arg=len(expected) + 1,
    )
    ended = page.evaluate(
        """window.heard.clips.filter((clip) => clip.outcome === "ended")
             .map((clip) => new URL(clip.url, location.href).pathname)"""
    )
    assert ended[1:] == expected
    assert page.evaluate("window.spoken.length") == 0
    display = eventually_stored(live_server, display_id, lambda row: row.sound_state == "ok")
    assert (display.voice_in_use, display.available_voices) == ("", ["Linh"])


def test_speech_that_fails_falls_back_to_the_clips_of_that_sentence(
    live_server, new_page, make_display, api
):
    display_id = make_display(speech_voice="Linh")
    page = new_page()
    page.add_init_script(SPEECH_STUB + "window.speechFails = true;")
    page.add_init_script(RECORD)
    page.goto(live_server.url(f"/display/{display_id}"))
    page.wait_for_selector(".counter-card")
    ticket = call_one(api, 1)
    expected = clips_of(live_server, ticket["code"], api.counter(1)["number"])["clips"]
    page.wait_for_function(
        """(count) => window.heard.clips.filter((clip) => clip.outcome === "ended").length
             >= count""",
        arg=len(expected) + 1,
    )
    assert page.evaluate("window.heard.speech") == [
        {"text": announcement_text(ticket["code"], api.counter(1)["number"]), "outcome": "error"}
    ]
    ended = page.evaluate(
        """window.heard.clips.filter((clip) => clip.outcome === "ended")
             .map((clip) => new URL(clip.url, location.href).pathname)"""
    )
    assert ended[1:] == expected

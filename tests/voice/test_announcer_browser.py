"""static/display/announcer.js in a real headless Chromium, with the real clips.

Calls must play one after another in arrival order, never overlapping, and a
broken clip must never stall the loudspeaker.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from voice import clip_url
from voice.clips import CLIPS

pytestmark = pytest.mark.browser

REPOSITORY = Path(__file__).resolve().parents[2]
#: The longest the test server keeps a request for a clip that "never
#: loads"; the module's end releases it sooner.
HANG_SECONDS = 60
#: Set when the module's tests are over: the hanging requests may end.
RELEASE_HANGING = threading.Event()
TEST_PAGE = b"""<!doctype html><meta charset="utf-8"><title>announcer</title>
<script src="/static/display/announcer.js"></script>"""

DIGIT_1, DIGIT_2, DIGIT_3 = (clip_url(f"vi/digit_{digit}") for digit in (1, 2, 3))
DIGIT_4, DIGIT_5 = clip_url("vi/digit_4"), clip_url("vi/digit_5")


class _Handler(SimpleHTTPRequestHandler):
    """Serves the repository, the test page, and a clip that never arrives."""

    def do_GET(self) -> None:
        if self.path == "/announcer-test.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(TEST_PAGE)))
            self.end_headers()
            self.wfile.write(TEST_PAGE)
        elif self.path == "/hang.mp3":
            RELEASE_HANGING.wait(HANG_SECONDS)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the browser's requests are not the test's output."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(REPOSITORY))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RELEASE_HANGING.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    RELEASE_HANGING.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(new_page: Any, base_url: str) -> Any:
    """The shared Chromium (autoplay allowed, as on a display PC)."""
    page = new_page()
    page.goto(f"{base_url}/announcer-test.html")
    page.wait_for_function("() => typeof window.LuotAnnouncer === 'function'")
    return page


#: Plays the given calls (lists of URLs) queued at once; returns what happened.
PLAY_CALLS = """async ({calls, options}) => {
  const announcer = new LuotAnnouncer(Object.assign({pauseBetweenMs: 0}, options));
  const log = [];
  const overlaps = [];
  announcer.onannouncementstart = (urls) => log.push(["call", urls.length]);
  announcer.onclipstart = (url) => {
    // Reads the announcer's cache: every element it plays comes from there.
    const sounding = [...announcer._audioByUrl.values()].filter((a) => !a.paused && !a.ended);
    if (sounding.length > 0) overlaps.push(url);
    log.push(["start", url, performance.now()]);
  };
  announcer.onclipend = (url, outcome) => log.push(["end", url, outcome, performance.now()]);
  const finished = calls.map((urls) => announcer.announce(urls));
  const queuedAfterArrival = announcer.queuedCount;
  const played = await Promise.all(finished);
  return {log, overlaps, queuedAfterArrival, played, isPlaying: announcer.isPlaying};
}"""


def _clips_played(log: list[list[Any]]) -> list[tuple[str, str]]:
    """(url, outcome) of each clip, checking that each ended before the next started."""
    clip_events = [event for event in log if event[0] in ("start", "end")]
    played = []
    for start, end in zip(clip_events[::2], clip_events[1::2], strict=True):
        assert (start[0], end[0], start[1]) == ("start", "end", end[1])
        played.append((end[1], end[2]))
    return played


def test_calls_arriving_together_play_in_order_one_clip_at_a_time(page: Any) -> None:
    calls = [[DIGIT_1, DIGIT_2], [DIGIT_3], [DIGIT_4, DIGIT_5]]
    result = page.evaluate(PLAY_CALLS, {"calls": calls, "options": {}})
    assert result["queuedAfterArrival"] == 2
    assert result["played"] == [True, True, True]
    assert result["overlaps"] == []
    assert [event for event in result["log"] if event[0] == "call"] == [
        ["call", 2],
        ["call", 1],
        ["call", 2],
    ]
    assert _clips_played(result["log"]) == [
        (url, "ended") for url in (DIGIT_1, DIGIT_2, DIGIT_3, DIGIT_4, DIGIT_5)
    ]
    assert result["isPlaying"] is False


def test_each_clip_is_heard_to_its_end_before_the_next(page: Any) -> None:
    result = page.evaluate(PLAY_CALLS, {"calls": [[DIGIT_1, DIGIT_1]], "options": {}})
    starts = [event[2] for event in result["log"] if event[0] == "start"]
    ends = [event[3] for event in result["log"] if event[0] == "end"]
    # vi/digit_1 lasts about 0.39 s; the same clip twice in a row plays twice.
    assert [end - start for start, end in zip(starts, ends, strict=True)] >= [300, 300]
    assert _clips_played(result["log"]) == [(DIGIT_1, "ended"), (DIGIT_1, "ended")]


def test_a_missing_clip_is_skipped_and_the_call_goes_on(page: Any) -> None:
    calls = [[DIGIT_1, "/static/voice/vi/no_such_clip.mp3", DIGIT_2], [DIGIT_3]]
    result = page.evaluate(PLAY_CALLS, {"calls": calls, "options": {}})
    assert _clips_played(result["log"]) == [
        (DIGIT_1, "ended"),
        ("/static/voice/vi/no_such_clip.mp3", "error"),
        (DIGIT_2, "ended"),
        (DIGIT_3, "ended"),
    ]


def test_a_clip_that_never_arrives_is_abandoned_after_the_timeout(page: Any) -> None:
    # The clip's request is held until the module ends: only the announcer's
    # own timeout can end it, and the next clip plays only after that.
    calls = [["/hang.mp3", DIGIT_1]]
    result = page.evaluate(PLAY_CALLS, {"calls": calls, "options": {"clipTimeoutMs": 700}})
    assert _clips_played(result["log"]) == [("/hang.mp3", "timeout"), (DIGIT_1, "ended")]
    assert result["played"] == [True]


def test_clear_drops_the_waiting_calls_but_not_the_one_playing(page: Any) -> None:
    result = page.evaluate(
        """async ([first, second, third]) => {
          const announcer = new LuotAnnouncer({pauseBetweenMs: 0});
          const finished = [[first], [second], [third]].map((urls) => announcer.announce(urls));
          announcer.clear();
          return {queued: announcer.queuedCount, played: await Promise.all(finished)};
        }""",
        [DIGIT_1, DIGIT_2, DIGIT_3],
    )
    assert result == {"queued": 0, "played": [True, False, False]}


def test_hooks_are_also_window_events(page: Any) -> None:
    events = page.evaluate(
        """async (url) => {
          const seen = [];
          for (const name of ["announcementstart", "clipstart", "clipend", "announcementend"]) {
            window.addEventListener("luot-announcer:" + name, (event) =>
              seen.push([name, event.detail]));
          }
          await new LuotAnnouncer().announce([url]);
          return seen;
        }""",
        DIGIT_1,
    )
    assert events == [
        ["announcementstart", [[DIGIT_1]]],
        ["clipstart", [DIGIT_1]],
        ["clipend", [DIGIT_1, "ended"]],
        ["announcementend", [[DIGIT_1]]],
    ]


def test_every_clip_decodes_in_chromium_and_is_not_silent(page: Any) -> None:
    levels = page.evaluate(
        """async (urls) => {
          const context = new OfflineAudioContext(1, 22050, 22050);
          const levels = {};
          for (const url of urls) {
            const buffer = await context.decodeAudioData(await (await fetch(url)).arrayBuffer());
            const samples = buffer.getChannelData(0);
            let peak = 0;
            for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
            levels[url] = [buffer.duration, peak];
          }
          return levels;
        }""",
        [clip_url(clip.name) for clip in CLIPS],
    )
    assert len(levels) == len(CLIPS)
    for url, (duration, peak) in levels.items():
        assert duration > 0.15, url
        assert peak > 0.5, url

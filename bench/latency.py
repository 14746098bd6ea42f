"""How soon a call shows on a display and on a phone, and a display resyncs
after a restart, each against a baseline measured in the same run.

    .venv/bin/python bench/latency.py [--calls 20] [--restarts 5]

Starts ``python server.py`` (gevent, SQLite, the demo office) and Debian's
Chromium (``LUOT_CHROMIUM``, default /usr/bin/chromium), then measures:

* call → display: from sending a call request to its code showing as the
  newest call on /display in Chromium (the page's own clock, read by a
  MutationObserver);
* call → phone page: from sending a call request to the called state
  showing on the ticket's page, on a phone-sized page;
* the baseline of both: the call request's own round trip, sent to
  answered;
* restart → resync: the server killed and started again, from its first
  answer to a display client (python-socketio, reconnecting every 0.5–1 s,
  as the page does) having the whole state again;
* its baseline: a new display client on the same server, from connecting
  to having the whole state.

Prints each figure's p50, p95 and max, its ratio (p50 to p50) to its
baseline, and the machine. The functional tests check that these things
happen; this script says how fast. Talks only to 127.0.0.1; every wait is
bounded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import requests
import socketio
from common import ServerProcess, machine, percentile

CHROMIUM = os.environ.get("LUOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio"]
#: Longest wait for any one thing to show, in milliseconds.
SHOW_TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}

#: The moment (epoch ms) each code first shows as the newest call.
WATCH_NEWEST = """() => {
  window.seenAt = {};
  const code = document.getElementById("newest-code");
  new MutationObserver(() => {
    if (!(code.textContent in window.seenAt)) window.seenAt[code.textContent] = Date.now();
  }).observe(code, {childList: true, characterData: true, subtree: true});
}"""

#: The moment (epoch ms) the ticket's page first shows the called state.
WATCH_CALLED = """() => {
  window.calledAt = null;
  const called = document.getElementById("state-called");
  new MutationObserver(() => {
    if (window.calledAt === null && !called.hidden) window.calledAt = Date.now();
  }).observe(document.body, {attributes: true, childList: true, subtree: true});
}"""


def describe(values_s: list[float]) -> str:
    milliseconds = [value * 1000 for value in values_s]
    return (
        f"p50 {statistics.median(milliseconds):.1f} ms, "
        f"p95 {percentile(milliseconds, 0.95):.1f} ms, max {max(milliseconds):.1f} ms"
    )


def report(name: str, values_s: list[float], baseline_s: list[float]) -> None:
    ratio = statistics.median(values_s) / statistics.median(baseline_s)
    print(f"{name}: {describe(values_s)}; {ratio:.1f}× the baseline")


class Clerk:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {server.token('clerk')}"}

    def issue(self, service: str) -> dict:
        response = requests.post(
            self.server.url("/api/v1/tickets"), json={"service": service}, timeout=10
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def post(self, path: str) -> tuple[float, float, dict]:
        """Sends a clerk's request; (sent, answered) epoch seconds and the answer."""
        sent = time.time()
        response = requests.post(self.server.url(path), headers=self.headers, timeout=10)
        answered = time.time()
        assert response.status_code == 200, response.text
        return sent, answered, dict(response.json())

    def free(self, counter_id: int) -> None:
        counters = requests.get(self.server.url("/api/v1/counters"), timeout=10).json()
        counter = next(c for c in counters["counters"] if c["id"] == counter_id)
        current = counter["current_ticket"]
        if current is not None and current["state"] in ("called", "serving"):
            self.post(f"/api/v1/counters/{counter_id}/finish")


def call_to_display(browser, server: ServerProcess, clerk: Clerk, calls: int) -> None:
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(server.url("/display"))
    page.wait_for_selector(".counter-card", timeout=SHOW_TIMEOUT_MS)
    page.evaluate(WATCH_NEWEST)
    clerk.free(1)
    shown, requests_s = [], []
    for _ in range(calls):
        clerk.issue("KD")
        sent, answered, answer = clerk.post("/api/v1/counters/1/call-next")
        code = answer["ticket"]["code"]
        page.wait_for_function("(code) => code in window.seenAt", arg=code, timeout=SHOW_TIMEOUT_MS)
        shown.append(page.evaluate("(code) => window.seenAt[code]", code) / 1000 - sent)
        requests_s.append(answered - sent)
        clerk.post("/api/v1/counters/1/finish")
    page.context.close()
    print(f"baseline, the call request, {calls} calls: {describe(requests_s)}")
    report(f"call → display in Chromium, {calls} calls", shown, requests_s)


def call_to_phone(browser, server: ServerProcess, clerk: Clerk, calls: int) -> None:
    shown, requests_s = [], []
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    for _ in range(calls):
        ticket = clerk.issue("HT")
        page = context.new_page()
        page.goto(server.url(f"/t/{ticket['access_token']}"))
        page.locator('html[data-connection="live"]').wait_for(
            state="attached", timeout=SHOW_TIMEOUT_MS
        )
        page.evaluate(WATCH_CALLED)
        clerk.free(2)
        sent, answered, _answer = clerk.post(f"/api/v1/counters/2/call/{ticket['id']}")
        page.wait_for_function("window.calledAt !== null", timeout=SHOW_TIMEOUT_MS)
        shown.append(page.evaluate("window.calledAt") / 1000 - sent)
        requests_s.append(answered - sent)
        page.close()
    context.close()
    print(f"baseline, the call request, {calls} calls: {describe(requests_s)}")
    report(f"call → phone page, {calls} calls", shown, requests_s)


class Display:
    """A python-socketio display client that notes when each whole state
    arrives."""

    def __init__(self, server: ServerProcess, **options: object) -> None:
        self.server = server
        self.client = socketio.Client(**options)
        self.fresh = threading.Event()
        self.state_at = 0.0
        self.client.on("queue_state", self._on_state, namespace="/display")

    def _on_state(self, _data: object) -> None:
        self.state_at = time.perf_counter()
        self.fresh.set()

    def connect(self) -> None:
        self.client.connect(self.server.base_url, namespaces=["/display"], transports=["websocket"])

    def wait_for_state(self) -> float:
        """The moment the awaited state arrived."""
        if not self.fresh.wait(SHOW_TIMEOUT_MS / 1000):
            raise RuntimeError(f"a display had no state in time; see {self.server.folder}")
        return self.state_at


def restart_to_resync(server: ServerProcess, restarts: int) -> None:
    display = Display(server, reconnection=True, reconnection_delay=0.5, reconnection_delay_max=1)
    resync, connect = [], []
    display.connect()
    display.wait_for_state()
    try:
        for _ in range(restarts):
            display.fresh.clear()
            assert server.process is not None
            server.process.kill()
            server.process.wait(timeout=10)
            server.__enter__()
            answering_at = time.perf_counter()
            # The display may have come back while the server's start was
            # being checked: then it resynced as the server answered.
            resync.append(max(0.0, display.wait_for_state() - answering_at))
            # The baseline: a display connecting to the same, running server.
            newcomer = Display(server, reconnection=False)
            started = time.perf_counter()
            newcomer.connect()
            connect.append(newcomer.wait_for_state() - started)
            newcomer.client.disconnect()
    finally:
        display.client.disconnect()
    print(f"baseline, a display connecting, {restarts} times: {describe(connect)}")
    report(f"restart → resync, {restarts} restarts", resync, connect)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine()}")
    with ServerProcess(LUOT_LIVE_COALESCE_SECONDS="0.05") as server:
        clerk = Clerk(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                call_to_display(browser, server, clerk, args.calls)
                call_to_phone(browser, server, clerk, args.calls)
            finally:
                browser.close()
        restart_to_resync(server, args.restarts)


if __name__ == "__main__":
    main()

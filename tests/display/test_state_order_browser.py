"""States that arrive out of order: with several server processes, two
states of one office may reach a screen in the other order than they were
computed. Each screen keeps the newest it heard.

The states are sent from outside the server, through its Redis message
queue, as another process of the installation would send them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from flask_socketio import SocketIO

from live import display_state_room
from tests.conftest import REDIS_URL, LiveServer, skip_without

pytestmark = [pytest.mark.browser, pytest.mark.redis]

#: Records every text the ticker shows, whatever the page's own code does.
WATCH_TICKER = """() => {
  window.tickerTexts = [];
  const ticker = document.getElementById("ticker");
  new MutationObserver(() => window.tickerTexts.push(ticker.textContent))
    .observe(ticker, {childList: true, characterData: true, subtree: true});
}"""


class OtherProcess:
    """Sends states to the server's displays as another process would."""

    def __init__(self, server: LiveServer, channel: str) -> None:
        self.server = server
        self.emitter = SocketIO(message_queue=REDIS_URL, channel=channel)
        self.state = requests.get(server.url("/api/v1/queue"), timeout=10).json()
        self.generated_at = datetime.fromisoformat(self.state["generated_at"])

    def send(self, ticker: str, seconds_after: float) -> None:
        """A state with this ticker, computed ``seconds_after`` the one read."""
        at = self.generated_at + timedelta(seconds=seconds_after)
        state = {**self.state, "ticker": ticker, "generated_at": at.isoformat()}
        self.emitter.emit("queue_changed", state, namespace="/display", to=display_state_room(1))


@pytest.fixture
def server_on_redis(tmp_path) -> Iterator[tuple[LiveServer, str]]:
    skip_without("redis")
    # Its own channel, so that parallel runs never hear each other.
    channel = "luot-test-order-" + secrets.token_hex(4)
    server = LiveServer(tmp_path, SOCKETIO_MESSAGE_QUEUE=REDIS_URL, LUOT_SOCKETIO_CHANNEL=channel)
    server.start()
    yield server, channel
    server.close()


def ticker_shows(page: Any, text: str) -> None:
    page.wait_for_function(
        "(text) => document.getElementById('ticker').textContent === text", arg=text
    )


def test_a_display_keeps_the_newest_state_when_an_older_arrives_last(server_on_redis, new_page):
    server, channel = server_on_redis
    page = new_page(1920, 1080)
    page.goto(server.url("/display"))
    page.wait_for_selector(".counter-card")
    page.evaluate(WATCH_TICKER)
    other = OtherProcess(server, channel)
    other.send("Mới hơn", seconds_after=2)
    ticker_shows(page, "Mới hơn")
    # Computed before the one on screen, heard after it.
    other.send("Cũ hơn", seconds_after=1)
    # Sent after it on the same channel: once this shows, the older was heard.
    other.send("Mới nhất", seconds_after=3)
    ticker_shows(page, "Mới nhất")
    assert page.evaluate("window.tickerTexts") == ["Mới hơn", "Mới nhất"]


def test_a_display_follows_the_server_clock_set_back(server_on_redis, new_page):
    server, channel = server_on_redis
    page = new_page(1920, 1080)
    page.goto(server.url("/display"))
    page.wait_for_selector(".counter-card")
    other = OtherProcess(server, channel)
    other.send("Trước khi chỉnh đồng hồ", seconds_after=120)
    ticker_shows(page, "Trước khi chỉnh đồng hồ")
    # Two minutes back is no late message but a clock put right: shown.
    other.send("Sau khi chỉnh đồng hồ", seconds_after=1)
    ticker_shows(page, "Sau khi chỉnh đồng hồ")

"""A clerk's keypad against a live server: the REST calls the browser tests
make to drive the queue while a page watches."""

from __future__ import annotations

from typing import Any

import requests

ACTIVE_STATES = ("called", "serving")


class ClerkApi:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.headers = server.headers("clerk")

    def issue(self, service: str = "HT", **body: Any) -> dict[str, Any]:
        response = requests.post(
            self.server.url("/api/v1/tickets"), json={"service": service, **body}, timeout=10
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        response = requests.post(self.server.url(path), json=body, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def call_next(self, counter_id: int) -> dict[str, Any]:
        ticket = self.post(f"/api/v1/counters/{counter_id}/call-next")["ticket"]
        assert ticket is not None, "nobody waits"
        return dict(ticket)

    def counter(self, counter_id: int) -> dict[str, Any]:
        counters = requests.get(self.server.url("/api/v1/counters"), timeout=10).json()
        return next(c for c in counters["counters"] if c["id"] == counter_id)

    def free(self, *counter_ids: int) -> None:
        """Open the counters and finish what they hold: tests of a module
        share one server, and an earlier test may have left a ticket."""
        for counter_id in counter_ids:
            counter = self.counter(counter_id)
            if counter["state"] != "open":
                self.post(f"/api/v1/counters/{counter_id}/open")
            current = counter["current_ticket"]
            if current is not None and current["state"] in ACTIVE_STATES:
                self.post(f"/api/v1/counters/{counter_id}/finish")

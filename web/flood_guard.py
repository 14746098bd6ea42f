"""Anonymous issuing refused before Flask, so that a flood cannot slow the
clerks.

Every anonymous ticket request past the limit costs the serving process a
whole Flask request (session, login, the shared limiter's round trip to
Redis, the error page): fifty scripts posting as fast as they can kept one
process busy answering 429 and a clerk's call-next took 8x as long
(bench/flood.py). This guard sits in front of Flask and keeps the same limit
per client address in the process's memory: past it, the answer is the same
429 body, at a fraction of the cost, and only after ``delay_s``: a client
that retries at once (as a flood does) then waits instead of spending the
process's time, which stays the clerks'. The wait costs nothing under
gevent. Requests within the limit still go through the application's
limiter, which holds the limit across processes. Token holders and
registered kiosks are never limited, here as there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

ISSUE_PATH = "/api/v1/tickets"


class IssueFloodGuard:
    """WSGI middleware: anonymous ``POST /api/v1/tickets`` beyond ``limit``
    per client address answer 429 without reaching the application."""

    def __init__(
        self,
        app: WsgiApp,
        limit: str,
        is_exempt: Callable[[Environ], bool],
        delay_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.app = app
        self.delay_s = delay_s
        self.sleep = sleep
        self.item: RateLimitItem = parse(limit)
        self.limiter = FixedWindowRateLimiter(MemoryStorage())
        self.is_exempt = is_exempt
        message = f"too many requests ({self.item}); wait a moment and try again"
        self.body = json.dumps({"error": {"code": "rate_limited", "message": message}}).encode()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") == "POST"
            and environ.get("PATH_INFO") == ISSUE_PATH
            and "HTTP_AUTHORIZATION" not in environ
            and not self.is_exempt(environ)
            and not self.limiter.hit(self.item, environ.get("REMOTE_ADDR") or "unknown")
        ):
            if self.delay_s > 0:
                self.sleep(self.delay_s)
            start_response(
                "429 TOO MANY REQUESTS",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(self.body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [self.body]
        return self.app(environ, start_response)

"""Errors the queue raises when a request cannot be carried out.

Each carries the HTTP status and the snake_case code of API.md's error body,
so that every entry point (REST, Socket.IO, CLI) reports it the same way.
"""

from __future__ import annotations


class QueueError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class Malformed(QueueError):
    status = 400
    code = "malformed_request"


class NotAllowed(QueueError):
    status = 403
    code = "forbidden"


class NotFound(QueueError):
    status = 404
    code = "not_found"


class WrongState(QueueError):
    """The action is not allowed in the current state (HTTP 409)."""

    status = 409
    code = "wrong_state"


class Invalid(QueueError):
    """Well-formed but invalid (HTTP 422)."""

    status = 422
    code = "invalid"


class NotAuthenticated(QueueError):
    status = 401
    code = "unauthorized"


class RateLimited(QueueError):
    status = 429
    code = "rate_limited"

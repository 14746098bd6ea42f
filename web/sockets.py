"""Helpers for Socket.IO handlers: refusing connections, acking errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from queueing.database import DatabaseBusy
from queueing.errors import QueueError


def refuse(error: QueueError) -> ConnectionRefusedError:
    """A refused connection carries the error body as its reason."""
    return ConnectionRefusedError(error.as_dict())


def acked(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an event's work; answer ``{"ok": true, ...}`` or the error."""
    try:
        return {"ok": True, **work()}
    except QueueError as error:
        return {"ok": False, "error": error.as_dict()}
    except DatabaseBusy as error:
        return {"ok": False, "error": {"code": "database_busy", "message": str(error)}}

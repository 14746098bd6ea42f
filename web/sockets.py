"""Helpers for Socket.IO: refusing connections, acking errors, and the
WebSocket handshake every client goes through."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from queueing.database import DatabaseBusy
from queueing.errors import QueueError

log = logging.getLogger("luot.sockets")


class WithoutWebSocketCompression:
    """WSGI middleware that answers every WebSocket upgrade without
    per-message compression (RFC 7692), whatever the client offers.

    Browsers always offer it, and the WebSocket server accepts whenever
    offered: each connection then keeps a zlib compressor of its own and
    deflates every message separately, so a call to a thousand displays is
    compressed a thousand times. With 1,000 such displays the server held
    412 MB instead of 196 MB and spent three times the processor time.
    Displays sit on the local network, where the bytes saved are not worth
    that.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)


def refuse(error: QueueError) -> ConnectionRefusedError:
    """A refused connection carries the error body as its reason."""
    return ConnectionRefusedError(error.as_dict())


def acked(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an event's work; answer ``{"ok": true, ...}`` or the error. Every
    command is answered, whatever it was sent: a terminal waiting for an
    ack that never comes would hang its clerk."""
    try:
        return {"ok": True, **work()}
    except QueueError as error:
        return {"ok": False, "error": error.as_dict()}
    except DatabaseBusy as error:
        return {"ok": False, "error": {"code": "database_busy", "message": str(error)}}
    except Exception:
        log.exception("a Socket.IO command failed")
        return {
            "ok": False,
            "error": {"code": "internal_error", "message": "something went wrong; nothing changed"},
        }

"""``GET /healthz``: is the database there, the message queue, the printers?

Anyone gets the overall status (for a load balancer); managers, admins and
requests from the machine itself also get the details (printer addresses
are internal).
"""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select, text

import config
import printing
from printing.printers import NetworkPrinterAddress
from queueing.errors import QueueError
from queueing.models import Event, Kiosk

from .access import current_principal
from .context import database, now

bp = Blueprint("health", __name__)

#: Seconds a probe of the database, Redis or a network printer may take.
PROBE_TIMEOUT = 1.0
#: How far back a print job still tells whether a printer works.
RECENT_PRINTS = timedelta(hours=12)


def check_database() -> dict[str, Any]:
    try:
        with database().read() as session:
            session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": database().dialect}
    except Exception as error:  # any failure means "not usable", with its reason
        return {"ok": False, "dialect": database().dialect, "error": str(error)[:200]}


def check_message_queue() -> dict[str, Any]:
    url = current_app.config["SOCKETIO_MESSAGE_QUEUE"]
    if not url:
        return {"configured": False, "ok": True}
    try:
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
        )
        client.ping()
        client.close()
        return {"configured": True, "ok": True}
    except Exception as error:  # the process goes on serving its own clients
        return {
            "configured": True,
            "ok": False,
            "error": f"message queue unreachable: {error}"[:200],
            "effect": "calls reach the clients of this process only",
        }


def _probe(address: Any) -> str | None:
    """Connect to a network printer; None when it answers, else why not."""
    if not isinstance(address, NetworkPrinterAddress):
        return None
    try:
        with socket.create_connection((address.host, address.port), timeout=PROBE_TIMEOUT):
            return None
    except OSError as error:
        return f"no answer from {address.host}:{address.port} ({error.strerror or error})"


def check_printers() -> list[dict[str, Any]]:
    default = current_app.config["LUOT_PRINTER"]
    since = now() - RECENT_PRINTS
    results = []
    with database().read() as session:
        kiosks = list(session.scalars(select(Kiosk).where(Kiosk.is_active.is_(True))))
        for kiosk in kiosks:
            url = kiosk.printer_url or default
            last = session.scalar(
                select(Event)
                .where(
                    Event.kind.in_(("printed", "print_failed")),
                    Event.created_at >= since,
                    Event.data["printer"].as_string() == url,
                )
                .order_by(Event.id.desc())
                .limit(1)
            )
            entry: dict[str, Any] = {"kiosk": kiosk.id, "name": kiosk.name, "printer": url}
            try:
                address = printing.parse_printer_url(url)
            except printing.PrinterUrlError as error:
                entry.update(ok=False, error=str(error))
                results.append(entry)
                continue
            if address is None:
                entry.update(ok=None, error="no printer is configured")
            else:
                problem = _probe(address)
                if problem is None and last is not None and last.kind == "print_failed":
                    problem = f"the last job failed: {last.data.get('error', '')}"
                entry.update(ok=problem is None, error=problem)
            if last is not None:
                entry["last_job_at"] = last.created_at.isoformat()
            results.append(entry)
    return results


def _may_see_details() -> bool:
    if request.remote_addr in ("127.0.0.1", "::1"):
        return True
    try:
        principal = current_principal()
    except QueueError:
        return False
    return principal is not None and principal.allows("manager")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while the database answers (503 otherwise); ``degraded`` when the
    message queue or a printer does not. The details list the settings an
    operator should still set (``warnings``), which leave the status alone."""
    db = check_database()
    queue = check_message_queue()
    printers = check_printers() if db["ok"] else []
    if not db["ok"]:
        status = "down"
    elif not queue["ok"] or any(p["ok"] is False for p in printers):
        status = "degraded"
    else:
        status = "ok"
    body: dict[str, Any] = {"status": status}
    if _may_see_details():
        body.update(
            database=db,
            message_queue=queue,
            printers=printers,
            warnings=config.warnings(current_app.config),
        )
    return jsonify(body), 503 if status == "down" else 200

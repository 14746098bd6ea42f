"""The citizen's pages: the kiosk and the ticket page behind the QR code."""

from __future__ import annotations

from flask import Blueprint, render_template

from queueing.errors import NotFound
from queueing.models import Ticket
from web.context import database

bp = Blueprint("kiosk", __name__)


@bp.get("/kiosk")
def kiosk_home() -> str:
    return render_template("kiosk/kiosk.html")


@bp.get("/t/<int:ticket_id>")
def ticket_page(ticket_id: int) -> str:
    with database().read() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such ticket", "ticket_not_found")
        return render_template("kiosk/ticket.html", ticket_id=ticket.id, code=ticket.code)

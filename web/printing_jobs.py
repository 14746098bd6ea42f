"""Printing an issued ticket after commit, and logging how it went."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

import printing
from queueing import operations
from queueing.errors import Invalid
from queueing.models import Event, Kiosk
from queueing.operations import Actor

from .context import database, now, write


def kiosk_printer(kiosk: Kiosk | None) -> str:
    """The printer URL a kiosk prints on: its own, else the default printer."""
    default: str = current_app.config["LUOT_PRINTER"]
    return (kiosk.printer_url if kiosk is not None else "") or default


def printer_for(kiosk_id: int | None) -> tuple[str, int]:
    """The printer URL and paper width of a kiosk, or the default printer."""
    if kiosk_id is None:
        return kiosk_printer(None), printing.PAPER_80_MM_DOTS
    with database().read() as session:
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            return kiosk_printer(None), printing.PAPER_80_MM_DOTS
        return kiosk_printer(kiosk), kiosk.paper_width_dots


def was_printed(ticket_id: int) -> bool:
    """Whether a print job of the ticket has succeeded."""
    with database().read() as session:
        printed = session.scalar(
            select(Event.id).where(Event.ticket_id == ticket_id, Event.kind == "printed").limit(1)
        )
        return printed is not None


def find_kiosk(session: Session, kiosk_id: int, office_id: int) -> Kiosk:
    """An active kiosk of the office, or an error that changes nothing."""
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.office_id != office_id or not kiosk.is_active:
        raise Invalid("no such kiosk in this office", "unknown_kiosk")
    return kiosk


def _has_printer(printer_url: str) -> bool:
    try:
        return printing.parse_printer_url(printer_url) is not None
    except printing.PrinterUrlError:
        return True  # a wrong address is a fault, shown and logged as one


def print_issued_ticket(
    ticket: dict[str, Any],
    kiosk_id: int | None,
    actor: Actor,
    language: str = "vi",
    *,
    is_missing_printer_a_fault: bool = True,
) -> dict[str, Any]:
    """Print the ticket; a printer fault never stops the ticket, it is logged.

    Issuing at a kiosk whose printer is ``none`` (one that only shows its
    tickets) is no fault when ``is_missing_printer_a_fault`` is false:
    nothing is printed or logged, and the answer says there is no printer.
    """
    printer_url, width_dots = printer_for(kiosk_id)
    if not is_missing_printer_a_fault and not _has_printer(printer_url):
        return {"printed": False, "has_printer": False}
    office_name = ticket["office_name_en"] if language == "en" else ticket["office_name"]
    error = None
    try:
        printing.print_ticket(
            printer_url,
            ticket,
            office_name=office_name or ticket["office_name"],
            language=language,
            width_dots=width_dots,
        )
    except printing.PrintError as failure:
        error = str(failure)
    at = now()
    write(
        lambda session: operations.record_print(
            session, ticket["id"], at, actor, error=error, printer=printer_url
        )
    )
    if error is None:
        return {"printed": True}
    return {"printed": False, "print_error": error}

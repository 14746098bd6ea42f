"""Printing an issued ticket after commit, and logging how it went."""

from __future__ import annotations

from typing import Any

from flask import current_app

import printing
from queueing import operations
from queueing.operations import Actor

from .context import now, write


def printer_for(kiosk_id: int | None) -> str:
    url: str = current_app.config["LUOT_PRINTER"]
    return url


def print_issued_ticket(
    ticket: dict[str, Any], kiosk_id: int | None, actor: Actor, language: str = "vi"
) -> dict[str, Any]:
    """Print the ticket; a printer fault never stops the ticket, it is logged."""
    printer_url = printer_for(kiosk_id)
    office_name = ticket["office_name_en"] if language == "en" else ticket["office_name"]
    error = None
    try:
        printing.print_ticket(
            printer_url, ticket, office_name=office_name or ticket["office_name"], language=language
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

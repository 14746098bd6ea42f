"""Ticket printing: the ticket laid out as an image, sent with python-escpos.

``print_ticket(printer_url, ticket, office_name)`` is what the rest of the
app calls; it raises :class:`PrintError` for any printer fault, so a kiosk
can still hand out the ticket on screen and log the failure.
"""

from __future__ import annotations

from printing.layout import PAPER_58_MM_DOTS, PAPER_80_MM_DOTS, render_ticket
from printing.printers import (
    PrinterAddress,
    PrintError,
    PrinterUrlError,
    build_print_job,
    parse_printer_url,
    preview_png,
    print_ticket,
)

__all__ = [
    "PAPER_58_MM_DOTS",
    "PAPER_80_MM_DOTS",
    "PrintError",
    "PrinterAddress",
    "PrinterUrlError",
    "build_print_job",
    "parse_printer_url",
    "preview_png",
    "print_ticket",
    "render_ticket",
]

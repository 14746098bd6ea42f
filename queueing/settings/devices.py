"""An office's kiosks (with their printers) and displays (with their voice)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import DISPLAY_LANGUAGES, NUMBER_READINGS, Counter, Display, Kiosk
from ..operations import Actor, get_office, record
from .common import (
    PrinterUrlCheck,
    apply_changes,
    check_flag,
    check_text,
    get_in_office,
    jsonable,
    record_changes,
    refuse_unknown_fields,
)

PAPER_WIDTHS = (576, 384)


def _kiosk_values(fields: Mapping[str, Any], check_printer_url: PrinterUrlCheck) -> dict[str, Any]:
    refuse_unknown_fields(fields, ("name", "printer_url", "paper_width_dots", "is_active"))
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = check_text(fields["name"], "name", required=True)
    if "printer_url" in fields:
        url = check_text(fields["printer_url"], "printer_url", limit=300)
        check_printer_url(url)
        values["printer_url"] = url
    if "paper_width_dots" in fields:
        if fields["paper_width_dots"] not in PAPER_WIDTHS:
            raise Invalid("the paper is 576 (80 mm) or 384 (58 mm) dots wide", "invalid_paper")
        values["paper_width_dots"] = fields["paper_width_dots"]
    if "is_active" in fields:
        values["is_active"] = check_flag(fields["is_active"], "is_active")
    return values


def create_kiosk(
    session: Session,
    office_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
    *,
    check_printer_url: PrinterUrlCheck,
) -> Kiosk:
    values = _kiosk_values(fields, check_printer_url)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    get_office(session, office_id)
    kiosk = Kiosk(office_id=office_id, created_at=now, **values)
    session.add(kiosk)
    session.flush()
    record(
        session, office_id, "kiosk_created", now, actor, kiosk_id=kiosk.id, fields=jsonable(values)
    )
    return kiosk


def update_kiosk(
    session: Session,
    office_id: int,
    kiosk_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
    *,
    check_printer_url: PrinterUrlCheck,
) -> Kiosk:
    values = _kiosk_values(fields, check_printer_url)
    kiosk = get_in_office(session, Kiosk, kiosk_id, office_id, "kiosk")
    changes = apply_changes(kiosk, values)
    record_changes(session, office_id, "kiosk_updated", now, actor, changes, kiosk_id=kiosk.id)
    return kiosk


def record_test_print(
    session: Session,
    office_id: int,
    kiosk_id: int,
    now: datetime,
    actor: Actor,
    *,
    printer: str,
    error: str | None,
) -> None:
    """Log a test print from the admin screens, successful or not."""
    record(
        session,
        office_id,
        "test_printed" if error is None else "test_print_failed",
        now,
        actor,
        kiosk_id=kiosk_id,
        printer=printer,
        error=error,
    )


def _display_values(
    session: Session,
    office_id: int,
    fields: Mapping[str, Any],
    display: Display | None = None,
) -> dict[str, Any]:
    refuse_unknown_fields(
        fields,
        ("name", "counter_ids", "language", "is_voice_enabled", "number_reading", "speech_voice"),
    )
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = check_text(fields["name"], "name", required=True)
    if "counter_ids" in fields:
        ids = fields["counter_ids"]
        if not isinstance(ids, list | tuple) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in ids
        ):
            raise Invalid("counters must be a list of counter ids", "invalid_field")
        known = set(
            session.scalars(
                select(Counter.id).where(Counter.office_id == office_id, Counter.id.in_(ids))
            )
        )
        if set(ids) - known:
            raise Invalid("no such counter in this office", "unknown_counter")
        values["counter_ids"] = sorted(set(ids))
    if "language" in fields:
        if fields["language"] not in DISPLAY_LANGUAGES:
            raise Invalid("the language is vi, en or vi_en", "unknown_language")
        values["language"] = fields["language"]
    if "is_voice_enabled" in fields:
        values["is_voice_enabled"] = check_flag(fields["is_voice_enabled"], "is_voice_enabled")
    if "number_reading" in fields:
        if fields["number_reading"] not in NUMBER_READINGS:
            raise Invalid("numbers are read as digits or as a number", "unknown_reading")
        values["number_reading"] = fields["number_reading"]
    if "speech_voice" in fields:
        values["speech_voice"] = _speech_voice(fields["speech_voice"], display)
    return values


def _speech_voice(value: Any, display: Display | None) -> str:
    """Empty (the bundled clips), the voice already chosen, or one of the
    voices the display reported: a voice the device lacks would never speak."""
    if value == "":
        return ""
    offered = set(display.available_voices or []) | {display.speech_voice} if display else set()
    if not isinstance(value, str) or value not in offered:
        raise Invalid("the display has not reported that voice", "unknown_voice")
    return value


def create_display(
    session: Session, office_id: int, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Display:
    get_office(session, office_id)
    values = _display_values(session, office_id, fields)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    display = Display(office_id=office_id, created_at=now, **values)
    session.add(display)
    session.flush()
    record(
        session,
        office_id,
        "display_created",
        now,
        actor,
        display_id=display.id,
        fields=jsonable(values),
    )
    return display


def update_display(
    session: Session,
    office_id: int,
    display_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> Display:
    display = get_in_office(session, Display, display_id, office_id, "display")
    values = _display_values(session, office_id, fields, display)
    changes = apply_changes(display, values)
    record_changes(
        session, office_id, "display_updated", now, actor, changes, display_id=display.id
    )
    return display

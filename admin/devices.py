"""An office's kiosks (with the ticket preview page and the test print) and
displays."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

import printing
from kiosk import screens
from queueing import settings
from queueing.errors import Invalid
from queueing.models import Counter, Display, Kiosk, Office
from web import printing_jobs
from web.access import chosen_office, page, principal
from web.context import database, now, write

from .common import EntityPages, bp, go, office_of_page, office_row, render
from .forms import BUNDLED_VOICE_CHOICE, ConfirmForm, DisplayForm, KioskForm

# -- kiosks ------------------------------------------------------------------------------


def check_printer_url(url: str) -> None:
    try:
        printing.parse_printer_url(url)
    except printing.PrinterUrlError as error:
        raise Invalid(
            _("Địa chỉ máy in không hợp lệ: %(detail)s", detail=str(error)), "invalid_printer_url"
        ) from None


@bp.get("/kiosks")
@page("admin")
def kiosks() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(Kiosk).where(Kiosk.office_id == office.id).order_by(Kiosk.id)
        ).all()
        return render(
            "admin/kiosks.html",
            session,
            office,
            kiosks=rows,
            default_printer=current_app.config["LUOT_PRINTER"],
            test_form=ConfirmForm(formdata=None),
        )


def _fill_kiosk(_session: Session, form: KioskForm, kiosk: Kiosk | None, _office: Office) -> None:
    if kiosk is not None:
        form.paper_width_dots.data = str(kiosk.paper_width_dots)


def _kiosk_fields(
    _session: Session, form: KioskForm, _kiosk: Kiosk | None, _context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "printer_url": (form.printer_url.data or "").strip(),
        "paper_width_dots": int(form.paper_width_dots.data or 576),
        "is_active": bool(form.is_active.data),
    }


KIOSKS = EntityPages(
    form=KioskForm,
    template="admin/kiosk_form.html",
    name="kiosk",
    load=office_row(Kiosk, "kiosk"),
    fill=_fill_kiosk,
    fields=_kiosk_fields,
    create=partial(settings.create_kiosk, check_printer_url=check_printer_url),
    update=partial(settings.update_kiosk, check_printer_url=check_printer_url),
    saved=lambda kiosk: _("Đã lưu kiosk %(name)s.", name=kiosk.name),
    listing="admin.kiosks",
)


@bp.route("/kiosks/new", methods=["GET", "POST"])
@page("admin")
def kiosk_new() -> str | BaseResponse:
    return KIOSKS.show(None)


@bp.route("/kiosks/<int:kiosk_id>", methods=["GET", "POST"])
@page("admin")
def kiosk_edit(kiosk_id: int) -> str | BaseResponse:
    return KIOSKS.show(kiosk_id)


#: Paper widths the kiosk form offers, by printed dots: 203 dpi over the
#: printable width of 80 mm and 58 mm rolls.
PAPER_NAMES = {printing.PAPER_80_MM_DOTS: "80 mm", printing.PAPER_58_MM_DOTS: "58 mm"}


@bp.get("/kiosks/<int:kiosk_id>/ticket-preview")
@page("admin")
def kiosk_ticket_preview(kiosk_id: int) -> str:
    """The kiosk's slip as it prints: the preview image shown one printed dot
    to one CSS pixel, beside the printer it goes to; ``?paper_lang=en`` draws
    the English slip."""
    paper_language = request.args.get("paper_lang", "vi")
    if paper_language not in ("vi", "en"):
        paper_language = "vi"
    with database().read() as session:
        office = chosen_office(session, principal())
        kiosk = settings.get_in_office(session, Kiosk, kiosk_id, office.id, "kiosk")
        return render(
            "admin/kiosk_preview.html",
            session,
            office,
            kiosk=kiosk,
            printer_url=printing_jobs.kiosk_printer(kiosk),
            is_default_printer=not kiosk.printer_url,
            paper_name=PAPER_NAMES.get(kiosk.paper_width_dots, ""),
            paper_language=paper_language,
            image_url=url_for(
                "kiosk.ticket_preview",
                width=kiosk.paper_width_dots,
                lang=paper_language,
                office=office.code,
            ),
        )


@bp.post("/kiosks/<int:kiosk_id>/test-print")
@page("admin")
def kiosk_test_print(kiosk_id: int) -> BaseResponse:
    office, _offices = office_of_page()
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn, vui lòng thử lại."), "error")
        return go("admin.kiosks", office)
    with database().read() as session:
        kiosk = settings.get_in_office(session, Kiosk, kiosk_id, office.id, "kiosk")
        printer_url = printing_jobs.kiosk_printer(kiosk)
        width = kiosk.paper_width_dots
        name = kiosk.name
    failure = None
    try:
        printing.print_ticket(
            printer_url,
            screens.printer_test_ticket(office, now(), "vi"),
            office.name,
            width_dots=width,
            language="vi",
        )
    except printing.PrintError as error:
        failure = str(error)
    actor, at = principal().actor, now()
    write(
        lambda session: settings.record_test_print(
            session, office.id, kiosk_id, at, actor, printer=printer_url, error=failure
        )
    )
    if failure is None:
        flash(_("Đã gửi bản in thử đến máy in của %(name)s.", name=name), "success")
    else:
        flash(_("In thử không được: %(error)s", error=failure), "error")
    return go("admin.kiosks", office)


# -- displays ------------------------------------------------------------------------------


@bp.get("/displays")
@page("admin")
def displays() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(Display).where(Display.office_id == office.id).order_by(Display.id)
        ).all()
        numbers = {
            counter.id: counter.number
            for counter in session.scalars(select(Counter).where(Counter.office_id == office.id))
        }
        return render("admin/displays.html", session, office, displays=rows, numbers=numbers)


def _prepare_display(
    session: Session, form: DisplayForm, display: Display | None, office: Office
) -> dict[str, Any]:
    form.counters.choices = [
        SelectChoice(str(counter.id), counter.name or str(counter.number))
        for counter in session.scalars(
            select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
        )
    ]
    form.speech_voice.choices = _voice_choices(display)
    return {}


def _fill_display(
    _session: Session, form: DisplayForm, display: Display | None, _office: Office
) -> None:
    if display is not None:
        form.counters.data = list(display.counter_ids or [])


def _display_fields(
    _session: Session, form: DisplayForm, _display: Display | None, _context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "counter_ids": list(form.counters.data or []),
        "language": form.language.data,
        "is_voice_enabled": bool(form.is_voice_enabled.data),
        "number_reading": form.number_reading.data,
        "speech_voice": form.speech_voice.data or "",
    }


def _voice_choices(display: Display | None) -> list[SelectChoice]:
    """The bundled clips, then every voice the display reported, and the
    voice chosen before even if the display no longer has it."""
    voices = list(display.available_voices or []) if display else []
    if display and display.speech_voice and display.speech_voice not in voices:
        voices.append(display.speech_voice)
    return [BUNDLED_VOICE_CHOICE, *(SelectChoice(voice, voice) for voice in voices)]


DISPLAYS = EntityPages(
    form=DisplayForm,
    template="admin/display_form.html",
    name="display",
    load=office_row(Display, "display"),
    prepare=_prepare_display,
    fill=_fill_display,
    fields=_display_fields,
    create=settings.create_display,
    update=settings.update_display,
    saved=lambda display: _("Đã lưu màn hình %(name)s.", name=display.name),
    listing="admin.displays",
)


@bp.route("/displays/new", methods=["GET", "POST"])
@page("admin")
def display_new() -> str | BaseResponse:
    return DISPLAYS.show(None)


@bp.route("/displays/<int:display_id>", methods=["GET", "POST"])
@page("admin")
def display_edit(display_id: int) -> str | BaseResponse:
    return DISPLAYS.show(display_id)

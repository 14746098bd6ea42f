"""The citizen's pages: the kiosk and the ticket page behind the QR code.

The kiosk issues through ``POST /api/v1/tickets`` and follows the queue on
the public ``/display`` namespace; the ticket page follows its ticket on
``/ticket`` (kiosk/sockets.py). Both are public.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as BaseResponse

import printing
from queueing import accounts, booking, rules
from queueing.errors import Malformed, NotAllowed, NotFound
from queueing.models import Kiosk, Office
from queueing.queries import QueueView, active_services, rating_of, ticket_payload
from web.access import REGISTERED_KIOSK_KEY, require, resolve_office
from web.context import database, now, status_url
from web.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_switch, language_url, page_language
from web.qr import qr_png

from . import screens, texts

bp = Blueprint("kiosk", __name__)

#: Seconds without a touch after which the kiosk returns to its home screen.
IDLE_SECONDS = 60
#: Seconds the confirmation stays up (longer when the paper did not print,
#: so the citizen has time to note the number).
CONFIRMATION_SECONDS = 10
CONFIRMATION_SECONDS_WITHOUT_PAPER = 20
#: Paper widths the layout preview draws, in dots.
PREVIEW_WIDTHS = (printing.PAPER_80_MM_DOTS, printing.PAPER_58_MM_DOTS)
#: The most characters the check-in screen takes: booking codes are
#: ``booking.CODE_LENGTH`` long today, and never longer than this.
CODE_MAX_LENGTH = 16


@bp.get("/kiosk")
def kiosk_home() -> str:
    """The office's kiosk, printing on the default printer (LUOT_PRINTER)."""
    return _kiosk_page(None)


@bp.get("/kiosk/<int:kiosk_id>")
def configured_kiosk(kiosk_id: int) -> str:
    """A kiosk configured by the admins, printing on its own printer.

    Opened once with ``?key=`` (from ``flask create-kiosk-key``), the browser
    is registered as this kiosk for good (a signed, permanent session):
    its tickets are then not rate limited.
    """
    key = request.args.get("key")
    if key:
        with database().read() as db_session:
            if not accounts.kiosk_key_matches(db_session, kiosk_id, key):
                raise NotAllowed("this kiosk key is not valid", "bad_kiosk_key")
        session[REGISTERED_KIOSK_KEY] = kiosk_id
        session.permanent = True
    return _kiosk_page(kiosk_id)


def _kiosk_page(kiosk_id: int | None) -> str:
    language = page_language()
    at = now()
    with database().read() as session:
        if kiosk_id is None:
            office = resolve_office(session, request.args.get("office"), None)
        else:
            kiosk = session.get(Kiosk, kiosk_id)
            if kiosk is None or not kiosk.is_active:
                raise NotFound("no such kiosk", "kiosk_not_found")
            found = session.get(Office, kiosk.office_id)
            assert found is not None
            office = found
        groups = screens.kiosk_groups(session, office, at, language)
        name = screens.office_name(office, language)
        data = {
            "lang": language,
            "office": office.code,
            "kiosk": kiosk_id,
            "service_day": rules.service_day(at, office.timezone).isoformat(),
            "issue_url": url_for("api.issue_ticket"),
            # The check-in address around its code: what comes before and after.
            "check_in_url": url_for("api.check_in", code="-").split("/-/"),
            "code_alphabet": booking.CODE_ALPHABET,
            "code_max_length": CODE_MAX_LENGTH,
            # Sent with every tap: anonymous kiosks need none, but a browser
            # signed in as staff issues with its session, which needs it.
            "csrf_token": generate_csrf(),
            "ticket_url": url_for("kiosk.ticket_page", access_token="-").removesuffix("-"),
            "home_url": language_url(DEFAULT_LANGUAGE),
            "idle_seconds": IDLE_SECONDS,
            "confirmation_seconds": CONFIRMATION_SECONDS,
            "confirmation_seconds_without_paper": CONFIRMATION_SECONDS_WITHOUT_PAPER,
            "texts": texts.kiosk_script_texts(),
        }
    return render_template(
        "kiosk/kiosk.html",
        office_name=name,
        groups=groups,
        services=[service for group in groups for service in group.services],
        priorities=texts.PRIORITY_GROUPS,
        code_alphabet=booking.CODE_ALPHABET,
        data=data,
        **language_switch(),
    )


@bp.get("/kiosk/ticket-preview.png")
def ticket_preview() -> Response:
    """The paper ticket's layout with sample data, for the admins' screens:
    ``?width=576|384&lang=vi|en``."""
    principal = require("admin")
    width_text = request.args.get("width", str(printing.PAPER_80_MM_DOTS))
    if not width_text.isdigit() or int(width_text) not in PREVIEW_WIDTHS:
        raise Malformed("width must be 576 (80 mm paper) or 384 (58 mm)", "invalid_field")
    language = request.args.get("lang", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        raise Malformed("lang must be vi or en", "invalid_field")
    at = now()
    with database().read() as session:
        office = resolve_office(session, request.args.get("office"), principal)
        services = active_services(session, office.id)
        ticket = screens.sample_ticket(office, services[0] if services else None, at, status_url)
        name = screens.office_name(office, language)
    png = printing.preview_png(ticket, name, int(width_text), language=language)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/t/<access_token>")
def ticket_page(access_token: str) -> str | BaseResponse:
    """The citizen's live page of a ticket (the QR code's target), reached
    with the holder's token only; it follows the visit's newest leg."""
    language = page_language()
    with database().read() as session:
        ticket = screens.held_ticket(session, access_token)
        office = session.get(Office, ticket.office_id)
        assert office is not None
        payload = ticket_payload(QueueView(session, office, now()), ticket, status_url)
        data = {
            "lang": language,
            "ticket": payload,
            "is_rated": rating_of(session, ticket.id) is not None,
            "ticket_api_url": url_for("api.get_ticket", ticket_id=ticket.id, token=access_token),
            "rating_url": url_for("api.rate_ticket", ticket_id=ticket.id),
            "token": access_token,
            "chime_url": url_for("static", filename="voice/chime.mp3"),
            "low_score": texts.LOW_SCORE,
            "texts": texts.ticket_script_texts(),
        }
        service_name = (
            payload["service_name_en"]
            if language == "en" and payload["service_name_en"]
            else payload["service_name"]
        )
        name = screens.office_name(office, language)
    return render_template(
        "kiosk/ticket.html",
        ticket=payload,
        service_name=service_name,
        office_name=name,
        levels=texts.RATING_LEVELS,
        reasons=texts.RATING_REASONS,
        data=data,
        **language_switch(),
    )


@bp.get("/t/<access_token>/qr.png")
def ticket_qr(access_token: str) -> Response:
    """The QR code of a ticket's live page, shown on the kiosk's confirmation
    so the ticket can be followed on a phone even when the paper fails."""
    with database().read() as session:
        screens.held_ticket(session, access_token)
    return Response(
        qr_png(status_url(access_token)),
        mimetype="image/png",
        # Only its holder knows the address: no shared cache keeps it.
        headers={"Cache-Control": "private, max-age=86400"},
    )

"""The public API, version 1 (../shared/API.md): thin views over the use cases.

Each view validates its input, runs one operation in one transaction and
answers with the objects of API.md. Errors come out through
:mod:`web.errors` as ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask import session as browser_session
from sqlalchemy.orm import Session

from queueing import operations, reports
from queueing.errors import Invalid, Malformed, NotAllowed, NotFound, QueueError
from queueing.models import PRIORITY_NONE, Office, Ticket
from queueing.operations import Actor
from queueing.queries import (
    WAITING_COLUMNS,
    QueueView,
    active_services,
    as_waiting,
    counter_payload,
    counters_of,
    is_holder,
    public_state,
    queue_state,
    service_codes,
    service_payload,
    ticket_payload,
)
from queueing.rules import service_day
from web import office_comparison, payloads, printing_jobs
from web.access import (
    CHOSEN_COUNTER_KEY,
    Principal,
    check_office,
    check_session_change,
    current_principal,
    registered_kiosk_id,
    require,
    resolve_office,
)
from web.actions import optional_id, optional_string, run_counter_action, run_ticket_action
from web.context import database, now, status_url, write
from web.extensions import limiter
from web.office_cache import OfficeCache, OfficeSettings, office_cache_of
from web.rate_limits import is_setting_unlimited, setting_limit

from .openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_IDEMPOTENCY_KEY = 200
#: The longest report range, in days (a few years of history).


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``."""
    return payloads.json_object(request.get_data(cache=True))


def office_param(body: dict[str, Any] | None = None) -> str | None:
    code = (body or {}).get("office", request.args.get("office"))
    if code is not None and not isinstance(code, str):
        raise Malformed("office must be an office code", "invalid_field")
    return code


def idempotency_of(principal: Principal | None) -> tuple[str, str] | None:
    """(client, key) of the request's Idempotency-Key, or None without one."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
        raise Malformed(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters", "invalid_header"
        )
    client = f"{principal.kind}:{principal.id}" if principal else f"addr:{request.remote_addr}"
    return (client, key.strip())


def _ticket_json(session: Session, ticket: Ticket) -> dict[str, Any]:
    office = session.get(Office, ticket.office_id)
    assert office is not None
    return ticket_payload(QueueView(session, office, now()), ticket, status_url)


def _issued_ticket_json(
    session: Session, cache: OfficeCache, kept: OfficeSettings, ticket: Ticket, at: datetime
) -> dict[str, Any]:
    """A ticket just issued, with its place: from the process's kept
    forecast of the line when nothing else changed since, else from the
    line read again (then kept)."""
    (event,) = (e for e in session.info["events"] if e.ticket_id == ticket.id)
    waiting = as_waiting(tuple(getattr(ticket, column.key) for column in WAITING_COLUMNS))
    day = ticket.service_day
    place = cache.join_line(
        kept, waiting, day, event.id, lambda: operations.newest_event_before(session, event)
    )
    view = QueueView(session, kept.office, at)
    if place is None:
        projection = cache.keep_line(kept, view.office_line, day, at, event.id)
        place = projection.tickets.get(ticket.id)
    view.known_places[ticket.id] = place
    return ticket_payload(view, ticket, status_url)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


@bp.get("/services")
def list_services() -> Response:
    with database().read() as session:
        office = resolve_office(session, office_param(), None)
        view = QueueView(session, office, now())
        return jsonify(
            {"services": [service_payload(view, s) for s in active_services(session, office.id)]}
        )


def _exempt_from_issue_limit() -> bool:
    """Integrations with a token (a bad one fails later) and registered
    kiosks issuing on their own account are not limited."""
    if is_setting_unlimited("LUOT_ISSUE_RATE_LIMIT"):
        return True
    if "Authorization" in request.headers:
        return True
    registered = registered_kiosk_id()
    if registered is None:
        return False
    try:
        body = json_body()
    except QueueError:
        return False  # the view refuses the body itself
    return body.get("kiosk") == registered


@bp.post("/tickets")
@limiter.limit(setting_limit("LUOT_ISSUE_RATE_LIMIT"), exempt_when=_exempt_from_issue_limit)
def issue_ticket() -> tuple[Response, int]:
    principal = current_principal()
    check_session_change(principal)
    body = json_body()
    service_code = body.get("service")
    if not isinstance(service_code, str) or not service_code:
        raise Malformed("service must be a service code", "invalid_field")
    priority = optional_string(body, "priority", limit=32) or PRIORITY_NONE
    channel = optional_string(body, "channel", limit=32) or "api"
    wants_print = body.get("print", False)
    if not isinstance(wants_print, bool):
        raise Malformed("print must be true or false", "invalid_field")
    kiosk_id = optional_id(body, "kiosk")
    language = optional_string(body, "language", limit=2) or "vi"
    if language not in ("vi", "en"):
        raise Invalid("language must be vi or en", "unknown_language")
    idempotency = idempotency_of(principal)
    actor = principal.actor if principal else Actor("public")
    cache = office_cache_of(current_app)
    kept = cache.office(office_param(body), principal)

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        office = kept.office
        # The clock is read once the office's issues take their turn: the
        # tickets of an office then arrive in the order they are issued.
        operations.hold_office_log(session, office.id)
        at = now()
        if kiosk_id is not None:
            printing_jobs.find_kiosk(session, kiosk_id, office.id)
        service = kept.services.get(service_code)
        ticket, created = operations.issue_ticket(
            session,
            office.id,
            service_code,
            at,
            actor,
            priority=priority,
            channel=channel,
            idempotency=idempotency,
            office=office,
            service=session.merge(service, load=False) if service is not None else None,
        )
        if not created:
            return _ticket_json(session, ticket), created
        return _issued_ticket_json(session, cache, kept, ticket, at), created

    payload, created = write(work)
    if wants_print:
        if created or not printing_jobs.was_printed(payload["id"]):
            # No printer is no fault here: the kiosk shows the ticket and
            # says to keep the number.
            payload.update(
                printing_jobs.print_issued_ticket(
                    payload, kiosk_id, actor, language, is_missing_printer_a_fault=False
                )
            )
        else:
            # A retry of a request whose ticket came out of the printer:
            # a second slip with the same number would only confuse.
            payload["printed"] = True
    return jsonify(payload), 201 if created else 200


def _is_staff_of(office_id: int) -> bool:
    """Whether the request's credentials are staff of the office."""
    principal = current_principal()
    return principal is not None and principal.allows("clerk") and principal.works_in(office_id)


def _held_or_staff(session: Session, ticket_id: int, token: Any) -> Ticket:
    """The ticket, for its holder (the token) or the office's staff; 404
    for anyone else, as if it did not exist: ids are not to be counted."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not (is_holder(ticket, token) or _is_staff_of(ticket.office_id)):
        raise NotFound("no such ticket", "ticket_not_found")
    return ticket


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int) -> Response:
    with database().read() as session:
        ticket = _held_or_staff(session, ticket_id, request.args.get("token"))
        return jsonify(_ticket_json(session, ticket))


@bp.get("/counters")
def list_counters() -> Response:
    with database().read() as session:
        office = resolve_office(session, office_param(), None)
        view = QueueView(session, office, now())
        codes = service_codes(session, office.id)
        counters = [
            counter_payload(view, counter, status_url, codes)
            for counter in counters_of(session, office.id)
        ]
        if not _is_staff_of(office.id):
            counters = [public_state(counter) for counter in counters]
        return jsonify({"counters": counters})


def _counter_action(action: str, counter_id: int, body: dict[str, Any]) -> Response:
    principal = require("clerk")
    chosen = browser_session.get(CHOSEN_COUNTER_KEY)
    if principal.kind == "user" and chosen not in (None, counter_id):
        # A terminal works its own counter, over REST as over Socket.IO.
        raise NotAllowed("this terminal works another counter", "other_counter")
    return jsonify(run_counter_action(action, counter_id, body, principal))


@bp.post("/counters/<int:counter_id>/call-next")
def call_next(counter_id: int) -> Response:
    return _counter_action("call_next", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/recall")
def recall(counter_id: int) -> Response:
    return _counter_action("recall", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/start")
def start(counter_id: int) -> Response:
    return _counter_action("start", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/finish")
def finish(counter_id: int) -> Response:
    return _counter_action("finish", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/no-show")
def no_show(counter_id: int) -> Response:
    return _counter_action("no_show", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/park")
def park(counter_id: int) -> Response:
    return _counter_action("park", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/call/<int:ticket_id>")
def call_ticket(counter_id: int, ticket_id: int) -> Response:
    json_body()
    return _counter_action("call", counter_id, {"ticket": ticket_id})


@bp.post("/counters/<int:counter_id>/transfer")
def transfer(counter_id: int) -> Response:
    body = json_body()
    target = {
        "service": body.get("service"),
        # In REST the counter of the path acts; "counter" names the target.
        "target_counter": body.get("counter"),
    }
    return _counter_action("transfer", counter_id, target)


@bp.post("/counters/<int:counter_id>/open")
def open_counter(counter_id: int) -> Response:
    return _counter_action("open", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/pause")
def pause_counter(counter_id: int) -> Response:
    return _counter_action("pause", counter_id, json_body())


@bp.post("/counters/<int:counter_id>/close")
def close_counter(counter_id: int) -> Response:
    return _counter_action("close", counter_id, json_body())


@bp.post("/tickets/<int:ticket_id>/return")
def return_ticket(ticket_id: int) -> Response:
    json_body()
    return jsonify(run_ticket_action("return", ticket_id, require("clerk")))


@bp.post("/tickets/<int:ticket_id>/cancel")
def cancel_ticket(ticket_id: int) -> Response:
    json_body()
    return jsonify(run_ticket_action("cancel", ticket_id, require("clerk")))


@bp.post("/tickets/<int:ticket_id>/print")
def reprint_ticket(ticket_id: int) -> Response:
    """Print a ticket again (the paper jammed, or the citizen lost it), on
    the printer of ``"kiosk": ID`` when given, else the default printer."""
    principal = require("clerk")
    body = json_body()
    kiosk_id = optional_id(body, "kiosk")
    language = optional_string(body, "language", limit=2) or "vi"
    if language not in ("vi", "en"):
        raise Invalid("language must be vi or en", "unknown_language")
    with database().read() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such ticket", "ticket_not_found")
        check_office(principal, ticket.office_id)
        if kiosk_id is not None:
            printing_jobs.find_kiosk(session, kiosk_id, ticket.office_id)
        payload = _ticket_json(session, ticket)
    payload.update(printing_jobs.print_issued_ticket(payload, kiosk_id, principal.actor, language))
    return jsonify(payload)


@bp.post("/tickets/<int:ticket_id>/rating")
def rate_ticket(ticket_id: int) -> tuple[Response, int]:
    body = json_body()
    score = body.get("score")
    if isinstance(score, bool) or not isinstance(score, int):
        raise Malformed("score must be a whole number from 1 to 5", "invalid_field")
    comment = optional_string(body, "comment", limit=operations.RATING_COMMENT_MAX) or ""
    reasons = body.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise Malformed("reasons must be a list of strings", "invalid_field")
    token = body.get("token")
    at = now()
    with database().read() as session:
        held = session.get(Ticket, ticket_id)
        by_holder = held is not None and is_holder(held, token)
    if by_holder:
        actor = Actor("public")
    else:
        # The counter's rating tablet: staff of the ticket's office.
        principal = current_principal()
        if principal is None or held is None:
            raise NotFound("no such ticket", "ticket_not_found")
        principal = require("clerk")
        check_office(principal, held.office_id)
        actor = principal.actor

    def work(session: Session) -> dict[str, Any]:
        rating = operations.rate(
            session, ticket_id, score, at, actor, reasons=reasons, comment=comment
        )
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return {
            "rating": {
                "ticket": ticket_id,
                "score": rating.score,
                "reasons": rating.reasons,
                "comment": rating.comment,
            },
            "ticket": _ticket_json(session, ticket),
        }

    return jsonify(write(work)), 201


@bp.get("/queue")
def get_queue() -> Response:
    with database().read() as session:
        office = resolve_office(session, office_param(), None)
        state = queue_state(session, office, now(), status_url)
        return jsonify(state if _is_staff_of(office.id) else public_state(state))


def report_range(office: Office) -> tuple[date, date]:
    """``from`` and ``to`` of a report request: the office's today by default."""
    today = service_day(now(), office.timezone)
    return reports.report_range(request.args.get("from"), request.args.get("to"), today)


@bp.get("/reports/summary")
def report_summary() -> Response:
    principal = require("manager")
    with database().read() as session:
        office = resolve_office(session, office_param(), principal)
        date_from, date_to = report_range(office)
        return jsonify(reports.summary(session, office, date_from, date_to))


@bp.get("/reports/offices")
def report_offices() -> Response:
    """Offices side by side: a supervisor's own, or an administrator's."""
    principal = require(office_comparison.COMPARING_ROLE)
    with database().read() as session:
        _offices, body = office_comparison.compare(
            session,
            principal,
            request.args.get("offices"),
            request.args.get("from"),
            request.args.get("to"),
        )
    return jsonify(body)


@bp.get("/reports/tickets.csv")
def report_tickets_csv() -> Response:
    principal = require("manager")
    with database().read() as session:
        office = resolve_office(session, office_param(), principal)
        date_from, date_to = report_range(office)
        body = reports.tickets_csv(session, office, date_from, date_to)
    filename = f"luot-{office.code}-{date_from}-{date_to}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

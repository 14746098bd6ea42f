"""The clerk's counter terminal, the counter screen and the rating tablet.

- ``/login``, ``/logout``: a clerk's session (Flask-Login), forms with CSRF;
- ``/counter/choose``: the clerk picks the counter of this terminal, kept in
  the session as ``counter_id`` (the ``/counter`` namespace holds every
  logged-in terminal to it);
- ``/counter``: the terminal; its actions go over the ``/counter`` Socket.IO
  namespace (:mod:`counter.sockets`), its lists come from the JSON views here;
- ``/counter/<id>/screen``: the public page of the small monitor above the
  counter; ``/counter/<id>/rate``: the tablet facing the citizen, signed in
  by a clerk of the office (it rates as staff).
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing import accounts, clerks, operations
from queueing.errors import NotAllowed, NotAuthenticated, NotFound
from queueing.models import (
    ROLE_ADMIN,
    ROLE_MANAGER,
    ROLE_SUPERVISOR,
    Counter,
    Office,
    Service,
    User,
)
from queueing.queries import active_services, counters_of, iso
from web.access import (
    CHOSEN_COUNTER_KEY,
    LoginUser,
    Principal,
    check_office,
    require,
    visible_offices,
)
from web.context import database, now, write
from web.extensions import limiter
from web.rate_limits import setting_limit

from .forms import ChooseCounterForm, LoginForm, LogoutForm

bp = Blueprint("counter", __name__)

#: Seconds the rating tablet waits for a rating before going back to idle.
RATING_TIMEOUT_SECONDS = 30
#: Seconds the thanks stay on the tablet.
THANKS_SECONDS = 6


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _login_redirect() -> BaseResponse:
    path = request.full_path if request.query_string else request.path
    return redirect(url_for("counter.login", next=path))


def _logged_in_principal() -> Principal | None:
    if not current_user.is_authenticated:
        return None
    principal: Principal = current_user.principal()
    return principal if principal.allows("clerk") else None


def _chosen_counter(session: Session, principal: Principal) -> Counter | None:
    counter_id = _session_counter_id()
    if counter_id is None:
        return None
    counter = session.get(Counter, counter_id)
    if counter is None or not principal.works_in(counter.office_id):
        return None
    return counter


def _session_counter_id() -> int | None:
    value = session.get(CHOSEN_COUNTER_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- logging in and out ---------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    setting_limit("LUOT_LOGIN_RATE_LIMIT"),
    methods=["POST"],
    # Only failed attempts count: a clerk logging in many times is no attack.
    deduct_when=lambda response: response.status_code != 302,
)
def login() -> str | BaseResponse:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        principal = _logged_in_principal()
        if principal is not None:
            return redirect(form.next.data or _landing(principal.role))
    error = None
    if form.validate_on_submit():
        with database().read() as db_session:
            user = accounts.authenticate(db_session, form.username.data or "", form.password.data)
            scope = accounts.office_scope(db_session, user) if user is not None else None
        if user is not None:
            login_user(LoginUser(user, scope))
            # Another clerk's choice of counter does not carry over.
            session.pop(CHOSEN_COUNTER_KEY, None)
            return redirect(safe_next(form.next.data) or _landing(user.role))
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
    elif request.method == "POST":
        error = _("Vui lòng nhập tên đăng nhập và mật khẩu.")
    return render_template("counter/login.html", form=form, error=error)


def _landing(role: str) -> str:
    """Where each role works: a clerk at a counter, a manager at the board,
    a supervisor at the comparison of their offices, an administrator in the
    admin screens."""
    if role == ROLE_ADMIN:
        return url_for("admin.home")
    if role == ROLE_SUPERVISOR:
        return url_for("comparison.offices_page")
    if role == ROLE_MANAGER:
        return url_for("manager.board_page")
    return url_for("counter.terminal")


@bp.post("/logout")
def logout() -> BaseResponse:
    """Signing out leaves the counter: open, it pauses; either way it is
    free for another clerk, and no longer counted as capacity."""
    form = LogoutForm()
    if form.validate_on_submit():
        principal = _logged_in_principal()
        counter_id = _session_counter_id()
        if principal is not None and counter_id is not None:
            actor = principal.actor
            at = now()
            with contextlib.suppress(NotFound):
                write(lambda db: operations.leave_counter(db, counter_id, at, actor))
        logout_user()
        session.pop(CHOSEN_COUNTER_KEY, None)
    return redirect(url_for("counter.login"))


# -- choosing the counter ---------------------------------------------------------


@bp.route("/counter/choose", methods=["GET", "POST"])
def choose() -> str | BaseResponse:
    principal = _logged_in_principal()
    if principal is None:
        return _login_redirect()
    form = ChooseCounterForm()
    error = None
    with database().read() as db_session:
        if form.validate_on_submit():
            counter = db_session.get(Counter, form.counter.data)
            if counter is not None and principal.works_in(counter.office_id):
                holder = _other_holder(db_session, counter, principal)
                if holder is not None and form.take_over.data != "yes":
                    return render_template(
                        "counter/take_over.html",
                        form=form,
                        counter=counter,
                        holder=holder,
                    )
                actor = principal.actor
                at = now()
                write(lambda db: operations.take_counter(db, counter.id, at, actor))
                session[CHOSEN_COUNTER_KEY] = counter.id
                return redirect(url_for("counter.terminal"))
            error = _("Quầy này không thuộc đơn vị của bạn.")
        offices = sorted(visible_offices(db_session, principal), key=lambda each: each.code)
        choices = [
            {"office": each, "counters": _counter_choices(db_session, each)} for each in offices
        ]
    return render_template(
        "counter/choose.html",
        form=form,
        choices=choices,
        chosen=_session_counter_id(),
        error=error,
    )


def _other_holder(db_session: Session, counter: Counter, principal: Principal) -> str | None:
    """The name of another clerk who holds the counter, else None."""
    if counter.clerk_id is None or counter.clerk_id == principal.id:
        return None
    clerk = db_session.get(User, counter.clerk_id)
    return (clerk.display_name or clerk.username) if clerk is not None else None


def _counter_choices(db_session: Session, office: Office) -> list[dict[str, Any]]:
    rows = []
    for counter in counters_of(db_session, office.id):
        clerk = db_session.get(User, counter.clerk_id) if counter.clerk_id else None
        rows.append(
            {
                "id": counter.id,
                "number": counter.number,
                "name": counter.name,
                "state": counter.state,
                "clerk": (clerk.display_name or clerk.username) if clerk else "",
            }
        )
    return rows


# -- the terminal -------------------------------------------------------------------


def _terminal_texts() -> dict[str, Any]:
    """Every word the terminal's script shows, in the page's language."""
    return {
        "counter_states": {
            "open": _("Đang mở"),
            "paused": _("Tạm dừng"),
            "closed": _("Đã đóng"),
        },
        "ticket_states": {
            "called": _("Đã gọi"),
            "serving": _("Đang phục vụ"),
        },
        "call_count": _("Lần gọi: %(count)s", count="{count}"),
        "minutes": _("%(minutes)s phút", minutes="{minutes}"),
        "nobody_waiting": _("Không có công dân nào đang chờ."),
        "no_ticket": _("Chưa gọi số nào."),
        "called": _("Đã gọi số %(code)s.", code="{code}"),
        "recalled": _("Đã gọi lại số %(code)s.", code="{code}"),
        "started": _("Bắt đầu phục vụ số %(code)s.", code="{code}"),
        "finished": _("Đã hoàn thành số %(code)s.", code="{code}"),
        "no_show": _("Số %(code)s vắng mặt.", code="{code}"),
        "parked": _("Đã tạm giữ số %(code)s.", code="{code}"),
        "transferred": _("Đã chuyển số %(code)s.", code="{code}"),
        "returned": _("Số %(code)s đã trở lại hàng chờ.", code="{code}"),
        "opened": _("Quầy đã mở."),
        "paused": _("Quầy tạm dừng."),
        "closed": _("Quầy đã đóng."),
        "not_now": _("Thao tác này chưa thực hiện được lúc này."),
        "no_show_needs_recall": _(
            "Cần gọi lại %(count)s lần trước khi đánh vắng mặt.", count="{count}"
        ),
        "no_returnable": _("Không có số vắng mặt nào để trả lại hàng chờ."),
        "offline": _("Mất kết nối với máy chủ. Thao tác chưa được thực hiện."),
        "failed": _("Không thực hiện được: %(message)s", message="{message}"),
        "call": _("Gọi"),
        "return": _("Trả lại hàng chờ"),
        "priority": _("Ưu tiên"),
        # A ticket checked in from a booking (short: it is a badge).
        "booking": _("Hẹn"),
        "transferred_here": _("Chuyển đến quầy này"),
        "empty": _("Không có"),
        "errors": {
            "counter_busy": _("Hãy hoàn thành, tạm giữ hoặc đánh vắng mặt số hiện tại trước."),
            "no_current_ticket": _("Quầy chưa có số nào đang phục vụ."),
            "wrong_ticket_state": _("Số này không còn ở trạng thái cho phép thao tác đó."),
            "recall_limit_not_reached": _("Cần gọi lại thêm trước khi đánh vắng mặt."),
            "counter_not_open": _("Quầy đang không mở. Hãy mở quầy trước."),
            "counter_closed": _("Quầy đã đóng. Hãy mở quầy trước."),
            "service_not_served": _("Quầy này không phục vụ lĩnh vực của số đó."),
            "reserved_elsewhere": _("Số này đã được chuyển cho quầy khác."),
            "return_window_passed": _("Đã quá thời gian cho phép trả lại hàng chờ."),
            "ticket_expired": _("Số này thuộc ngày làm việc trước."),
            "transfer_target": _("Hãy chọn một lĩnh vực hoặc một quầy khác để chuyển."),
            "unknown_service": _("Không có lĩnh vực này."),
            "unknown_counter": _("Không có quầy này."),
            "service_inactive": _("Lĩnh vực này hiện không tiếp nhận."),
            "other_counter": _("Máy này đang làm việc cho quầy khác."),
            "other_office": _("Quầy này thuộc đơn vị khác."),
            "unauthorized": _("Phiên đăng nhập đã hết. Vui lòng đăng nhập lại."),
            "forbidden": _("Tài khoản không có quyền thực hiện thao tác này."),
            "counter_not_found": _("Không tìm thấy quầy."),
            "ticket_not_found": _("Không tìm thấy số thứ tự."),
            "database_busy": _("Hệ thống đang bận. Vui lòng thử lại."),
            "reason_too_long": _("Lý do quá dài."),
            "counter_taken": _("Quầy này đã được cán bộ khác nhận."),
            "no_open_counter": _("Chưa có quầy nào đang mở cho lĩnh vực này."),
        },
        "counter_taken": _("Quầy này đã được cán bộ khác nhận. Vui lòng chọn quầy khác."),
    }


@bp.get("/counter")
def terminal() -> str | BaseResponse:
    principal = _logged_in_principal()
    if principal is None:
        return _login_redirect()
    with database().read() as db_session:
        counter = _chosen_counter(db_session, principal)
        if counter is None:
            return redirect(url_for("counter.choose"))
        office = db_session.get(Office, counter.office_id)
        assert office is not None
        services = active_services(db_session, office.id)
        others = [c for c in counters_of(db_session, office.id) if c.id != counter.id]
        config = {
            "office": office.code,
            "counter": {"id": counter.id, "number": counter.number, "name": counter.name},
            "recallLimit": office.recall_limit,
            "clerkId": principal.id,
            "beatSeconds": operations.TERMINAL_BEAT_SECONDS,
            "serverNow": iso(now(), office.timezone),
            "urls": {
                "waiting": url_for("counter.waiting", counter_id=counter.id),
                "today": url_for("counter.today", counter_id=counter.id),
                "login": url_for("counter.login", next=url_for("counter.terminal")),
                "choose": url_for("counter.choose"),
            },
            "texts": _terminal_texts(),
        }
        return render_template(
            "counter/terminal.html",
            office=office,
            counter=counter,
            services=services,
            other_counters=others,
            clerk_name=principal.name,
            show_name=_shows_name(counter),
            config=config,
        )


def _shows_name(counter: Counter) -> bool:
    """Whether a page shows the counter's name beside its number: the usual
    name ("Quầy số 3") only repeats the number."""
    return bool(counter.name) and counter.name != f"Quầy số {counter.number}"


def _counter_for(db_session: Session, counter_id: int, principal: Principal) -> Counter:
    counter = db_session.get(Counter, counter_id)
    if counter is None:
        raise NotFound("no such counter", "counter_not_found")
    check_office(principal, counter.office_id)
    return counter


@bp.get("/counter/<int:counter_id>/waiting.json")
def waiting(counter_id: int) -> Response:
    """The counter's line in call order, and the tickets set aside there."""
    principal = require("clerk")
    at = now()
    with database().read() as db_session:
        counter = _counter_for(db_session, counter_id, principal)
        office = db_session.get(Office, counter.office_id)
        assert office is not None
        line = clerks.counter_line(db_session, counter, at)
        aside = clerks.set_aside(db_session, counter, at)
        services = {
            service.code: service
            for service in db_session.query(Service).filter_by(office_id=office.id)
        }

        def listed(tickets: list[clerks.LineTicket]) -> list[dict[str, Any]]:
            return [
                {
                    **ticket.as_dict(office.timezone, at),
                    "service_name": services[ticket.service].name,
                    "service_name_en": services[ticket.service].name_en,
                }
                for ticket in tickets
            ]

        return jsonify(
            {
                "counter": counter.id,
                "waiting": listed(line),
                "parked": listed(aside["parked"]),
                "no_shows": listed(aside["no_shows"]),
                "generated_at": iso(at, office.timezone),
            }
        )


@bp.get("/counter/<int:counter_id>/today.json")
def today(counter_id: int) -> Response:
    """The logged-in clerk's own figures of today, in the counter's office."""
    principal = require("clerk")
    if principal.kind != "user":
        raise NotAllowed("figures of today belong to a logged-in clerk", "not_a_clerk")
    with database().read() as db_session:
        counter = _counter_for(db_session, counter_id, principal)
        office = db_session.get(Office, counter.office_id)
        assert office is not None
        figures = clerks.clerk_figures(db_session, office, principal.id, now())
        return jsonify(figures.as_dict())


# -- the public pages of a counter ----------------------------------------------------


def _public_counter(db_session: Session, counter_id: int) -> tuple[Counter, Office]:
    counter = db_session.get(Counter, counter_id)
    if counter is None:
        raise NotFound("no such counter", "counter_not_found")
    office = db_session.get(Office, counter.office_id)
    assert office is not None
    return counter, office


@bp.get("/counter/<int:counter_id>/screen")
def screen(counter_id: int) -> str:
    """The small monitor above the counter: the number served there."""
    with database().read() as db_session:
        counter, office = _public_counter(db_session, counter_id)
        config = {
            "office": office.code,
            "counter": counter.id,
            "flashSeconds": 10,
            "texts": {
                "paused": _("Tạm dừng"),
                "closed": _("Đã đóng"),
                "nobody": "—",
            },
        }
        return render_template(
            "counter/screen.html", counter=counter, config=config, show_name=_shows_name(counter)
        )


@bp.get("/counter/<int:counter_id>/rate/csrf")
def rate_csrf(counter_id: int) -> Response:
    """A fresh CSRF token for the tablet's next rating: the page stays open
    all day, longer than a token lives."""
    principal = _logged_in_principal()
    if principal is None:
        raise NotAuthenticated("log in", "unauthorized")
    with database().read() as db_session:
        _counter, office = _public_counter(db_session, counter_id)
        check_office(principal, office.id)
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/counter/<int:counter_id>/rate")
def rate(counter_id: int) -> str | BaseResponse:
    """The tablet facing the citizen: a rating after each finished ticket.

    It rates as the office's staff (only a ticket's holder rates anonymously),
    so a clerk of the office signs it in once.
    """
    principal = _logged_in_principal()
    if principal is None:
        return _login_redirect()
    with database().read() as db_session:
        counter, office = _public_counter(db_session, counter_id)
        check_office(principal, office.id)
        config = {
            "office": office.code,
            "counter": counter.id,
            "ratingUrl": "/api/v1/tickets/{id}/rating",
            "csrfUrl": url_for("counter.rate_csrf", counter_id=counter.id),
            "timeoutSeconds": RATING_TIMEOUT_SECONDS,
            "thanksSeconds": THANKS_SECONDS,
            "texts": {
                "send_failed": _("Chưa gửi được đánh giá. Vui lòng thử lại."),
            },
        }
        return render_template("counter/rate.html", counter=counter, config=config)

"""The administrator's screens: every setting of an office, without files.

Each form posts to its own page; a valid form runs one use case of
:mod:`queueing.settings` in one transaction, which logs who changed what and
makes the screens of the office update at once. Installation-wide
administrators pick the office with ``?office=CODE``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

import printing
from queueing import accounts, reports, settings
from queueing.errors import Invalid, NotAllowed, NotFound
from queueing.models import (
    ROLE_ADMIN,
    ROLE_SUPERVISOR,
    ApiToken,
    Counter,
    Display,
    Event,
    Kiosk,
    Office,
    Service,
    User,
    UserOffice,
)
from queueing.rules import service_day
from web.access import chosen_office, page, principal, visible_offices
from web.context import database, now, write

from .common import bp, go, office_of_page, render, save
from .forms import (
    BUNDLED_VOICE_CHOICE,
    PERIODS,
    ROLE_CHOICES,
    ConfirmForm,
    CounterForm,
    DisplayForm,
    KioskForm,
    OfficeCreateForm,
    OfficeForm,
    PasswordForm,
    ServiceForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)

#: Event kinds written by the admin screens, listed by the audit view.
ADMIN_EVENTS = (
    "office_created",
    "office_updated",
    "service_created",
    "service_updated",
    "counter_created",
    "counter_updated",
    "user_created",
    "user_updated",
    "user_activated",
    "user_deactivated",
    "password_reset",
    "token_created",
    "token_revoked",
    "kiosk_created",
    "kiosk_updated",
    "display_created",
    "display_updated",
    "test_printed",
    "test_print_failed",
    "voice_recorded",
    "voice_discarded",
    "voice_published",
    "voice_withdrawn",
)
AUDIT_PAGE = 200
#: "All offices" in the office choice of users and tokens.
EVERY_OFFICE = ""


def event_names() -> dict[str, str]:
    return {
        "office_created": _("Tạo đơn vị"),
        "office_updated": _("Sửa cài đặt đơn vị"),
        "service_created": _("Thêm lĩnh vực"),
        "service_updated": _("Sửa lĩnh vực"),
        "counter_created": _("Thêm quầy"),
        "counter_updated": _("Sửa quầy"),
        "user_created": _("Thêm người dùng"),
        "user_updated": _("Sửa người dùng"),
        "user_activated": _("Mở khóa người dùng"),
        "user_deactivated": _("Khóa người dùng"),
        "password_reset": _("Đặt lại mật khẩu"),
        "token_created": _("Tạo mã truy cập API"),
        "token_revoked": _("Thu hồi mã truy cập API"),
        "kiosk_created": _("Thêm kiosk"),
        "kiosk_updated": _("Sửa kiosk"),
        "display_created": _("Thêm màn hình"),
        "display_updated": _("Sửa màn hình"),
        "test_printed": _("In thử"),
        "test_print_failed": _("In thử không được"),
        "voice_recorded": _("Ghi âm giọng đọc"),
        "voice_discarded": _("Bỏ bản nháp giọng đọc"),
        "voice_published": _("Phát hành giọng đọc"),
        "voice_withdrawn": _("Gỡ giọng đọc đã phát hành"),
    }


@bp.app_template_filter("localtime")
def localtime_filter(moment: datetime | None, office: Office) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(office.timezone)).strftime("%d/%m/%Y %H:%M:%S")


@bp.app_template_filter("audit_value")
def audit_value_filter(value: Any) -> str:
    """A logged value as short text (the template escapes it)."""
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, str):
        return value if len(value) <= 120 else value[:119] + "…"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:159] + "…"


@bp.app_context_processor
def admin_context() -> dict[str, Any]:
    if request.blueprint != "admin":
        return {}
    return {"event_names": event_names()}


# -- overview -----------------------------------------------------------------------------


@bp.get("/")
@page("admin")
def home() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        counts = {
            "services": session.scalar(
                select(func.count(Service.id)).where(Service.office_id == office.id)
            ),
            "counters": session.scalar(
                select(func.count(Counter.id)).where(Counter.office_id == office.id)
            ),
            "users": session.scalar(
                select(func.count(User.id)).where(
                    or_(User.office_id == office.id, User.office_id.is_(None))
                )
            ),
            "kiosks": session.scalar(
                select(func.count(Kiosk.id)).where(Kiosk.office_id == office.id)
            ),
            "displays": session.scalar(
                select(func.count(Display.id)).where(Display.office_id == office.id)
            ),
            "tokens": session.scalar(
                select(func.count(ApiToken.id)).where(
                    ApiToken.revoked_at.is_(None),
                    or_(ApiToken.office_id == office.id, ApiToken.office_id.is_(None)),
                )
            ),
        }
        return render("admin/home.html", session, office, counts=counts)


# -- offices -------------------------------------------------------------------------------


def _office_form_values(form: OfficeForm) -> dict[str, Any]:
    hours: dict[str, list[list[str]]] = {}
    for day in range(7):
        for period in range(1, PERIODS + 1):
            start = form[f"day{day}_p{period}_start"].data
            end = form[f"day{day}_p{period}_end"].data
            if start or end:
                hours.setdefault(str(day), []).append([start or "", end or ""])
    holidays = [line.strip() for line in (form.holidays.data or "").splitlines() if line.strip()]
    return {
        "name": form.name.data,
        "name_en": form.name_en.data or "",
        "address": (form.address.data or "").strip(),
        "timezone": (form.timezone.data or "").strip(),
        "opening_hours": hours,
        "holidays": holidays,
        "ticker_message": form.ticker_message.data or "",
        "priority_ratio": form.priority_ratio.data,
        "recall_limit": form.recall_limit.data,
        "no_show_return_minutes": form.no_show_return_minutes.data,
        "is_transfer_to_head": bool(form.is_transfer_to_head.data),
        "default_service_seconds": form.default_service_seconds.data,
        "pause_alert_minutes": form.pause_alert_minutes.data,
        "terminal_grace_minutes": form.terminal_grace_minutes.data,
        "is_issuing_without_counter": bool(form.is_issuing_without_counter.data),
        "booking_horizon_days": form.booking_horizon_days.data,
        "check_in_early_minutes": form.check_in_early_minutes.data,
        "check_in_late_minutes": form.check_in_late_minutes.data,
        "is_one_booking_per_phone": bool(form.is_one_booking_per_phone.data),
        "service_starts_at": form.service_starts_at.data,
    }


def _fill_office_form(form: OfficeForm, office: Office) -> None:
    for name in (
        "name",
        "name_en",
        "address",
        "timezone",
        "ticker_message",
        "priority_ratio",
        "recall_limit",
        "no_show_return_minutes",
        "is_transfer_to_head",
        "default_service_seconds",
        "pause_alert_minutes",
        "terminal_grace_minutes",
        "is_issuing_without_counter",
        "booking_horizon_days",
        "check_in_early_minutes",
        "check_in_late_minutes",
        "is_one_booking_per_phone",
        "service_starts_at",
    ):
        form[name].data = getattr(office, name)
    form.holidays.data = "\n".join(office.holidays or [])
    for day, periods in (office.opening_hours or {}).items():
        for index, (start, end) in enumerate(periods[:PERIODS], start=1):
            form[f"day{day}_p{index}_start"].data = start
            form[f"day{day}_p{index}_end"].data = end


@bp.route("/office", methods=["GET", "POST"])
@page("admin")
def office_settings() -> str | BaseResponse:
    office, _offices = office_of_page()
    form = OfficeForm()
    error = None
    if form.validate_on_submit():
        values = _office_form_values(form)
        actor, at = principal().actor, now()
        _result, error = save(
            lambda session: settings.update_office(session, office.id, values, at, actor)
        )
        if error is None:
            flash(_("Đã lưu cài đặt của đơn vị."), "success")
            return go("admin.office_settings", office)
    elif request.method == "GET":
        _fill_office_form(form, office)
    with database().read() as session:
        return render("admin/office.html", session, office, form=form, error=error)


@bp.route("/offices/new", methods=["GET", "POST"])
@page("admin")
def office_new() -> str | BaseResponse:
    if principal().office_id is not None:
        raise NotAllowed("only an administrator of every office creates offices", "forbidden")
    office, _offices = office_of_page()
    form = OfficeCreateForm()
    error = None
    if form.validate_on_submit():
        fields = {
            "code": form.code.data,
            "name": form.name.data,
            "name_en": form.name_en.data or "",
            "timezone": (form.timezone.data or "").strip(),
        }
        actor, at = principal().actor, now()
        created, error = save(lambda session: settings.create_office(session, fields, at, actor))
        if created is not None:
            flash(_("Đã tạo đơn vị %(name)s.", name=created.name), "success")
            return go("admin.office_settings", created)
    with database().read() as session:
        return render("admin/office_new.html", session, office, form=form, error=error)


# -- services -----------------------------------------------------------------------------

SERVICE_FORM_FIELDS = (
    "code",
    "name",
    "name_en",
    "prefix",
    "number_start",
    "number_end",
    "is_number_wrapping",
    "daily_cap",
    "issue_from",
    "issue_until",
    "target_wait_minutes",
    "description",
    "description_en",
    "documents",
    "documents_en",
    "group_name",
    "group_name_en",
    "sort_order",
    "is_active",
    "slot_minutes",
    "slot_capacity",
)


def _service_values(form: ServiceForm) -> dict[str, Any]:
    values = {name: form[name].data for name in SERVICE_FORM_FIELDS}
    values["prefix"] = (values["prefix"] or "").upper()
    values["is_number_wrapping"] = bool(values["is_number_wrapping"])
    values["is_active"] = bool(values["is_active"])
    values["issue_from"] = values["issue_from"] or None
    values["issue_until"] = values["issue_until"] or None
    for text in (
        "name_en",
        "description",
        "description_en",
        "documents",
        "documents_en",
        "group_name",
        "group_name_en",
    ):
        values[text] = values[text] or ""
    if values["sort_order"] is None:
        values.pop("sort_order")
    return values


def _unserved_warning(name: str) -> str:
    """Said when a service is created (no counter serves it yet), and on the
    list for every active service that no counter serves."""
    return _(
        "Chưa có quầy nào phục vụ lĩnh vực %(name)s: hãy gán lĩnh vực cho ít nhất một quầy "
        "(mục Quầy), nếu không máy lấy số sẽ không phát số cho lĩnh vực này.",
        name=name,
    )


@bp.get("/services")
@page("admin")
def services() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(Service)
            .where(Service.office_id == office.id)
            .order_by(Service.sort_order, Service.id)
        ).all()
        unserved = settings.services_without_counter(session, office.id)
        warnings = [_unserved_warning(row.name) for row in rows if row.id in unserved]
        return render(
            "admin/services.html",
            session,
            office,
            services=rows,
            unserved=unserved,
            warnings=warnings,
        )


@bp.route("/services/new", methods=["GET", "POST"])
@page("admin")
def service_new() -> str | BaseResponse:
    office, _offices = office_of_page()
    form = ServiceForm()
    error = None
    if form.validate_on_submit():
        values = _service_values(form)
        actor, at = principal().actor, now()
        created, error = save(
            lambda session: settings.create_service(session, office.id, values, at, actor)
        )
        if created is not None:
            flash(_("Đã thêm lĩnh vực %(name)s.", name=created.name), "success")
            flash(_unserved_warning(created.name), "warning")
            return go("admin.services", office)
    with database().read() as session:
        return render(
            "admin/service_form.html", session, office, form=form, error=error, service=None
        )


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@page("admin")
def service_edit(service_id: int) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        service = session.get(Service, service_id)
        if service is None or service.office_id != office.id:
            raise NotFound("no such service in this office", "service_not_found")
    form = ServiceForm(obj=service if request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        values = _service_values(form)
        actor, at = principal().actor, now()
        _result, error = save(
            lambda session: settings.update_service(
                session, office.id, service_id, values, at, actor
            )
        )
        if error is None:
            flash(_("Đã lưu lĩnh vực %(name)s.", name=values["name"]), "success")
            return go("admin.services", office)
    with database().read() as session:
        return render(
            "admin/service_form.html", session, office, form=form, error=error, service=service
        )


# -- counters ------------------------------------------------------------------------------


def _preferences(services: list[Service]) -> tuple[list[tuple[int, int]], str | None]:
    pairs = []
    for service in services:
        raw = request.form.get(f"preference_{service.id}", "0")
        if not raw.isdigit() or int(raw) > 9:
            return [], _("Mức ưu tiên của lĩnh vực phải từ 0 đến 9.")
        if int(raw) > 0:
            pairs.append((service.id, int(raw)))
    return pairs, None


def _office_services(session: Session, office: Office) -> list[Service]:
    return list(
        session.scalars(
            select(Service)
            .where(Service.office_id == office.id)
            .order_by(Service.sort_order, Service.id)
        )
    )


@bp.get("/counters")
@page("admin")
def counters() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
        ).all()
        names = {service.id: service for service in _office_services(session, office)}
        return render("admin/counters.html", session, office, counters=rows, names=names)


def _counter_page(counter_id: int | None) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        counter = session.get(Counter, counter_id) if counter_id is not None else None
        if counter_id is not None and (counter is None or counter.office_id != office.id):
            raise NotFound("no such counter in this office", "counter_not_found")
        office_services = _office_services(session, office)
        current = (
            {link.service_id: link.preference for link in counter.service_links} if counter else {}
        )
    form = CounterForm(obj=counter if request.method == "GET" else None)
    error = None
    if request.method == "POST":
        current = {}
        pairs, error = _preferences(office_services)
        current = dict(pairs)
        if form.validate_on_submit() and error is None:
            fields = {"number": form.number.data, "name": form.name.data or "", "services": pairs}
            actor, at = principal().actor, now()
            if counter_id is None:
                _result, error = save(
                    lambda session: settings.create_counter(session, office.id, fields, at, actor)
                )
            else:
                _result, error = save(
                    lambda session: settings.update_counter(
                        session, office.id, counter_id, fields, at, actor
                    )
                )
            if error is None:
                flash(_("Đã lưu quầy số %(number)s.", number=fields["number"]), "success")
                return go("admin.counters", office)
    with database().read() as session:
        return render(
            "admin/counter_form.html",
            session,
            office,
            form=form,
            error=error,
            counter=counter,
            services=office_services,
            preferences=current,
        )


@bp.route("/counters/new", methods=["GET", "POST"])
@page("admin")
def counter_new() -> str | BaseResponse:
    return _counter_page(None)


@bp.route("/counters/<int:counter_id>", methods=["GET", "POST"])
@page("admin")
def counter_edit(counter_id: int) -> str | BaseResponse:
    return _counter_page(counter_id)


# -- users ---------------------------------------------------------------------------------


def _office_choices(session: Session) -> list[SelectChoice]:
    offices = visible_offices(session, principal())
    choices = [SelectChoice(office.code, office.name) for office in offices]
    if principal().office_id is None:
        choices.append(SelectChoice(EVERY_OFFICE, _("Mọi đơn vị (chỉ cho quản trị hệ thống)")))
    return choices


def _office_id(session: Session, code: str | None) -> int | None:
    if not code:
        if principal().office_id is not None:
            raise NotAllowed("only an administrator of every office does this", "forbidden")
        return None
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None or not principal().works_in(office.id):
        raise Invalid("no such office", "office_not_found")
    return int(office.id)


def _prepare_user_form(session: Session, form: UserCreateForm | UserEditForm) -> None:
    """The choices of a user's form: one office for most roles, the offices
    ticked for a supervisor. Only an administrator of every office makes
    supervisors: their offices reach beyond any one office."""
    form.office.choices = _office_choices(session)
    form.offices.choices = [
        SelectChoice(each.id, f"{each.name} ({each.code})")
        for each in visible_offices(session, principal())
    ]
    if not principal().is_installation_wide:
        form.role.choices = [choice for choice in ROLE_CHOICES if choice.value != ROLE_SUPERVISOR]


def _role_fields(session: Session, form: UserCreateForm | UserEditForm) -> dict[str, Any]:
    """The role and office(s) of a valid user form, as the use case takes them."""
    if form.role.data == ROLE_SUPERVISOR:
        return {"role": ROLE_SUPERVISOR, "office_id": None, "office_ids": list(form.offices.data)}
    return {
        "role": form.role.data,
        "office_id": _office_id(session, form.office.data),
        "office_ids": [],
    }


def _fill_user_form(session: Session, form: UserEditForm, user: User) -> None:
    """The user's office, or a supervisor's offices, ticked as they are."""
    user_office = session.get(Office, user.office_id) if user.office_id else None
    form.office.data = user_office.code if user_office else EVERY_OFFICE
    form.offices.data = sorted(accounts.assigned_offices(session, user.id))


def _supervised_offices(session: Session, user_ids: list[int]) -> dict[int, list[Office]]:
    """Each supervisor's offices, by user id."""
    found: dict[int, list[Office]] = {user_id: [] for user_id in user_ids}
    rows = session.execute(
        select(UserOffice.user_id, Office)
        .join(Office, Office.id == UserOffice.office_id)
        .where(UserOffice.user_id.in_(user_ids))
        .order_by(Office.code)
    )
    for user_id, office in rows:
        found[user_id].append(office)
    return found


def _visible_user(session: Session, user_id: int, office: Office) -> User:
    user = session.get(User, user_id)
    if user is None or user.office_id not in (None, office.id):
        raise NotFound("no such user", "user_not_found")
    if user.office_id is None and principal().office_id is not None:
        raise NotAllowed("this user belongs to every office", "forbidden")
    return user


@bp.get("/users")
@page("admin")
def users() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(User)
            .where(or_(User.office_id == office.id, User.office_id.is_(None)))
            .order_by(User.is_active.desc(), User.role, User.username)
        ).all()
        supervised = _supervised_offices(
            session, [user.id for user in rows if user.role == ROLE_SUPERVISOR]
        )
        if not principal().is_installation_wide:
            # An office's administrator sees the supervisors of their office.
            rows = [
                user
                for user in rows
                if user.role != ROLE_SUPERVISOR
                or any(each.id == office.id for each in supervised[user.id])
            ]
        return render("admin/users.html", session, office, users=rows, supervised=supervised)


@bp.route("/users/new", methods=["GET", "POST"])
@page("admin")
def user_new() -> str | BaseResponse:
    office, _offices = office_of_page()
    form = UserCreateForm()
    with database().read() as session:
        _prepare_user_form(session, form)
    if request.method == "GET":
        form.office.data = office.code
    error = None
    if form.validate_on_submit():
        actor, at = principal().actor, now()

        def work(session: Session) -> User:
            fields = {
                "username": form.username.data,
                "password": form.password.data,
                **_role_fields(session, form),
                "display_name": form.display_name.data or "",
            }
            return settings.create_user(session, office.id, fields, at, actor)

        created, error = save(work)
        if created is not None:
            flash(_("Đã tạo tài khoản %(name)s.", name=created.username), "success")
            return go("admin.users", office)
    with database().read() as session:
        return render("admin/user_form.html", session, office, form=form, error=error, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@page("admin")
def user_edit(user_id: int) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        user = _visible_user(session, user_id, office)
        form = UserEditForm(obj=user if request.method == "GET" else None)
        _prepare_user_form(session, form)
        if request.method == "GET":
            _fill_user_form(session, form, user)
    error = None
    if form.validate_on_submit():
        actor, at = principal().actor, now()

        def work(session: Session) -> User:
            fields = {
                "display_name": form.display_name.data,
                **_role_fields(session, form),
                "is_active": bool(form.is_active.data),
            }
            return settings.update_user(session, office.id, user_id, fields, at, actor)

        _result, error = save(work)
        if error is None:
            flash(_("Đã lưu tài khoản %(name)s.", name=user.username), "success")
            return go("admin.users", office)
    with database().read() as session:
        return render(
            "admin/user_form.html",
            session,
            office,
            form=form,
            error=error,
            user=user,
            password_form=PasswordForm(formdata=None),
        )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@page("admin")
def user_password(user_id: int) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        user = _visible_user(session, user_id, office)
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        actor, at, password = principal().actor, now(), form.password.data or ""
        _result, error = save(
            lambda session: settings.reset_password(
                session, office.id, user_id, password, at, actor
            )
        )
        if error is None:
            flash(_("Đã đặt lại mật khẩu cho %(name)s.", name=user.username), "success")
            return go("admin.users", office)
    with database().read() as session:
        edit = UserEditForm(obj=user)
        _prepare_user_form(session, edit)
        _fill_user_form(session, edit, user)
        return render(
            "admin/user_form.html",
            session,
            office,
            form=edit,
            error=error,
            user=user,
            password_form=form,
        )


# -- API tokens ----------------------------------------------------------------------------


def _tokens_page(form: TokenForm, error: str | None = None, created: str | None = None) -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(ApiToken)
            .where(or_(ApiToken.office_id == office.id, ApiToken.office_id.is_(None)))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        ).all()
        return render(
            "admin/tokens.html",
            session,
            office,
            form=form,
            tokens=rows,
            error=error,
            created=created,
            revoke_form=ConfirmForm(formdata=None),
        )


@bp.route("/tokens", methods=["GET", "POST"])
@page("admin")
def tokens() -> str | BaseResponse:
    office, _offices = office_of_page()
    form = TokenForm()
    with database().read() as session:
        form.office.choices = _office_choices(session)
    if request.method == "GET":
        form.office.data = office.code
    if form.validate_on_submit():
        actor, at = principal().actor, now()

        def work(session: Session) -> str:
            office_id = _office_id(session, form.office.data)
            _row, token = settings.create_token(
                session, office.id, form.name.data or "", form.role.data or "", office_id, at, actor
            )
            return token

        token, error = save(work)
        if token is not None:
            # Shown on this page only, never stored: no redirect, no flash.
            fresh = TokenForm(formdata=None)
            fresh.office.choices = form.office.choices
            fresh.office.data = office.code
            return _tokens_page(fresh, created=token)
        return _tokens_page(form, error)
    return _tokens_page(form)


@bp.post("/tokens/<int:token_id>/revoke")
@page("admin")
def token_revoke(token_id: int) -> BaseResponse | str:
    office, _offices = office_of_page()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _tokens_page(TokenForm(formdata=None), _("Biểu mẫu đã hết hạn, vui lòng thử lại."))
    with database().read() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.office_id not in (None, office.id):
            raise NotFound("no such token", "token_not_found")
    actor, at = principal().actor, now()
    _result, error = save(
        lambda session: settings.revoke_token(session, office.id, token_id, at, actor)
    )
    if error is not None:
        flash(error, "error")
    else:
        flash(_("Đã thu hồi mã truy cập."), "success")
    return go("admin.tokens", office)


# -- kiosks --------------------------------------------------------------------------------


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


def _kiosk_page(kiosk_id: int | None) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        kiosk = session.get(Kiosk, kiosk_id) if kiosk_id is not None else None
        if kiosk_id is not None and (kiosk is None or kiosk.office_id != office.id):
            raise NotFound("no such kiosk in this office", "kiosk_not_found")
    form = KioskForm(obj=kiosk if request.method == "GET" else None)
    if request.method == "GET" and kiosk is not None:
        form.paper_width_dots.data = str(kiosk.paper_width_dots)
    error = None
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "printer_url": (form.printer_url.data or "").strip(),
            "paper_width_dots": int(form.paper_width_dots.data or 576),
            "is_active": bool(form.is_active.data),
        }
        actor, at = principal().actor, now()
        if kiosk_id is None:
            _result, error = save(
                lambda session: settings.create_kiosk(
                    session, office.id, fields, at, actor, check_printer_url=check_printer_url
                )
            )
        else:
            _result, error = save(
                lambda session: settings.update_kiosk(
                    session,
                    office.id,
                    kiosk_id,
                    fields,
                    at,
                    actor,
                    check_printer_url=check_printer_url,
                )
            )
        if error is None:
            flash(_("Đã lưu kiosk %(name)s.", name=fields["name"]), "success")
            return go("admin.kiosks", office)
    with database().read() as session:
        return render("admin/kiosk_form.html", session, office, form=form, error=error, kiosk=kiosk)


@bp.route("/kiosks/new", methods=["GET", "POST"])
@page("admin")
def kiosk_new() -> str | BaseResponse:
    return _kiosk_page(None)


@bp.route("/kiosks/<int:kiosk_id>", methods=["GET", "POST"])
@page("admin")
def kiosk_edit(kiosk_id: int) -> str | BaseResponse:
    return _kiosk_page(kiosk_id)


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
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None or kiosk.office_id != office.id:
            raise NotFound("no such kiosk in this office", "kiosk_not_found")
        return render(
            "admin/kiosk_preview.html",
            session,
            office,
            kiosk=kiosk,
            printer_url=kiosk.printer_url or current_app.config["LUOT_PRINTER"],
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


def sample_ticket(office: Office, language: str) -> dict[str, Any]:
    """A ticket to print as a test: realistic, and saying it is a test."""
    at = now()
    return {
        "id": 0,
        "code": "A001",
        "number": 1,
        "service": "TEST",
        "service_name": "Bản in thử – không dùng để giao dịch",
        "service_name_en": "Test print – not a ticket",
        "office_name": office.name,
        "office_name_en": office.name_en,
        "issued_at": at.isoformat(),
        "position": 3,
        "estimated_wait_s": 600.0,
        "priority": "none",
        "status_url": "",
        "language": language,
    }


@bp.post("/kiosks/<int:kiosk_id>/test-print")
@page("admin")
def kiosk_test_print(kiosk_id: int) -> BaseResponse:
    office, _offices = office_of_page()
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn, vui lòng thử lại."), "error")
        return go("admin.kiosks", office)
    with database().read() as session:
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None or kiosk.office_id != office.id:
            raise NotFound("no such kiosk in this office", "kiosk_not_found")
        printer_url = kiosk.printer_url or current_app.config["LUOT_PRINTER"]
        width = kiosk.paper_width_dots
        name = kiosk.name
    failure = None
    try:
        printing.print_ticket(
            printer_url, sample_ticket(office, "vi"), office.name, width_dots=width, language="vi"
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


def _display_page(display_id: int | None) -> str | BaseResponse:
    office, _offices = office_of_page()
    with database().read() as session:
        display = session.get(Display, display_id) if display_id is not None else None
        if display_id is not None and (display is None or display.office_id != office.id):
            raise NotFound("no such display in this office", "display_not_found")
        counter_choices = [
            SelectChoice(str(counter.id), counter.name or str(counter.number))
            for counter in session.scalars(
                select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
            )
        ]
    form = DisplayForm(obj=display if request.method == "GET" else None)
    form.counters.choices = counter_choices
    form.speech_voice.choices = _voice_choices(display)
    if request.method == "GET" and display is not None:
        form.counters.data = list(display.counter_ids or [])
    error = None
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "counter_ids": list(form.counters.data or []),
            "language": form.language.data,
            "is_voice_enabled": bool(form.is_voice_enabled.data),
            "number_reading": form.number_reading.data,
            "speech_voice": form.speech_voice.data or "",
        }
        actor, at = principal().actor, now()
        if display_id is None:
            _result, error = save(
                lambda session: settings.create_display(session, office.id, fields, at, actor)
            )
        else:
            _result, error = save(
                lambda session: settings.update_display(
                    session, office.id, display_id, fields, at, actor
                )
            )
        if error is None:
            flash(_("Đã lưu màn hình %(name)s.", name=fields["name"]), "success")
            return go("admin.displays", office)
    with database().read() as session:
        return render(
            "admin/display_form.html", session, office, form=form, error=error, display=display
        )


def _voice_choices(display: Display | None) -> list[SelectChoice]:
    """The bundled clips, then every voice the display reported, and the
    voice chosen before even if the display no longer has it."""
    voices = list(display.available_voices or []) if display else []
    if display and display.speech_voice and display.speech_voice not in voices:
        voices.append(display.speech_voice)
    return [BUNDLED_VOICE_CHOICE, *(SelectChoice(voice, voice) for voice in voices)]


@bp.route("/displays/new", methods=["GET", "POST"])
@page("admin")
def display_new() -> str | BaseResponse:
    return _display_page(None)


@bp.route("/displays/<int:display_id>", methods=["GET", "POST"])
@page("admin")
def display_edit(display_id: int) -> str | BaseResponse:
    return _display_page(display_id)


# -- audit ---------------------------------------------------------------------------------


@bp.get("/audit")
@page("admin")
def audit() -> str:
    """Who changed which setting, and how, newest first."""
    with database().read() as session:
        office = chosen_office(session, principal())
        today = service_day(now(), office.timezone)
        try:
            date_from = date.fromisoformat(
                request.args.get("from") or today.replace(day=1).isoformat()
            )
            date_to = date.fromisoformat(request.args.get("to") or today.isoformat())
        except ValueError:
            raise Invalid("dates are YYYY-MM-DD", "invalid_date") from None
        start, end = reports.local_day_bounds(office, date_from, date_to)
        kind = request.args.get("kind") or None
        statement = (
            select(Event)
            .where(
                Event.office_id == office.id,
                Event.kind.in_([kind] if kind in ADMIN_EVENTS else ADMIN_EVENTS),
                Event.created_at >= start,
                Event.created_at < end,
            )
            .order_by(Event.id.desc())
            .limit(AUDIT_PAGE)
        )
        events = session.scalars(statement).all()
        user_ids = {
            int(event.actor.split(":", 1)[1])
            for event in events
            if event.actor.startswith("user:") and event.actor.split(":", 1)[1].isdigit()
        }
        names = {
            user.id: user.display_name or user.username
            for user in session.scalars(select(User).where(User.id.in_(user_ids)))
        }
        return render(
            "admin/audit.html",
            session,
            office,
            events=events,
            names=names,
            kinds=ADMIN_EVENTS,
            kind=kind,
            date_from=date_from,
            date_to=date_to,
            role_admin=ROLE_ADMIN,
        )

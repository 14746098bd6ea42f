"""Users (with a supervisor's offices) and their passwords, and API tokens."""

from __future__ import annotations

from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from queueing import accounts, settings
from queueing.errors import Invalid, NotAllowed, NotFound
from queueing.models import ROLE_SUPERVISOR, ApiToken, Office, User, UserOffice
from web.access import chosen_office, page, principal, visible_offices
from web.context import database, now

from .common import EntityPages, bp, go, office_of_page, render, save
from .forms import ROLE_CHOICES, ConfirmForm, PasswordForm, TokenForm, UserCreateForm, UserEditForm

#: "All offices" in the office choice of users and tokens.
EVERY_OFFICE = ""


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


def _prepare_user_page(
    session: Session, form: UserCreateForm | UserEditForm, user: User | None, _office: Office
) -> dict[str, Any]:
    _prepare_user_form(session, form)
    return {"password_form": PasswordForm(formdata=None)} if user is not None else {}


def _fill_user_page(
    session: Session, form: UserCreateForm | UserEditForm, user: User | None, office: Office
) -> None:
    if user is None:
        form.office.data = office.code
    else:
        _fill_user_form(session, form, user)


def _user_fields(
    session: Session,
    form: UserCreateForm | UserEditForm,
    user: User | None,
    _context: dict[str, Any],
) -> dict[str, Any]:
    if user is None:
        return {
            "username": form.username.data,
            "password": form.password.data,
            **_role_fields(session, form),
            "display_name": form.display_name.data or "",
        }
    return {
        "display_name": form.display_name.data,
        **_role_fields(session, form),
        "is_active": bool(form.is_active.data),
    }


USERS = EntityPages(
    form=UserCreateForm,
    edit_form=UserEditForm,
    template="admin/user_form.html",
    name="user",
    load=_visible_user,
    prepare=_prepare_user_page,
    fill=_fill_user_page,
    fields=_user_fields,
    create=settings.create_user,
    update=settings.update_user,
    saved=lambda user: _("Đã lưu tài khoản %(name)s.", name=user.username),
    added=lambda user: [(_("Đã tạo tài khoản %(name)s.", name=user.username), "success")],
    listing="admin.users",
)


@bp.route("/users/new", methods=["GET", "POST"])
@page("admin")
def user_new() -> str | BaseResponse:
    return USERS.show(None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@page("admin")
def user_edit(user_id: int) -> str | BaseResponse:
    return USERS.show(user_id)


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

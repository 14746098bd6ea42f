"""What every administrator's screen shares: the blueprint, saving a change
with its refusal in the page's words, the office the page is about, and the
create and edit pages of an office's rows (:class:`EntityPages`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing import settings
from queueing.errors import QueueError
from queueing.models import Office
from queueing.operations import Actor
from web.access import chosen_office, principal, visible_offices
from web.context import database, now, write

from .forms import SUPERVISOR_TOKEN

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")
Row = TypeVar("Row")


@bp.app_template_filter("localtime")
def localtime_filter(moment: datetime | None, office: Office) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(office.timezone)).strftime("%d/%m/%Y %H:%M:%S")


def error_messages() -> dict[str, str]:
    """What the use cases' error codes mean, in the page's language."""
    return {
        "code_taken": _("Mã này đã được dùng, vui lòng chọn mã khác."),
        "number_taken": _("Số quầy này đã có."),
        "username_taken": _("Tên đăng nhập này đã có người dùng."),
        "password_too_short": _("Mật khẩu quá ngắn."),
        "invalid_number_range": _("Số kết thúc phải lớn hơn số bắt đầu."),
        "invalid_issuing_hours": _("Giờ kết thúc phát số phải sau giờ bắt đầu."),
        "invalid_opening_hours": _(
            "Giờ làm việc không hợp lệ: mỗi buổi phải kết thúc sau khi bắt đầu "
            "và các buổi không chồng nhau."
        ),
        "invalid_holidays": _("Ngày nghỉ phải có dạng NNNN-TT-NN, mỗi dòng một ngày."),
        "unknown_timezone": _("Không có múi giờ này (ví dụ đúng: Asia/Ho_Chi_Minh)."),
        "invalid_prefix": _("Chữ đầu số chỉ gồm chữ cái A–Z và chữ số."),
        "invalid_code": _("Mã chỉ gồm chữ không dấu, số, - và _."),
        "own_account": _("Bạn không thể tự khóa hoặc tự đổi vai trò của chính mình."),
        "already_revoked": _("Mã truy cập này đã bị thu hồi."),
        "office_required": _("Cán bộ và quản lý phải thuộc một đơn vị."),
        "office_not_found": _("Không có đơn vị này."),
        "offices_required": _("Hãy chọn ít nhất một đơn vị cho giám sát viên."),
        "offices_not_for_role": _("Chỉ giám sát viên được giao nhiều đơn vị."),
        "supervisor_token": SUPERVISOR_TOKEN,
        "duplicate_service": _("Một lĩnh vực được chọn hai lần."),
        "no_draft": _("Không có bản nháp nào."),
        "clip_not_found": _("Loa không dùng đoạn này."),
        "nothing_published": _("Chưa có bản ghi âm nào được phát hành."),
    }


def message(error: QueueError) -> str:
    if error.code == "invalid_printer_url":
        return error.message
    return error_messages().get(error.code, error.message)


def go(endpoint: str, office: Office, **values: Any) -> BaseResponse:
    return redirect(url_for(endpoint, office=office.code, **values))


def render(template: str, session: Session, office: Office, **context: Any) -> str:
    return render_template(
        template,
        office=office,
        offices=visible_offices(session, principal()),
        principal=principal(),
        **context,
    )


def save(work: Callable[[Session], T]) -> tuple[T | None, str | None]:
    """Run a change; (result, None), or (None, the message to show)."""
    try:
        return write(work), None
    except QueueError as error:
        return None, message(error)


def office_of_page() -> tuple[Office, list[Office]]:
    with database().read() as session:
        return chosen_office(session, principal()), visible_offices(session, principal())


@dataclass(frozen=True)
class EntityPages(Generic[Row]):
    """The "new" and "edit" pages of one kind of an office's rows.

    A GET shows the form, filled from the row when editing. A valid POST
    turns the form into the use case's fields and runs ``create`` or
    ``update`` in one transaction; then it flashes what was saved and goes
    back to the list. A refused POST shows the form again with the reason,
    in the page's words. Each entity declares only what differs.
    """

    #: The form (and the edit page's form when it differs, a user's).
    form: type[Any]
    template: str
    #: The name the template knows the row by ("service"); the row is None
    #: on the "new" page.
    name: str
    #: The row of this office with that id; raises NotFound for any other.
    load: Callable[[Session, int, Office], Row]
    #: The valid form as the use case's fields; runs inside its transaction.
    fields: Callable[[Session, Any, Row | None, dict[str, Any]], dict[str, Any]]
    create: Callable[[Session, int, dict[str, Any], datetime, Actor], Row]
    update: Callable[[Session, int, int, dict[str, Any], datetime, Actor], Row]
    #: What the flash says once the row is saved.
    saved: Callable[[Row], str]
    #: The list the pages return to.
    listing: str
    edit_form: type[Any] | None = None
    #: Sets the form's choices; returns more of the template's context. An
    #: ``error`` in it is a refusal found before the form's own checks.
    prepare: Callable[[Session, Any, Row | None, Office], dict[str, Any]] | None = None
    #: Fills what the row does not give the form by itself, on a GET.
    fill: Callable[[Session, Any, Row | None, Office], None] | None = None
    #: The flashes (message, category) of a new row, when they are not ``saved``'s.
    added: Callable[[Row], list[tuple[str, str]]] | None = None

    def show(self, row_id: int | None) -> str | BaseResponse:
        """The page of a new row (``row_id`` None) or of the row with that id."""
        office, _offices = office_of_page()
        form_class = self.edit_form if row_id is not None and self.edit_form else self.form
        is_get = request.method == "GET"
        with database().read() as session:
            row = self.load(session, row_id, office) if row_id is not None else None
            form = form_class(obj=row if is_get else None)
            context = self.prepare(session, form, row, office) if self.prepare else {}
            if is_get and self.fill is not None:
                self.fill(session, form, row, office)
        error = context.pop("error", None)
        if form.validate_on_submit() and error is None:
            actor, at = principal().actor, now()

            def work(session: Session) -> Row:
                fields = self.fields(session, form, row, context)
                if row_id is None:
                    return self.create(session, office.id, fields, at, actor)
                return self.update(session, office.id, row_id, fields, at, actor)

            saved, error = save(work)
            if saved is not None:
                if row_id is None and self.added is not None:
                    for said, category in self.added(saved):
                        flash(said, category)
                else:
                    flash(self.saved(saved), "success")
                return go(self.listing, office)
        with database().read() as session:
            return render(
                self.template,
                session,
                office,
                form=form,
                error=error,
                **{self.name: row},
                **context,
            )


def office_row(model: type[Row], what: str) -> Callable[[Session, int, Office], Row]:
    """A loader of the office's row of ``model``; any other is not found."""
    return lambda session, row_id, office: settings.get_in_office(
        session, model, row_id, office.id, what
    )

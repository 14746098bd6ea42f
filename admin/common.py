"""What every administrator's screen shares: the blueprint, saving a change
with its refusal in the page's words, and the office the page is about."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing.errors import QueueError
from queueing.models import Office
from web.access import chosen_office, principal, visible_offices
from web.context import database, write

from .forms import SUPERVISOR_TOKEN

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")


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

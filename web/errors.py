"""One shape for every error: JSON for the API, a plain page for browsers.

Bad input gets a 4xx with ``{"error": {"code", "message"}}`` and changes
nothing; an unexpected fault is logged and answered with a 500 that shows
no stack trace.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from queueing.database import DatabaseBusy
from queueing.errors import QueueError
from web import payloads

HTTP_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "wrong_state",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}

HTTP_MESSAGES = {
    404: "nothing is here",
    405: "this method is not allowed here",
    413: "the request body is too large",
    429: "too many requests; wait a moment and try again",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def page_words(status: int, code: str) -> tuple[str, str]:
    """The title and the sentence an error page shows a person, in the
    page's language; the API's message stays for machines."""
    by_code = {
        "csrf_failed": (_("Biểu mẫu đã hết hạn"), _("Vui lòng tải lại trang rồi thử lại.")),
        "ticket_not_found": (
            _("Không tìm thấy số thứ tự"),
            _("Đường dẫn trên phiếu có thể không đúng; vui lòng quét lại mã QR trên phiếu."),
        ),
        "appointment_not_found": (
            _("Không tìm thấy lịch hẹn"),
            _("Đường dẫn của lịch hẹn có thể không đúng; vui lòng mở lại từ tin đã lưu."),
        ),
    }
    by_status = {
        400: (_("Yêu cầu không hợp lệ"), _("Vui lòng quay lại trang trước và thử lại.")),
        401: (_("Cần đăng nhập"), _("Vui lòng đăng nhập để tiếp tục.")),
        403: (_("Không có quyền mở trang này"), _("Tài khoản đang dùng không được mở trang này.")),
        404: (
            _("Không tìm thấy trang"),
            _("Trang này không có hoặc đã được gỡ bỏ; vui lòng kiểm tra lại đường dẫn."),
        ),
        409: (
            _("Chưa thực hiện được lúc này"),
            _("Tình trạng đã thay đổi; vui lòng tải lại trang rồi thử lại."),
        ),
        422: (_("Thông tin chưa hợp lệ"), _("Vui lòng kiểm tra lại thông tin đã nhập.")),
        429: (_("Quá nhiều yêu cầu"), _("Vui lòng đợi một lát rồi thử lại.")),
        503: (_("Hệ thống đang bận"), _("Không có gì bị thay đổi; vui lòng thử lại sau ít phút.")),
    }
    fallback = (
        _("Đã có lỗi xảy ra"),
        _("Không có gì bị thay đổi; vui lòng thử lại sau ít phút."),
    )
    return by_code.get(code) or by_status.get(status) or fallback


def error_response(status: int, code: str, message: str) -> tuple[Any, int]:
    if wants_json():
        response: Response = jsonify({"error": {"code": code, "message": message}})
        return response, status
    title, text = page_words(status, code)
    page = render_template("error.html", status=status, code=code, title=title, text=text)
    return page, status


def register(app: Flask) -> None:
    @app.before_request
    def refuse_unstorable_text() -> None:
        # Before any view (or CSRF check) reads the request: a NUL or a lone
        # surrogate would otherwise reach the database and fail there.
        payloads.check_request_text(request)

    @app.errorhandler(QueueError)
    def on_queue_error(error: QueueError) -> tuple[Any, int]:
        return error_response(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException) -> tuple[Any, int]:
        status = error.code or 500
        code = HTTP_CODES.get(status, "error")
        message = HTTP_MESSAGES.get(status) or (error.description or error.name)
        if status == 429:
            message = f"too many requests ({error.description}); wait a moment and try again"
        return error_response(status, code, message)

    @app.errorhandler(CSRFError)
    def on_csrf_error(error: CSRFError) -> tuple[Any, int]:
        return error_response(400, "csrf_failed", "the form has expired; reload the page")

    @app.errorhandler(DatabaseBusy)
    def on_busy(error: DatabaseBusy) -> tuple[Any, int]:
        return error_response(503, "database_busy", str(error))

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception) -> tuple[Any, int]:
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "something went wrong; nothing was changed")

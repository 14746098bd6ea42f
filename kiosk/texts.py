"""The citizen's words on the kiosk and the ticket page (shared GLOSSARY.md).

Vietnamese is the source language; English comes from the catalogue in
``kiosk/translations``. Texts that scripts fill in at run time are sent to
the page already translated, with ``{name}`` where a value goes.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: The priority groups a citizen may choose at the kiosk, in screen order.
PRIORITY_GROUPS = (
    ("elderly", _l("Người cao tuổi")),
    ("disability", _l("Người khuyết tật")),
    ("pregnancy", _l("Phụ nữ mang thai")),
    ("small_child", _l("Người đi cùng trẻ nhỏ")),
    ("merit", _l("Người có công với cách mạng")),
)

#: Why a service issues no ticket now, by the API's closed_reason / error code.
CLOSED_REASONS = {
    "outside_issuing_hours": _l("Ngoài giờ phát số"),
    "office_closed": _l("Ngoài giờ phát số"),
    "holiday": _l("Hôm nay nghỉ lễ, không phát số"),
    "daily_cap_reached": _l("Đã hết số trong ngày"),
    "numbers_exhausted": _l("Đã hết số trong ngày"),
    "service_inactive": _l("Tạm ngừng phát số"),
    "no_open_counter": _l("Chưa có quầy nào đang mở cho lĩnh vực này"),
}

#: The five satisfaction levels, best first, as the form lists them.
RATING_LEVELS = (
    (5, _l("Rất hài lòng")),
    (4, _l("Hài lòng")),
    (3, _l("Bình thường")),
    (2, _l("Không hài lòng")),
    (1, _l("Rất không hài lòng")),
)
#: Scores at or below this ask why.
LOW_SCORE = 2

#: Low-score reasons, by the API's reason codes.
RATING_REASONS = (
    ("long_wait", _l("Thời gian chờ lâu")),
    ("attitude", _l("Thái độ phục vụ chưa tốt")),
    ("unclear_guidance", _l("Hướng dẫn chưa rõ ràng")),
    ("slow_processing", _l("Giải quyết chậm")),
    ("other", _l("Lý do khác")),
)


def closed_reason_text(reason: str | None) -> str:
    if reason is None:
        return ""
    return str(CLOSED_REASONS.get(reason, CLOSED_REASONS["service_inactive"]))


def people_ahead_text(count: int) -> str:
    return _("Số người đang chờ trước bạn: %(count)s", count=count)


def wait_texts() -> dict[str, str]:
    """People ahead and the estimated wait, rounded up to whole minutes as
    on the printed ticket (printing/wording.py), so paper and screen agree."""
    return {
        "ahead": _("Số người đang chờ trước bạn: %(count)s", count="{count}"),
        "wait_minutes": _("Thời gian chờ dự kiến: khoảng %(minutes)s phút", minutes="{minutes}"),
        "wait_one_minute": _("Thời gian chờ dự kiến: khoảng 1 phút"),
        "wait_under_one_minute": _("Thời gian chờ dự kiến: dưới 1 phút"),
        "wait_unknown": _(
            "Chưa có quầy nào đang mở phục vụ lĩnh vực này, chưa ước tính được thời gian chờ"
        ),
    }


def priority_labels() -> dict[str, str]:
    return {code: str(label) for code, label in PRIORITY_GROUPS}


def kiosk_script_texts() -> dict[str, Any]:
    """What kiosk.js writes on screen, in the page's language."""
    return {
        **wait_texts(),
        "closed": {reason: str(text) for reason, text in CLOSED_REASONS.items()},
        "closed_service": _("%(service)s: %(reason)s", service="{service}", reason="{reason}"),
        "priority": _("Ưu tiên: %(group)s", group="{group}"),
        "priorities": priority_labels(),
        "network_error": _(
            "Chưa kết nối được với máy chủ. Vui lòng thử lại hoặc hỏi cán bộ hướng dẫn."
        ),
        "busy": _("Có nhiều người đang lấy số. Vui lòng thử lại sau ít phút."),
        "failed": _("Chưa lấy được số. Vui lòng thử lại hoặc hỏi cán bộ hướng dẫn."),
        "check_in": check_in_texts(),
        "page": _("Trang %(page)s/%(pages)s", page="{page}", pages="{pages}"),
    }


def check_in_texts() -> dict[str, str]:
    """Why a booking code was not checked in, by the API's error code."""
    return {
        "too_early": _(
            "Ông/bà đến sớm hơn giờ hẹn. Vui lòng quay lại làm thủ tục từ %(time)s.",
            time="{time}",
        ),
        "too_early_no_time": _(
            "Ông/bà đến sớm hơn giờ hẹn. Vui lòng quay lại gần giờ hẹn để làm thủ tục."
        ),
        "too_late": _(
            "Đã quá thời gian làm thủ tục cho lịch hẹn này. "
            "Ông/bà vui lòng lấy số thứ tự thông thường."
        ),
        "appointment_not_found": _(
            "Không tìm thấy lịch hẹn có mã này. Ông/bà vui lòng kiểm tra lại mã."
        ),
        "already_checked_in": _(
            "Lịch hẹn này đã được làm thủ tục. "
            "Nếu ông/bà chưa nhận được số thứ tự, vui lòng hỏi cán bộ hướng dẫn."
        ),
        "appointment_cancelled": _(
            "Lịch hẹn này đã bị hủy. Ông/bà vui lòng lấy số thứ tự thông thường."
        ),
        "empty": _("Vui lòng nhập mã đặt lịch hẹn của ông/bà."),
        "failed": _(
            "Chưa làm được thủ tục cho lịch hẹn. Ông/bà vui lòng thử lại hoặc hỏi cán bộ hướng dẫn."
        ),
    }


def ticket_script_texts() -> dict[str, Any]:
    """What ticket.js writes on screen, in the page's language."""
    return {
        **wait_texts(),
        "called": _(
            "Mời công dân có số thứ tự %(code)s đến quầy số %(counter)s",
            code="{code}",
            counter="{counter}",
        ),
        "called_title": _(
            "%(code)s – mời đến quầy số %(counter)s", code="{code}", counter="{counter}"
        ),
        "serving": _("Ông/bà đang được phục vụ tại quầy số %(counter)s", counter="{counter}"),
        "priority": _("Ưu tiên: %(group)s", group="{group}"),
        "priorities": priority_labels(),
        "choose_score": _("Vui lòng chọn một mức độ hài lòng."),
        "rating_failed": _("Chưa gửi được đánh giá. Vui lòng thử lại."),
        "sound_failed": _("Điện thoại chưa cho phát âm thanh. Vui lòng chạm lại."),
    }

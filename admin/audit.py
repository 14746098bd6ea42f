"""Who changed which setting, and how: the audit view, and the names of the
events it lists."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from queueing import reports
from queueing.models import ROLE_ADMIN, Event, User
from queueing.rules import service_day
from web.access import chosen_office, page, principal
from web.context import database, now

from .common import bp, render

#: Event kinds written by the admin screens, with their names: the audit
#: view lists these and no others.
ADMIN_EVENTS = {
    "office_created": _l("Tạo đơn vị"),
    "office_updated": _l("Sửa cài đặt đơn vị"),
    "service_created": _l("Thêm lĩnh vực"),
    "service_updated": _l("Sửa lĩnh vực"),
    "counter_created": _l("Thêm quầy"),
    "counter_updated": _l("Sửa quầy"),
    "user_created": _l("Thêm người dùng"),
    "user_updated": _l("Sửa người dùng"),
    "user_activated": _l("Mở khóa người dùng"),
    "user_deactivated": _l("Khóa người dùng"),
    "password_reset": _l("Đặt lại mật khẩu"),
    "token_created": _l("Tạo mã truy cập API"),
    "token_revoked": _l("Thu hồi mã truy cập API"),
    "kiosk_created": _l("Thêm kiosk"),
    "kiosk_updated": _l("Sửa kiosk"),
    "display_created": _l("Thêm màn hình"),
    "display_updated": _l("Sửa màn hình"),
    "test_printed": _l("In thử"),
    "test_print_failed": _l("In thử không được"),
    "voice_recorded": _l("Ghi âm giọng đọc"),
    "voice_discarded": _l("Bỏ bản nháp giọng đọc"),
    "voice_published": _l("Phát hành giọng đọc"),
    "voice_withdrawn": _l("Gỡ giọng đọc đã phát hành"),
}
AUDIT_PAGE = 200


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
    return {"event_names": ADMIN_EVENTS}


# -- audit ---------------------------------------------------------------------------------


@bp.get("/audit")
@page("admin")
def audit() -> str:
    """Who changed which setting, and how, newest first."""
    with database().read() as session:
        office = chosen_office(session, principal())
        today = service_day(now(), office.timezone)
        # The reports' reading of a day: a date outside the days any office
        # can have (year 1, 9999) is refused, not turned into a crash.
        raw_from = request.args.get("from") or ""
        raw_to = request.args.get("to") or ""
        date_from = reports.report_day("from", raw_from) if raw_from else today.replace(day=1)
        date_to = reports.report_day("to", raw_to) if raw_to else today
        start, end = reports.local_day_bounds(office, date_from, date_to)
        kind = request.args.get("kind") or None
        statement = (
            select(Event)
            .where(
                Event.office_id == office.id,
                Event.kind.in_([kind] if kind in ADMIN_EVENTS else list(ADMIN_EVENTS)),
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

"""An office's services: the list, with a warning for each that no counter
serves, and the new and edit pages."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing import settings
from queueing.models import Service
from web.access import chosen_office, page, principal
from web.context import database

from .common import EntityPages, bp, office_row, render
from .forms import ServiceForm


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


def _service_fields(
    _session: Session, form: ServiceForm, _service: Service | None, _context: dict[str, Any]
) -> dict[str, Any]:
    """The form as the use case takes it, by the service's own field lists:
    empty texts as "", empty clocks as none, and no sort order when left
    empty (the service goes last)."""
    values = {name: form[name].data for name in settings.SERVICE_FIELDS}
    values["prefix"] = (values["prefix"] or "").upper()
    for name in settings.SERVICE_FLAGS:
        values[name] = bool(values[name])
    for name in settings.SERVICE_CLOCKS:
        values[name] = values[name] or None
    for name in settings.SERVICE_TEXTS:
        values[name] = values[name] or ""
    if values["sort_order"] is None:
        values.pop("sort_order")
    return values


SERVICES = EntityPages(
    form=ServiceForm,
    template="admin/service_form.html",
    name="service",
    load=office_row(Service, "service"),
    fields=_service_fields,
    create=settings.create_service,
    update=settings.update_service,
    saved=lambda service: _("Đã lưu lĩnh vực %(name)s.", name=service.name),
    added=lambda service: [
        (_("Đã thêm lĩnh vực %(name)s.", name=service.name), "success"),
        (_unserved_warning(service.name), "warning"),
    ],
    listing="admin.services",
)


@bp.route("/services/new", methods=["GET", "POST"])
@page("admin")
def service_new() -> str | BaseResponse:
    return SERVICES.show(None)


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@page("admin")
def service_edit(service_id: int) -> str | BaseResponse:
    return SERVICES.show(service_id)

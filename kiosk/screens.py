"""What the kiosk and the ticket page show, read from the queue.

Nothing here writes; the kiosk issues through the public API like any
other client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing import rules
from queueing.errors import NotFound
from queueing.models import Office, Service, Ticket
from queueing.queries import QueueView, StatusUrl, active_services, iso, service_closed_reason

from . import texts


@dataclass(slots=True)
class KioskService:
    """One service button, in the page's language."""

    code: str
    name: str
    description: str
    #: Documents to bring, one per item.
    documents: list[str]
    #: People who would be called before a ticket taken now.
    waiting: int
    closed_reason: str | None

    @property
    def is_issuing(self) -> bool:
        return self.closed_reason is None

    @property
    def status_text(self) -> str:
        if self.closed_reason is not None:
            return texts.closed_reason_text(self.closed_reason)
        return texts.people_ahead_text(self.waiting)


@dataclass(slots=True)
class ServiceGroup:
    #: Empty for services outside any group.
    name: str
    services: list[KioskService] = field(default_factory=list)


def localised(english: str, vietnamese: str, language: str) -> str:
    return english if language == "en" and english.strip() else vietnamese


def text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def kiosk_groups(
    session: Session, office: Office, now: datetime, language: str
) -> list[ServiceGroup]:
    """The office's active services in screen order, grouped by their group
    name; a group stands where its first service stands. A group is the
    services of one Vietnamese group name: in English it takes the English
    name any of them gives, so a service without one stays in its group."""
    view = QueueView(session, office, now)
    services = active_services(session, office.id)
    english_names: dict[str, str] = {}
    for service in services:
        if service.group_name_en.strip():
            english_names.setdefault(service.group_name, service.group_name_en)
    groups: dict[str, ServiceGroup] = {}
    for service in services:
        label = localised(english_names.get(service.group_name, ""), service.group_name, language)
        group = groups.setdefault(service.group_name, ServiceGroup(label))
        group.services.append(
            KioskService(
                code=service.code,
                name=localised(service.name_en, service.name, language),
                description=localised(service.description_en, service.description, language),
                documents=text_lines(localised(service.documents_en, service.documents, language)),
                waiting=view.new_ticket_place(service.id).position,
                closed_reason=service_closed_reason(view, service),
            )
        )
    return list(groups.values())


def office_name(office: Office, language: str) -> str:
    return localised(office.name_en, office.name, language)


def held_ticket(session: Session, access_token: str) -> Ticket:
    """The leg a citizen's visit is on now, from the holder's token: a
    transfer starts a new leg that keeps the token, so the newest leg with
    it is the one the citizen follows. Unknown tokens are 404."""
    ticket = None
    if 16 <= len(access_token) <= 32:
        ticket = session.scalar(
            select(Ticket)
            .where(Ticket.access_token == access_token)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
    if ticket is None:
        raise NotFound("no such ticket", "ticket_not_found")
    return ticket


#: The sample ticket of the layout preview: a mid-morning ticket with
#: people ahead and a priority, so that every line of the layout shows.
SAMPLE_NUMBER = 12
SAMPLE_TICKET_ID = 1234
#: The preview's QR code leads nowhere: no ticket holds this token.
SAMPLE_ACCESS_TOKEN = "sample-ticket-preview"


#: What the administrator's test print says it is, instead of a service.
TEST_PRINT_NAMES = ("Bản in thử – không dùng để giao dịch", "Test print – not a ticket")


def printer_test_ticket(office: Office, now: datetime, language: str) -> dict[str, Any]:
    """The slip an administrator prints to test a kiosk's printer: the
    sample ticket, saying it is a test, with no link to follow."""
    ticket = sample_ticket(office, None, now, lambda _token: "")
    ticket.update(
        service="TEST",
        service_name=TEST_PRINT_NAMES[0],
        service_name_en=TEST_PRINT_NAMES[1],
        priority="none",
        status_url="",
        language=language,
    )
    return ticket


def sample_ticket(
    office: Office, service: Service | None, now: datetime, status_url: StatusUrl
) -> dict[str, Any]:
    """A ticket as the API gives it, for the admins' layout preview."""
    prefix = service.prefix if service is not None else "A"
    number_end = service.number_end if service is not None else 999
    return {
        "id": SAMPLE_TICKET_ID,
        "code": rules.ticket_code(prefix, SAMPLE_NUMBER, number_end),
        "number": SAMPLE_NUMBER,
        "service": service.code if service is not None else "",
        "service_name": service.name if service is not None else "Lĩnh vực mẫu",
        "service_name_en": service.name_en if service is not None else "Sample service",
        "office": office.code,
        "office_name": office.name,
        "office_name_en": office.name_en,
        "state": "waiting",
        "priority": "elderly",
        "channel": "kiosk",
        "issued_at": iso(now, office.timezone),
        "position": 7,
        "estimated_wait_s": 900.0,
        "status_url": status_url(SAMPLE_ACCESS_TOKEN),
    }

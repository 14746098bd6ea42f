"""The demo office: realistic services of a ward's one-stop office.

Seeded only in demo mode (``LUOT_DEMO=1``) or by ``flask seed-demo``; its
users' passwords are published in the README and must never reach a real
office.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import create_user
from .models import (
    COUNTER_OPEN,
    ROLE_ADMIN,
    ROLE_CLERK,
    ROLE_MANAGER,
    ROLE_SUPERVISOR,
    Counter,
    CounterService,
    Display,
    Kiosk,
    Office,
    Service,
    User,
    UserOffice,
)

DEMO_OFFICE_CODE = "DEMO"

#: (username, password, role, display name): published in the README.
DEMO_USERS = (
    ("admin", "demo-admin", ROLE_ADMIN, "Quản trị hệ thống"),
    ("quanly", "demo-quanly", ROLE_MANAGER, "Trưởng bộ phận Một cửa"),
    ("giamsat", "demo-giamsat", ROLE_SUPERVISOR, "Lãnh đạo Sở Nội vụ"),
    ("canbo1", "demo-canbo1", ROLE_CLERK, "Nguyễn Thị Lan"),
    ("canbo2", "demo-canbo2", ROLE_CLERK, "Trần Văn Minh"),
    ("canbo3", "demo-canbo3", ROLE_CLERK, "Lê Thu Hà"),
)

_SERVICES = (
    {
        "code": "HT",
        "name": "Tư pháp – Hộ tịch",
        "name_en": "Justice – Civil status",
        "prefix": "A",
        "group_name": "Tư pháp",
        "group_name_en": "Justice",
        "description": "Đăng ký khai sinh, kết hôn, khai tử; chứng thực bản sao, chữ ký.",
        "description_en": "Birth, marriage and death registration; certified copies, signatures.",
        "documents": "\n".join(
            (
                "Tờ khai theo mẫu",
                "Căn cước công dân",
                "Giấy chứng sinh (khi đăng ký khai sinh)",
            )
        ),
        "documents_en": "\n".join(
            (
                "Application form",
                "Citizen identity card",
                "Birth certificate (for a birth registration)",
            )
        ),
        "target_wait_minutes": 15,
    },
    {
        "code": "DD",
        "name": "Đất đai",
        "name_en": "Land",
        "prefix": "B",
        "group_name": "Tài nguyên – Môi trường",
        "group_name_en": "Natural resources",
        "description": "Đăng ký biến động, cấp đổi giấy chứng nhận quyền sử dụng đất.",
        "description_en": "Registering changes, reissuing land use right certificates.",
        "documents": "\n".join(
            (
                "Đơn đăng ký biến động đất đai",
                "Bản gốc Giấy chứng nhận",
                "Hợp đồng chuyển nhượng (nếu có)",
            )
        ),
        "documents_en": "\n".join(
            (
                "Land change registration form",
                "Original certificate",
                "Transfer contract (if any)",
            )
        ),
        "target_wait_minutes": 20,
    },
    {
        "code": "KD",
        "name": "Đăng ký kinh doanh",
        "name_en": "Business registration",
        "prefix": "C",
        "group_name": "Kinh tế",
        "group_name_en": "Economy",
        "description": "Đăng ký, thay đổi, tạm ngừng hộ kinh doanh.",
        "description_en": "Registering, changing or suspending a household business.",
        "documents": "\n".join(
            (
                "Giấy đề nghị đăng ký hộ kinh doanh",
                "Căn cước công dân của chủ hộ",
            )
        ),
        "documents_en": "\n".join(
            (
                "Household business registration request",
                "Owner's citizen identity card",
            )
        ),
        "target_wait_minutes": 15,
    },
    {
        "code": "LD",
        "name": "Lao động – Thương binh và Xã hội",
        "name_en": "Labour, invalids and social affairs",
        "prefix": "D",
        "group_name": "Xã hội",
        "group_name_en": "Social affairs",
        "description": "Trợ cấp xã hội, chính sách người có công, bảo trợ xã hội.",
        "description_en": "Social allowances, policies for persons of merit, social protection.",
        "documents": "\n".join(
            (
                "Tờ khai đề nghị trợ cấp",
                "Căn cước công dân",
                "Giấy tờ chứng minh đối tượng",
            )
        ),
        "documents_en": "\n".join(
            (
                "Allowance request form",
                "Citizen identity card",
                "Proof of eligibility",
            )
        ),
        "target_wait_minutes": 10,
    },
)


DEMO_SLOT_MINUTES = 15
DEMO_SLOT_CAPACITY = 3


def seed_demo(
    session: Session,
    now: datetime,
    *,
    timezone: str = "Asia/Ho_Chi_Minh",
    with_users: bool = True,
) -> Office:
    """Create the demo office with its services, counters and users.

    Does nothing (and returns the office) when it exists already.
    """
    existing = session.scalar(select(Office).where(Office.code == DEMO_OFFICE_CODE))
    if existing is not None:
        return existing
    office = Office(
        code=DEMO_OFFICE_CODE,
        name="Bộ phận Một cửa – UBND phường Bến Nghé",
        name_en="One-stop office – Ben Nghe Ward People's Committee",
        address="Số 1 đường Mẫu, phường Bến Nghé, TP. Hồ Chí Minh (địa chỉ minh họa)",
        timezone=timezone,
        # No ticker text of its own: the display says the real hours.
        ticker_message="",
        created_at=now,
    )
    session.add(office)
    session.flush()
    services = []
    for order, fields in enumerate(_SERVICES, start=1):
        # Open every day, all day, with 15-minute slots of three: booking
        # works in the demo at any hour.
        service = Service(
            office_id=office.id,
            sort_order=order,
            slot_minutes=DEMO_SLOT_MINUTES,
            slot_capacity=DEMO_SLOT_CAPACITY,
            **fields,
        )
        session.add(service)
        services.append(service)
    session.flush()
    for number in (1, 2, 3):
        counter = Counter(
            office_id=office.id,
            number=number,
            name=f"Quầy số {number}",
            state=COUNTER_OPEN,
            state_changed_at=now,
        )
        counter.service_links = [CounterService(service_id=service.id) for service in services]
        session.add(counter)
    session.add(Kiosk(office_id=office.id, name="Kiosk sảnh chính", created_at=now))
    session.add(Display(office_id=office.id, name="Màn hình phòng chờ", created_at=now))
    for username, password, role, display_name in DEMO_USERS if with_users else ():
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        user = create_user(
            session,
            username,
            password,
            role,
            now,
            office_id=None if role in (ROLE_ADMIN, ROLE_SUPERVISOR) else office.id,
            display_name=display_name,
        )
        if role == ROLE_SUPERVISOR:
            session.add(UserOffice(user_id=user.id, office_id=office.id))
    session.flush()
    return office

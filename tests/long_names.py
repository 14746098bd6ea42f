"""Services with the longest names a screen has to hold, added to a live
server's demo office for a test and taken away after it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from queueing.models import Counter, CounterService, Service

#: The longest name of the demo office's services.
LONGEST_DEMO_NAME = "Lao động – Thương binh và Xã hội"

#: Two more services a little longer than the longest demo one, as wards have them.
LIKE_DEMO_NAMES = (
    "Nội vụ – Tôn giáo – Thi đua khen thưởng",
    "Tài chính – Kế hoạch – Đầu tư",
)

#: Names as long as offices really write them, longer than any demo name.
INVENTED_NAMES = (
    "Chứng thực bản sao từ bản chính, chữ ký và hợp đồng giao dịch",
    "Xây dựng – Quy hoạch – Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Giải quyết khiếu nại, tố cáo và tiếp công dân định kỳ của lãnh đạo",
    "Bảo hiểm xã hội, bảo hiểm y tế hộ gia đình và người lao động tự do",
)

_codes = itertools.count(1)


def _add(server: Any, names: list[str]) -> list[str]:
    def work(session: Any) -> list[str]:
        counters = list(session.scalars(select(Counter).order_by(Counter.number)))
        office_id = counters[0].office_id
        codes = []
        for name in names:
            number = next(_codes)
            service = Service(
                office_id=office_id,
                code=f"L{number}",
                name=name,
                prefix=f"L{number}",
                sort_order=100 + number,
                group_name=name.split(" ")[0],
            )
            session.add(service)
            session.flush()
            for counter in counters:
                counter.service_links.append(CounterService(service_id=service.id))
            codes.append(service.code)
        return codes

    codes: list[str] = server.db.write(work)
    return codes


def _retire(server: Any, codes: list[str]) -> None:
    def work(session: Any) -> None:
        for service in session.scalars(select(Service).where(Service.code.in_(codes))):
            service.is_active = False

    server.db.write(work)


@contextmanager
def more_services(server: Any, names: list[str] | tuple[str, ...]) -> Iterator[list[str]]:
    """The demo office's four services and these, each in a group of its
    own and served by every counter, while the block runs; their codes."""
    codes = _add(server, list(names))
    try:
        yield codes
    finally:
        _retire(server, codes)

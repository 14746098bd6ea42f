"""How long it takes to draw a ticket image (and its ESC/POS job) on this machine.

A kiosk draws the ticket while the citizen waits at the screen, so drawing
must stay far below what a person notices; the goal is 20 ms or less per
image. Run from the repository root:

    .venv/bin/python bench/ticket_image.py [--count 100] [--width 576]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
if str(REPOSITORY_ROOT) not in sys.path:
    sys.path.insert(0, str(REPOSITORY_ROOT))

from printing.layout import render_ticket  # noqa: E402 - needs the repository on the path
from printing.printers import build_print_job  # noqa: E402 - needs the repository on the path

OFFICE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thừa Thiên Huế"
PRIORITIES = ["none", "none", "none", "elderly", "pregnancy"]


def sample_ticket(number: int) -> dict[str, Any]:
    """A realistic ticket; each one differs so no cache can answer for the next."""
    return {
        "code": f"A{number:03d}",
        "service_name": "Đăng ký hộ tịch, chứng thực bản sao từ bản chính",
        "service_name_en": "Civil status registration and certified copies",
        "issued_at": f"2026-11-23T{8 + number // 60 % 9:02d}:{number % 60:02d}:00+07:00",
        "position": number % 23,
        "estimated_wait_s": 95.5 * (number % 23),
        "status_url": f"http://192.168.1.20:5000/t/{10_000 + number}?key={number * 7919:08x}",
        "priority": PRIORITIES[number % len(PRIORITIES)],
    }


def time_each(count: int, build: Callable[[dict[str, Any]], object]) -> list[float]:
    """Milliseconds for each of ``count`` builds of different tickets."""
    durations_ms = []
    for number in range(count):
        ticket = sample_ticket(number)
        started = time.perf_counter()
        build(ticket)
        durations_ms.append((time.perf_counter() - started) * 1000)
    return durations_ms


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value below which ``share`` of them lie."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def describe(name: str, durations_ms: list[float]) -> str:
    return (
        f"{name:<30} median {statistics.median(durations_ms):6.2f} ms   "
        f"p95 {percentile(durations_ms, 0.95):6.2f} ms   max {max(durations_ms):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="tickets to build (100)")
    parser.add_argument("--width", type=int, default=576, help="paper width in dots (576)")
    arguments = parser.parse_args()

    def image(ticket: dict[str, Any]) -> object:
        return render_ticket(ticket, office_name=OFFICE_NAME, width_dots=arguments.width)

    def job(ticket: dict[str, Any]) -> object:
        return build_print_job(ticket, office_name=OFFICE_NAME, width_dots=arguments.width)

    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python:  {platform.python_implementation()} {platform.python_version()}")
    # The first ticket also loads the fonts and python-escpos; reported apart.
    first_image_ms = time_each(1, image)[0]
    first_job_ms = time_each(1, job)[0]
    print(f"first image (loads fonts): {first_image_ms:.1f} ms")
    print(f"first job (loads python-escpos): {first_job_ms:.1f} ms")
    print(f"{arguments.count} tickets, {arguments.width} dots wide:")
    print(describe("ticket image", time_each(arguments.count, image)))
    print(describe("image + ESC/POS job", time_each(arguments.count, job)))


if __name__ == "__main__":
    main()

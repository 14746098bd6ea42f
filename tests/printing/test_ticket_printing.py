"""Sending the ticket: the ESC/POS bytes a printer receives, and printers that fail."""

from __future__ import annotations

import os
import threading

import pytest

from printing import PAPER_58_MM_DOTS, PAPER_80_MM_DOTS, PrintError, print_ticket, render_ticket
from printing.printers import build_print_job

OFFICE_NAME = "Bộ phận Một cửa UBND phường Bến Nghé"
PAPER_WIDTHS = [PAPER_80_MM_DOTS, PAPER_58_MM_DOTS]


def assert_is_a_ticket_job(job, width_dots, read_job):
    """Initialise, raster image(s) of the paper width, feed, cut, and nothing else."""
    assert job.startswith(b"\x1b@")
    assert b"\x1dv0" in job
    assert job.endswith(b"\x1dV\x00")

    parsed = read_job(job)

    raster_count = len(parsed.rasters)
    assert parsed.commands == ["initialise"] + ["raster"] * raster_count + ["feed", "cut"]
    assert raster_count >= 1
    for raster in parsed.rasters:
        assert raster.mode == 0  # normal density, one dot per dot
        assert raster.width_bytes == width_dots // 8
        assert raster.height > 0
    assert parsed.feed_lines == [6]
    assert parsed.cut_modes == [0]  # full cut
    return parsed


@pytest.mark.parametrize("width_dots", PAPER_WIDTHS)
def test_network_printer_receives_the_ticket_as_a_raster_image(
    network_printer, make_ticket, read_job, width_dots
):
    ticket = make_ticket()

    print_ticket(network_printer.url, ticket, OFFICE_NAME, width_dots=width_dots)

    parsed = assert_is_a_ticket_job(network_printer.wait_for_job(), width_dots, read_job)
    printed = parsed.printed_image()
    assert printed.width == width_dots
    black_share = printed.histogram()[0] / (printed.width * printed.height)
    assert 0.04 < black_share < 0.5


def test_network_printer_prints_exactly_the_rendered_ticket(network_printer, make_ticket, read_job):
    ticket = make_ticket(code="B107", priority="pregnancy")

    print_ticket(network_printer.url, ticket, OFFICE_NAME)

    printed = read_job(network_printer.wait_for_job()).printed_image()
    rendered = render_ticket(ticket, office_name=OFFICE_NAME)
    assert printed.size == rendered.size
    assert printed.tobytes() == rendered.tobytes()


def test_printer_refusing_the_connection_gives_print_error(refusing_printer_url, make_ticket):
    with pytest.raises(PrintError, match="refused the connection"):
        print_ticket(refusing_printer_url, make_ticket(), OFFICE_NAME, timeout=2.0)


@pytest.mark.timeout(30)
def test_printer_that_never_reads_gives_print_error_at_the_timeout(
    jammed_network_printer, make_ticket
):
    with pytest.raises(PrintError, match=r"stopped taking data \(waited 0.5 s\)"):
        print_ticket(jammed_network_printer.url, make_ticket(), OFFICE_NAME, timeout=0.5)


@pytest.mark.parametrize("width_dots", PAPER_WIDTHS)
def test_file_printer_receives_the_ticket_job(tmp_path, make_ticket, read_job, width_dots):
    ticket = make_ticket()
    device = tmp_path / "lp0"

    print_ticket(f"file://{device}", ticket, OFFICE_NAME, width_dots=width_dots)

    job = device.read_bytes()
    assert_is_a_ticket_job(job, width_dots, read_job)
    assert job == build_print_job(ticket, office_name=OFFICE_NAME, width_dots=width_dots)


def test_file_printer_in_a_missing_folder_gives_print_error(tmp_path, make_ticket):
    device = tmp_path / "no-such-folder" / "lp0"

    with pytest.raises(PrintError, match="cannot be opened: No such file or directory"):
        print_ticket(f"file://{device}", make_ticket(), OFFICE_NAME)


@pytest.mark.timeout(30)
def test_serial_printer_receives_the_ticket_job(make_ticket, read_job):
    ticket = make_ticket()
    expected_job = build_print_job(ticket, office_name=OFFICE_NAME)
    # A pseudo-terminal is a real serial device to pyserial; this side reads
    # what a printer on the other end of the cable would.
    controller, device = os.openpty()
    received = bytearray()
    everything_received = threading.Event()

    def read_like_a_printer() -> None:
        while len(received) < len(expected_job):
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            received.extend(chunk)
        everything_received.set()

    reader = threading.Thread(target=read_like_a_printer, daemon=True)
    reader.start()
    try:
        print_ticket(f"serial://{os.ttyname(device)}?baudrate=115200", ticket, OFFICE_NAME)
        assert everything_received.wait(10)
    finally:
        os.close(device)
        reader.join(10)
        os.close(controller)

    assert bytes(received) == expected_job
    assert_is_a_ticket_job(bytes(received), PAPER_80_MM_DOTS, read_job)


def test_missing_serial_port_gives_print_error(make_ticket):
    with pytest.raises(PrintError, match="serial printer /dev/ttyLUOT9 cannot be opened"):
        print_ticket("serial:///dev/ttyLUOT9", make_ticket(), OFFICE_NAME)


def test_missing_usb_printer_gives_print_error(make_ticket):
    # No device has these ids; without libusb the message says that instead.
    with pytest.raises(PrintError, match=r"^USB (printer dead:beef is not connected|printing)"):
        print_ticket("usb://dead:beef", make_ticket(), OFFICE_NAME)


def test_paper_width_the_layout_cannot_take_gives_print_error(tmp_path, make_ticket):
    device = tmp_path / "lp0"

    with pytest.raises(PrintError, match="cannot be laid out: width_dots must be a multiple of 8"):
        print_ticket(f"file://{device}", make_ticket(), OFFICE_NAME, width_dots=580)

    assert not device.exists()


def test_print_ticket_keeps_its_positional_signature(network_printer, make_ticket, read_job):
    print_ticket(network_printer.url, make_ticket(), OFFICE_NAME)

    assert read_job(network_printer.wait_for_job()).rasters

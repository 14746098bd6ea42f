"""A ticket checked in from a booking says so on paper: the bytes a printer
receives carry a "Đặt lịch hẹn" line that other tickets do not."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageOps

from printing import PAPER_58_MM_DOTS, PAPER_80_MM_DOTS, print_ticket, render_ticket
from printing.layout import LABEL_SIZE, SMALLEST_FONT_SIZE, load_font

OFFICE_NAME = "Bộ phận Một cửa UBND phường Bến Nghé"


def ink(image: Image.Image) -> Image.Image:
    """The part of a mode "1" image that has black dots, cropped tight."""
    box = ImageOps.invert(image.convert("L")).getbbox()
    assert box is not None, "no ink at all"
    return image.crop(box)


def drawn_line(text: str, width_dots: int) -> Image.Image:
    """``text`` as the layout draws a bold label line, centred on the paper."""
    size = max(SMALLEST_FONT_SIZE, round(LABEL_SIZE * width_dots / PAPER_80_MM_DOTS))
    font = load_font(size, is_bold=True)
    image = Image.new("1", (width_dots, 2 * size), 1)
    ImageDraw.Draw(image).text((width_dots / 2, 0), text, font=font, fill=0, anchor="ma")
    return ink(image)


def inserted_band(with_line: Image.Image, without: Image.Image) -> Image.Image:
    """The rows ``with_line`` has that ``without`` lacks: the two images
    agree above and below them."""
    assert with_line.width == without.width
    extra = with_line.height - without.height
    assert extra > 0, "the ticket has no extra line"
    rows_with = [
        with_line.crop((0, y, with_line.width, y + 1)).tobytes() for y in range(with_line.height)
    ]
    rows_without = [
        without.crop((0, y, without.width, y + 1)).tobytes() for y in range(without.height)
    ]
    top = next(y for y, (a, b) in enumerate(zip(rows_with, rows_without, strict=False)) if a != b)
    assert rows_with[top + extra :] == rows_without[top:]
    return with_line.crop((0, top, with_line.width, top + extra))


def printed(network_printer, read_job, ticket, width_dots, language="vi"):
    print_ticket(network_printer.url, ticket, OFFICE_NAME, width_dots=width_dots, language=language)
    return read_job(network_printer.wait_for_job()).printed_image()


@pytest.mark.parametrize("width_dots", [PAPER_80_MM_DOTS, PAPER_58_MM_DOTS])
def test_a_booking_ticket_is_printed_with_the_booking_line(
    network_printer, make_ticket, read_job, width_dots
):
    ticket = make_ticket(channel="booking")

    paper = printed(network_printer, read_job, ticket, width_dots)

    walk_in = render_ticket(
        make_ticket(channel="kiosk"), office_name=OFFICE_NAME, width_dots=width_dots
    )
    band = inserted_band(paper, walk_in)
    assert ink(band).tobytes() == drawn_line("Đặt lịch hẹn", width_dots).tobytes()


def test_an_english_booking_ticket_says_booking(network_printer, make_ticket, read_job):
    ticket = make_ticket(channel="booking")

    paper = printed(network_printer, read_job, ticket, PAPER_80_MM_DOTS, language="en")

    walk_in = render_ticket(make_ticket(channel="kiosk"), office_name=OFFICE_NAME, language="en")
    band = inserted_band(paper, walk_in)
    assert ink(band).tobytes() == drawn_line("Booking", PAPER_80_MM_DOTS).tobytes()


@pytest.mark.parametrize("channel", ["kiosk", "counter", "api"])
def test_other_tickets_are_printed_without_the_booking_line(
    network_printer, make_ticket, read_job, channel
):
    paper = printed(network_printer, read_job, make_ticket(channel=channel), PAPER_80_MM_DOTS)

    booked = render_ticket(make_ticket(channel="booking"), office_name=OFFICE_NAME)
    assert paper.height < booked.height
    assert paper.tobytes() == render_ticket(make_ticket(), office_name=OFFICE_NAME).tobytes()


def test_a_booking_ticket_with_a_priority_prints_both_lines(make_ticket):
    booked = render_ticket(make_ticket(channel="booking", priority="elderly"), office_name="UBND")
    elderly = render_ticket(make_ticket(priority="elderly"), office_name="UBND")

    band = inserted_band(booked, elderly)

    assert ink(band).tobytes() == drawn_line("Đặt lịch hẹn", PAPER_80_MM_DOTS).tobytes()

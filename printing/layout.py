"""The paper ticket laid out as a 1-bit image.

Thermal printers rarely have a Vietnamese code page, and those that do
disagree on it, so the whole ticket is drawn as a picture with a font that
covers Vietnamese diacritics and is sent as a raster image. Sizes are
expressed for 80 mm paper (576 dots) and scaled for narrower paper.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from printing.wording import (
    booking_text,
    estimated_wait_text,
    issued_at_text,
    normalise_language,
    people_ahead_text,
    priority_text,
    wording_for,
)

PAPER_80_MM_DOTS = 576
PAPER_58_MM_DOTS = 384

FONTS_DIRECTORY = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR_FONT_PATH = FONTS_DIRECTORY / "DejaVuSans.ttf"
BOLD_FONT_PATH = FONTS_DIRECTORY / "DejaVuSans-Bold.ttf"

BLACK = 0
WHITE = 1

#: Font sizes in dots on 80 mm paper; narrower paper scales them down.
OFFICE_NAME_SIZE = 26
SERVICE_NAME_SIZE = 30
LABEL_SIZE = 26
DETAIL_SIZE = 24
SMALL_SIZE = 21
SMALLEST_FONT_SIZE = 14

#: The code fills this share of the printable width...
CODE_WIDTH_SHARE = 0.94
#: ...but a one- or two-character code would grow absurdly tall, so its
#: font size never exceeds this share of the paper width.
CODE_MAXIMUM_SIZE_SHARE = 0.42

#: The QR code aims at this share of the paper width; its modules stay at
#: least this many dots wide so a phone camera resolves them on paper.
QR_WIDTH_SHARE = 0.46
QR_SMALLEST_MODULE_DOTS = 3
#: The quiet zone the QR specification asks for, in modules.
QR_QUIET_ZONE_MODULES = 4


@functools.lru_cache(maxsize=64)
def load_font(size: int, *, is_bold: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped DejaVu Sans at ``size`` dots, loaded once per size.

    Reading and parsing the TrueType file costs far more than drawing a
    ticket, and the kiosk uses a handful of sizes, so each stays cached.
    """
    path = BOLD_FONT_PATH if is_bold else REGULAR_FONT_PATH
    return ImageFont.truetype(str(path), size)


def render_ticket(
    ticket: Mapping[str, Any],
    *,
    office_name: str,
    width_dots: int = PAPER_80_MM_DOTS,
    language: str = "vi",
) -> Image.Image:
    """Draw ``ticket`` (the API ticket dict) as a mode "1" image ``width_dots`` wide.

    Top to bottom: office, service, the number very large, time of issue,
    people ahead, estimated wait, priority group, "booking" for a ticket
    checked in from a booking, a QR code to the ticket's
    live page and the footer. Fields the ticket lacks (no estimate, no
    status page) leave their line out instead of failing the print.
    """
    if width_dots < 160 or width_dots % 8:
        raise ValueError(f"width_dots must be a multiple of 8 and at least 160, not {width_dots}")
    code = str(ticket.get("code") or "").strip()
    if not code:
        raise ValueError("the ticket has no code to print")

    language = normalise_language(language)
    wording = wording_for(language)
    scale = width_dots / PAPER_80_MM_DOTS
    margin = max(4, round(8 * scale))
    text_width = width_dots - 2 * margin

    def font(size: int, *, is_bold: bool = False) -> ImageFont.FreeTypeFont:
        return load_font(max(SMALLEST_FONT_SIZE, round(size * scale)), is_bold=is_bold)

    def gap(dots: int) -> _Gap:
        return _Gap(max(1, round(dots * scale)))

    service_name = ticket.get("service_name") or ""
    if language == "en" and ticket.get("service_name_en"):
        service_name = ticket["service_name_en"]

    blocks: list[_Block] = [gap(12)]
    blocks += _paragraph(office_name, font(OFFICE_NAME_SIZE, is_bold=True), text_width)
    blocks.append(gap(6))
    blocks += _paragraph(str(service_name), font(SERVICE_NAME_SIZE, is_bold=True), text_width)
    blocks += [gap(10), _Rule(max(2, round(3 * scale))), gap(12)]
    blocks += _paragraph(wording.your_number, font(LABEL_SIZE), text_width)
    blocks += [gap(10), _code_block(code, width_dots, text_width), gap(16)]
    if ticket.get("issued_at"):
        blocks += _paragraph(issued_at_text(ticket["issued_at"]), font(LABEL_SIZE), text_width)
        blocks.append(gap(6))
    if ticket.get("position") is not None:
        # A waiting ticket: its people ahead, and its wait or why none is given.
        ahead_text = people_ahead_text(int(ticket["position"]), wording)
        blocks += _paragraph(ahead_text, font(DETAIL_SIZE), text_width)
        estimate = ticket.get("estimated_wait_s")
        wait_text = estimated_wait_text(None if estimate is None else float(estimate), wording)
        blocks += _paragraph(wait_text, font(DETAIL_SIZE), text_width)
    priority_line = priority_text(ticket.get("priority"), wording)
    if priority_line:
        blocks.append(gap(6))
        blocks += _paragraph(priority_line, font(LABEL_SIZE, is_bold=True), text_width)
    booking_line = booking_text(ticket.get("channel"), wording)
    if booking_line:
        # The clerk sees at a glance that this citizen came at a booked time.
        blocks.append(gap(6))
        blocks += _paragraph(booking_line, font(LABEL_SIZE, is_bold=True), text_width)
    blocks += [gap(12), _Rule(max(1, round(2 * scale))), gap(8)]
    if ticket.get("status_url"):
        blocks += [_qr_block(str(ticket["status_url"]), width_dots), gap(2)]
        blocks += _paragraph(wording.qr_hint, font(SMALL_SIZE), text_width)
        blocks.append(gap(10))
    blocks += _paragraph(wording.footer, font(SMALL_SIZE, is_bold=True), text_width)
    blocks.append(gap(16))

    image = Image.new("1", (width_dots, sum(block.height for block in blocks)), WHITE)
    draw = ImageDraw.Draw(image)
    top = 0
    for block in blocks:
        block.draw(image, draw, top, margin)
        top += block.height
    return image


class _Block:
    """A horizontal band of the ticket: knows its height, then draws itself."""

    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        raise NotImplementedError


@dataclass
class _Gap(_Block):
    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        pass


@dataclass
class _Rule(_Block):
    """A separating line across the printable width."""

    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        draw.rectangle((margin, top, image.width - margin - 1, top + self.height - 1), fill=BLACK)


@dataclass
class _TextLine(_Block):
    """One centred line; its height follows the font so lines keep an even rhythm."""

    text: str
    font: ImageFont.FreeTypeFont
    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        draw.text((image.width / 2, top), self.text, font=self.font, fill=BLACK, anchor="ma")


@dataclass
class _CodeLine(_Block):
    """The ticket code, placed by its ink box so the huge glyphs sit tight."""

    text: str
    font: ImageFont.FreeTypeFont
    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        left, ink_top, right, _ = self.font.getbbox(self.text)
        x = (image.width - (right - left)) // 2 - left
        draw.text((x, top - ink_top), self.text, font=self.font, fill=BLACK)


@dataclass
class _Picture(_Block):
    """A prepared bitmap (the QR code), centred."""

    picture: Image.Image
    height: int

    def draw(self, image: Image.Image, draw: ImageDraw.ImageDraw, top: int, margin: int) -> None:
        image.paste(self.picture, ((image.width - self.picture.width) // 2, top))


def _paragraph(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[_Block]:
    """Centred lines of ``text`` wrapped to ``width`` dots."""
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + max(2, font.size // 8)
    return [_TextLine(line, font, line_height) for line in wrap_text(text, font, width)]


def wrap_text(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` dots, at spaces where possible.

    Office and service names are long ("Trung tâm Phục vụ hành chính công
    tỉnh ...") and must never run off the paper; a single word wider than
    the paper is cut between characters as a last resort.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for character in word:
            if current and font.getlength(current + character) > width:
                lines.append(current)
                current = ""
            current += character
    if current:
        lines.append(current)
    return lines


def _code_block(code: str, width_dots: int, text_width: int) -> _CodeLine:
    """The code in the largest bold size that fits the width (within the height cap)."""
    reference_size = 100
    reference_width = load_font(reference_size, is_bold=True).getlength(code)
    size = int(reference_size * text_width * CODE_WIDTH_SHARE / max(reference_width, 1))
    size = max(SMALLEST_FONT_SIZE, min(size, int(width_dots * CODE_MAXIMUM_SIZE_SHARE)))
    font = load_font(size, is_bold=True)
    left, top, right, bottom = font.getbbox(code)
    while right - left > text_width and size > SMALLEST_FONT_SIZE:
        size -= 2
        font = load_font(size, is_bold=True)
        left, top, right, bottom = font.getbbox(code)
    return _CodeLine(code, font, bottom - top)


def _qr_block(status_url: str, width_dots: int) -> _Picture:
    """The QR code of the ticket's live page, with its quiet zone, as a bitmap."""
    qr_code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_QUIET_ZONE_MODULES)
    qr_code.add_data(status_url)
    qr_code.make(fit=True)
    matrix = qr_code.get_matrix()
    modules = len(matrix)
    module_dots = max(QR_SMALLEST_MODULE_DOTS, int(width_dots * QR_WIDTH_SHARE) // modules)
    # An unusually long address must still fit the paper, even at a finer module.
    module_dots = max(1, min(module_dots, width_dots // modules))
    small = Image.new("1", (modules, modules), WHITE)
    small.putdata([BLACK if is_dark else WHITE for row in matrix for is_dark in row])
    picture = small.resize((modules * module_dots,) * 2, Image.Resampling.NEAREST)
    return _Picture(picture, picture.height)

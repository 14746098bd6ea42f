"""The ticket drawn as a 1-bit image: size, the big code, the QR code, Vietnamese text."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image, ImageChops

from printing import PAPER_58_MM_DOTS, PAPER_80_MM_DOTS, preview_png, render_ticket
from printing.layout import load_font, wrap_text

OFFICE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thừa Thiên Huế"
PAPER_WIDTHS = [PAPER_80_MM_DOTS, PAPER_58_MM_DOTS]


def black_share(image: Image.Image) -> float:
    """The share of black dots in a mode "1" image."""
    black_dots = image.histogram()[0]
    return black_dots / (image.width * image.height)


def decode_qr_codes(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.parametrize("width_dots", PAPER_WIDTHS)
def test_render_ticket_is_one_bit_and_exactly_the_paper_width(make_ticket, width_dots):
    image = render_ticket(make_ticket(), office_name=OFFICE_NAME, width_dots=width_dots)

    assert image.mode == "1"
    assert image.width == width_dots
    assert image.height > width_dots  # a ticket is taller than wide
    assert 0.04 < black_share(image) < 0.5


@pytest.mark.parametrize("width_dots", PAPER_WIDTHS)
def test_render_ticket_qr_code_decodes_to_the_status_url(make_ticket, width_dots):
    ticket = make_ticket(status_url="https://luot.example.gov.vn/t/9051?key=c0ffee42")

    image = render_ticket(ticket, office_name=OFFICE_NAME, width_dots=width_dots)

    assert decode_qr_codes(image) == ["https://luot.example.gov.vn/t/9051?key=c0ffee42"]


@pytest.mark.parametrize("width_dots", PAPER_WIDTHS)
def test_code_is_printed_across_most_of_the_width(make_ticket, width_dots):
    image = render_ticket(make_ticket(code="A012"), office_name="UBND", width_dots=width_dots)

    tallest_wide_band = _tallest_band_of_rows_with_ink_across(image, share=0.8)

    # The rules across the paper are a few dots high and text lines about
    # 30; only the code makes a band this tall.
    assert tallest_wide_band > 0.2 * width_dots


def _tallest_band_of_rows_with_ink_across(image: Image.Image, share: float) -> int:
    """Most consecutive rows whose ink runs from left to right over ``share`` of the width."""
    ink = ImageChops.invert(image)  # getbbox() finds the non-zero, i.e. black, dots
    tallest = current = 0
    for y in range(image.height):
        row_box = ink.crop((0, y, image.width, y + 1)).getbbox()
        is_wide = row_box is not None and row_box[2] - row_box[0] >= share * image.width
        current = current + 1 if is_wide else 0
        tallest = max(tallest, current)
    return tallest


def test_longer_code_is_drawn_smaller_to_stay_on_the_paper(make_ticket):
    short = render_ticket(make_ticket(code="A012"), office_name="UBND", width_dots=384)
    long = render_ticket(make_ticket(code="HT-10025"), office_name="UBND", width_dots=384)

    assert long.height < short.height
    assert _tallest_band_of_rows_with_ink_across(long, share=0.8) > 0


@pytest.mark.parametrize("is_bold", [False, True])
@pytest.mark.parametrize("letter", ["ữ", "ặ", "ố", "đ", "Ư", "ỹ", "Ẫ"])
def test_shipped_font_has_a_glyph_for_vietnamese_letter(letter, is_bold):
    font = load_font(48, is_bold=is_bold)
    missing_glyph = font.getmask("\ue000")  # a private-use code point: the "missing" box
    glyph = font.getmask(letter)

    assert glyph.getbbox() is not None
    assert bytes(glyph) != bytes(missing_glyph)


@pytest.mark.parametrize(("accented", "plain"), [("ữ", "ư"), ("ặ", "ă"), ("ố", "ô")])
def test_shipped_font_draws_the_tone_mark(accented, plain):
    font = load_font(48)

    accented_ink = sum(1 for value in font.getmask(accented) if value)
    plain_ink = sum(1 for value in font.getmask(plain) if value)

    assert accented_ink > plain_ink


def test_vietnamese_service_name_prints_its_diacritics(make_ticket):
    accented = render_ticket(make_ticket(service_name="Chứng thực"), office_name="UBND")
    plain = render_ticket(make_ticket(service_name="Chung thuc"), office_name="UBND")

    assert accented.size == plain.size
    assert accented.tobytes() != plain.tobytes()


def test_english_ticket_uses_the_english_service_name(make_ticket):
    first = make_ticket(service_name_en="Land registration")
    second = make_ticket(service_name_en="Business registration")

    in_vietnamese = [render_ticket(t, office_name="UBND").tobytes() for t in (first, second)]
    in_english = [
        render_ticket(t, office_name="UBND", language="en").tobytes() for t in (first, second)
    ]

    assert in_vietnamese[0] == in_vietnamese[1]
    assert in_english[0] != in_english[1]


def test_priority_ticket_has_an_extra_line(make_ticket):
    ordinary = render_ticket(make_ticket(priority="none"), office_name="UBND")
    elderly = render_ticket(make_ticket(priority="elderly"), office_name="UBND")

    assert elderly.height > ordinary.height


def test_missing_optional_fields_leave_their_lines_out(make_ticket):
    full = render_ticket(make_ticket(), office_name="UBND")
    bare_ticket = make_ticket(position=None, estimated_wait_s=None)
    del bare_ticket["status_url"]

    bare = render_ticket(bare_ticket, office_name="UBND")

    assert bare.height < full.height
    assert decode_qr_codes(bare) == []


def test_a_waiting_ticket_with_no_open_counter_prints_why_it_has_no_wait(make_ticket):
    with_wait = render_ticket(make_ticket(estimated_wait_s=600.0), office_name="UBND")
    no_counter = render_ticket(make_ticket(estimated_wait_s=None), office_name="UBND")
    # The explanation is longer than an estimate: it wraps onto more lines,
    # where the waiting ticket's estimate line would otherwise have been.
    assert no_counter.height > with_wait.height
    # Nor is it the bare ticket, which leaves both the people ahead and the
    # wait out.
    bare = render_ticket(make_ticket(position=None, estimated_wait_s=None), office_name="UBND")
    assert no_counter.height > bare.height


def test_ticket_without_code_is_refused(make_ticket):
    with pytest.raises(ValueError, match="no code"):
        render_ticket(make_ticket(code=""), office_name="UBND")


@pytest.mark.parametrize("width_dots", [380, 100])
def test_paper_width_must_be_whole_bytes_and_sensible(make_ticket, width_dots):
    with pytest.raises(ValueError, match="width_dots"):
        render_ticket(make_ticket(), office_name="UBND", width_dots=width_dots)


def test_wrap_text_keeps_every_line_within_the_width():
    font = load_font(30, is_bold=True)

    text = OFFICE_NAME + " Ủybannhândânphườngrấtdàimàkhôngcókhoảngtrắngnào"

    lines = wrap_text(text, font, 300)

    assert len(lines) > 3
    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_preview_png_is_the_ticket_as_png(make_ticket):
    ticket = make_ticket()

    png = preview_png(ticket, "UBND", 384)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    preview = Image.open(io.BytesIO(png))
    expected = render_ticket(ticket, office_name="UBND", width_dots=384)
    assert (preview.mode, preview.size) == ("1", expected.size)
    assert preview.tobytes() == expected.tobytes()

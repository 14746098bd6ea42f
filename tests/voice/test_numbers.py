"""Numbers read aloud: the exact words, since each word is one recorded clip."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest

from voice.numbers import english_number_words, vietnamese_number_words

VIETNAMESE_READINGS = {
    0: "không",
    4: "bốn",
    5: "năm",
    10: "mười",
    11: "mười một",
    14: "mười bốn",
    15: "mười lăm",
    20: "hai mươi",
    21: "hai mươi mốt",
    24: "hai mươi bốn",
    25: "hai mươi lăm",
    55: "năm mươi lăm",
    91: "chín mươi mốt",
    100: "một trăm",
    101: "một trăm linh một",
    105: "một trăm linh năm",
    110: "một trăm mười",
    111: "một trăm mười một",
    115: "một trăm mười lăm",
    121: "một trăm hai mươi mốt",
    500: "năm trăm",
    1000: "một nghìn",
    1001: "một nghìn không trăm linh một",
    1005: "một nghìn không trăm linh năm",
    1010: "một nghìn không trăm mười",
    1025: "một nghìn không trăm hai mươi lăm",
    1100: "một nghìn một trăm",
    2021: "hai nghìn không trăm hai mươi mốt",
    5555: "năm nghìn năm trăm năm mươi lăm",
    9999: "chín nghìn chín trăm chín mươi chín",
    15000: "mười lăm nghìn",
    21005: "hai mươi mốt nghìn không trăm linh năm",
    999999: "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
}


@pytest.mark.parametrize(("number", "reading"), VIETNAMESE_READINGS.items())
def test_vietnamese_number_words(number: int, reading: str) -> None:
    assert vietnamese_number_words(number) == reading.split()


def test_vietnamese_numbers_say_mot_and_lam_only_after_a_ten() -> None:
    for number in range(10000):
        words = vietnamese_number_words(number)
        for previous, word in pairwise(words):
            if word in ("mốt", "lăm"):
                assert previous in ("mười", "mươi"), (number, words)
        assert words[0] not in ("mốt", "lăm", "mươi", "linh"), (number, words)


def test_vietnamese_numbers_below_ten_thousand_all_differ() -> None:
    readings = {tuple(vietnamese_number_words(number)) for number in range(10000)}
    assert len(readings) == 10000


ENGLISH_READINGS = {
    0: "zero",
    7: "seven",
    12: "twelve",
    19: "nineteen",
    20: "twenty",
    21: "twenty one",
    99: "ninety nine",
    100: "one hundred",
    105: "one hundred five",
    1025: "one thousand twenty five",
    2000: "two thousand",
    9999: "nine thousand nine hundred ninety nine",
}


@pytest.mark.parametrize(("number", "reading"), ENGLISH_READINGS.items())
def test_english_number_words(number: int, reading: str) -> None:
    assert english_number_words(number) == reading.split()


@pytest.mark.parametrize("reader", [vietnamese_number_words, english_number_words])
@pytest.mark.parametrize("number", [-1, 1_000_000])
def test_numbers_outside_the_readable_range_are_refused(
    reader: Callable[[int], list[str]], number: int
) -> None:
    with pytest.raises(ValueError, match="outside"):
        reader(number)

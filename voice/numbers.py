"""Numbers as the words a person says aloud, in Vietnamese and in English.

The announcement is assembled from one recorded clip per word, so these
functions return lists of words rather than strings: each word maps to exactly
one clip (see :mod:`voice.clips`).
"""

from __future__ import annotations

#: Each digit's own name, as read in a digit-by-digit code ("một – không – hai – năm").
VIETNAMESE_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: Vietnamese words that appear only inside a number.
VIETNAMESE_TEN = "mười"  # 10 to 19: "mười", "mười một"
VIETNAMESE_TENS = "mươi"  # after a tens digit of 2 or more: "hai mươi"
VIETNAMESE_ONE_AFTER_TENS = "mốt"  # 21, 31 ... 91: "hai mươi mốt"
VIETNAMESE_FIVE_AFTER_TENS = "lăm"  # 15, 25 ... 95: "mười lăm", "hai mươi lăm"
VIETNAMESE_ZERO_TENS = "linh"  # 105: "một trăm linh năm" (the South says "lẻ")
VIETNAMESE_HUNDRED = "trăm"
VIETNAMESE_THOUSAND = "nghìn"  # the South says "ngàn"; offices write "nghìn"

#: Largest number read as a number; longer runs of digits are read digit by digit.
LARGEST_READABLE_NUMBER = 999_999

ENGLISH_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ENGLISH_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
#: Indexed by the tens digit; 0 and 1 have no word of their own here.
ENGLISH_TENS = (
    "",
    "",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)
ENGLISH_HUNDRED = "hundred"
ENGLISH_THOUSAND = "thousand"


def _check_readable(number: int) -> None:
    if not 0 <= number <= LARGEST_READABLE_NUMBER:
        raise ValueError(f"{number} is outside 0..{LARGEST_READABLE_NUMBER}")


def _vietnamese_tens_and_units(tens: int, units: int) -> list[str]:
    """Words for the last two digits of a group, tens > 0 or units > 0."""
    if tens == 0:
        return [VIETNAMESE_DIGITS[units]]
    words = [VIETNAMESE_TEN] if tens == 1 else [VIETNAMESE_DIGITS[tens], VIETNAMESE_TENS]
    if units == 1 and tens >= 2:
        words.append(VIETNAMESE_ONE_AFTER_TENS)
    elif units == 5:
        words.append(VIETNAMESE_FIVE_AFTER_TENS)
    elif units:
        words.append(VIETNAMESE_DIGITS[units])
    return words


def _vietnamese_group(group: int, *, is_leading: bool) -> list[str]:
    """Words for 1..999, one group of three digits.

    A group that follows a thousand is read with all its places, so 1025 says
    "không trăm" and 1005 says "không trăm linh năm"; a leading group starts at
    its first non-zero digit.
    """
    hundreds, rest = divmod(group, 100)
    tens, units = divmod(rest, 10)
    if is_leading and hundreds == 0:
        return _vietnamese_tens_and_units(tens, units)
    words = [VIETNAMESE_DIGITS[hundreds], VIETNAMESE_HUNDRED]
    if tens == 0 and units:
        words += [VIETNAMESE_ZERO_TENS, VIETNAMESE_DIGITS[units]]
    elif rest:
        words += _vietnamese_tens_and_units(tens, units)
    return words


def vietnamese_number_words(number: int) -> list[str]:
    """Read 0..999 999 as a Vietnamese number: 1025 -> một nghìn không trăm hai mươi lăm.

    "bốn" is used for 4 everywhere (never the optional "tư"), "linh" for a zero
    tens digit and "nghìn" for a thousand: the Northern forms, which are also
    the ones written in official documents.
    """
    _check_readable(number)
    if number == 0:
        return [VIETNAMESE_DIGITS[0]]
    thousands, rest = divmod(number, 1000)
    if thousands == 0:
        return _vietnamese_group(rest, is_leading=True)
    words = [*_vietnamese_group(thousands, is_leading=True), VIETNAMESE_THOUSAND]
    if rest:
        words += _vietnamese_group(rest, is_leading=False)
    return words


def _english_below_thousand(number: int) -> list[str]:
    hundreds, rest = divmod(number, 100)
    words = [ENGLISH_DIGITS[hundreds], ENGLISH_HUNDRED] if hundreds else []
    tens, units = divmod(rest, 10)
    if tens == 1:
        words.append(ENGLISH_TEENS[units])
    elif tens >= 2:
        words.append(ENGLISH_TENS[tens])
        if units:
            words.append(ENGLISH_DIGITS[units])
    elif units:
        words.append(ENGLISH_DIGITS[units])
    return words


def english_number_words(number: int) -> list[str]:
    """Read 0..999 999 as an English number: 1025 -> one thousand twenty five.

    No "and" after "hundred": the American form needs one clip less and is
    understood everywhere. "twenty five" is two clips, so the tens and units
    words are reused for every number.
    """
    _check_readable(number)
    if number == 0:
        return [ENGLISH_DIGITS[0]]
    thousands, rest = divmod(number, 1000)
    words = [*_english_below_thousand(thousands), ENGLISH_THOUSAND] if thousands else []
    return words + _english_below_thousand(rest)

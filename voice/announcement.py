"""Which clips to play, in which order, to call a ticket to a counter.

Vietnamese: chime, "Mời công dân có số thứ tự", the code, "đến quầy số", the
counter. English: chime, "Number", the code, "please go to counter", the
counter. The waiting-room display turns the names into URLs with
:func:`voice.clips.clip_url` and hands them to ``static/display/announcer.js``.

How a code is read:

* letters always by their names ("A012" starts with "a"; Đ is "đê");
* ``number_reading="digits"`` (the default) reads every digit by its own
  name, "một – không – hai – năm" for 1025: nobody mishears a digit, and the
  spoken digits match the printed ones one for one;
* ``number_reading="number"`` reads each run of digits as one number: 1025 is
  "một nghìn không trăm hai mươi lăm". Leading zeros are not spoken, so
  "A012" is "a mười hai" (and "A000" is "a không"), which is how people say
  such numbers; runs longer than six digits are read digit by digit.

The counter is always read as a number ("quầy số mười hai" for 12).
"""

from __future__ import annotations

from itertools import groupby

from voice import numbers
from voice.clips import (
    ANNOUNCEABLE_CHARACTERS,
    CALL_COUNTER,
    CALL_OPENING,
    CHIME,
    CLIPS_BY_NAME,
    LANGUAGES,
    NUMBER_WORD_CLIPS,
    digit_clip,
    letter_clip,
)

NUMBER_READINGS = ("digits", "number")
_DIGITS = frozenset("0123456789")
_LONGEST_RUN_READ_AS_NUMBER = len(str(numbers.LARGEST_READABLE_NUMBER))


def number_clips(number: int, language: str) -> list[str]:
    """The clips that say ``number`` as a number in ``language``."""
    if language == "vi":
        words = numbers.vietnamese_number_words(number)
    else:
        words = numbers.english_number_words(number)
    return [NUMBER_WORD_CLIPS[language][word] for word in words]


def code_clips(code: str, language: str, number_reading: str) -> list[str]:
    """The clips that say a ticket code such as "A012" or "1025".

    Raises ``ValueError`` when the code is empty or has a character with no
    clip (a space, a dash, "Ư"...): better to fail where the call is made than
    to play a half announcement.
    """
    unannounceable = sorted({char for char in code if char.upper() not in ANNOUNCEABLE_CHARACTERS})
    if not code or unannounceable:
        raise ValueError(f"ticket code {code!r} cannot be announced: {unannounceable}")
    clips: list[str] = []
    for is_digit_run, characters in groupby(code.upper(), key=_DIGITS.__contains__):
        run = "".join(characters)
        if not is_digit_run:
            clips += [letter_clip(language, letter) for letter in run]
        elif number_reading == "number" and len(run) <= _LONGEST_RUN_READ_AS_NUMBER:
            clips += number_clips(int(run), language)
        else:
            clips += [digit_clip(language, digit) for digit in run]
    return clips


def announcement_clips(
    code: str,
    counter_number: int,
    *,
    language: str = "vi",
    number_reading: str = "digits",
    with_chime: bool = True,
) -> list[str]:
    """The ordered clip names of one call: "1025" to counter 3 in Vietnamese is

    ``["chime", "vi/moi_cong_dan_co_so_thu_tu", "vi/digit_1", "vi/digit_0",
    "vi/digit_2", "vi/digit_5", "vi/den_quay_so", "vi/digit_3"]``.

    ``with_chime=False`` leaves out the chime, for a second language played
    right after the first.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no clips for language {language!r}; known: {LANGUAGES}")
    if number_reading not in NUMBER_READINGS:
        raise ValueError(f"number_reading must be one of {NUMBER_READINGS}")
    return [
        *([CHIME] if with_chime else []),
        CALL_OPENING[language],
        *code_clips(code, language, number_reading),
        CALL_COUNTER[language],
        *number_clips(counter_number, language),
    ]


def announcement_text(
    code: str, counter_number: int, *, language: str = "vi", number_reading: str = "digits"
) -> str:
    """The words of one call, for a speech voice: the very words the clips of
    :func:`announcement_clips` say, so that both read a code alike. "A012"
    to counter 3: "Mời công dân có số thứ tự a không một hai đến quầy số ba".
    """
    names = announcement_clips(
        code, counter_number, language=language, number_reading=number_reading, with_chime=False
    )
    return " ".join(CLIPS_BY_NAME[name].text for name in names)

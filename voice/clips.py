"""Every audio clip an announcement can play, and the words spoken in it.

This list is the single source for three things that must agree: the clip
names :mod:`voice.announcement` returns, the files
``scripts/make_voice_clips.py`` writes into ``static/voice/``, and the list of
words a person reads when the synthetic clips are replaced by a recorded
human voice (``static/voice/README.md``).

Naming: ``chime`` is the two-tone signal before each call. Spoken clips live
in a folder per language, ``vi/`` or ``en/``, and are named

* ``digit_<0-9>``: the digit's own name ("năm", "five"); numbers read as
  numbers reuse these for their units,
* ``letter_<a-z>``: the letter's name ("bê", "B"); ``vi/letter_dd`` is "đê",
* ``word_<word>``: any other word of a number, named after the word without
  diacritics; where two Vietnamese words would then collide, the name of the
  tone follows (``word_muoi_huyen`` "mười", ``word_muoi_ngang`` "mươi"),
* the phrase itself without diacritics for the sentence parts
  (``vi/moi_cong_dan_co_so_thu_tu``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from voice import numbers

#: Every clip is one MP3 file: mono, 22.05 kHz, about 40 kbit/s. MP3 is the one
#: compressed format that every browser plays, old Safari and TV sets included.
CLIP_EXTENSION = "mp3"
CLIP_URL_PREFIX = "/static/voice/"
#: Where an office's own recorded clips are served (``display/routes.py``).
RECORDED_CLIP_URL_PREFIX = "/display/voice/"
#: Recorded clips are WAV: 16-bit mono PCM, which Chromium plays like any browser.
RECORDED_CLIP_EXTENSION = "wav"
#: How much of a recorded clip's SHA-256 its URL carries.
DIGEST_IN_URL = 16

LANGUAGES = ("vi", "en")
CHIME = "chime"


@dataclass(frozen=True)
class Clip:
    """One audio file: its name (path below ``static/voice/`` without the
    extension), the language spoken in it (empty for the chime) and the exact
    words a speaker says when recording it."""

    name: str
    language: str
    text: str

    @property
    def file_name(self) -> str:
        """Path of the file below ``static/voice/``."""
        return f"{self.name}.{CLIP_EXTENSION}"

    @property
    def is_chime(self) -> bool:
        return self.name == CHIME


#: Letter names used in Vietnamese offices. The letters the Vietnamese
#: alphabet lacks (F, J, W, Z) get the names people use for them in spelling.
VIETNAMESE_LETTER_NAMES = MappingProxyType(
    {
        "A": "a",
        "B": "bê",
        "C": "xê",
        "D": "dê",
        "Đ": "đê",
        "E": "e",
        "F": "ép-phờ",
        "G": "giê",
        "H": "hát",
        "I": "i",
        "J": "gi",
        "K": "ca",
        "L": "e-lờ",
        "M": "em-mờ",
        "N": "en-nờ",
        "O": "o",
        "P": "pê",
        "Q": "quy",
        "R": "e-rờ",
        "S": "ét-xì",
        "T": "tê",
        "U": "u",
        "V": "vê",
        "W": "vê kép",
        "X": "ích-xì",
        "Y": "i dài",
        "Z": "dét",
    }
)

#: English names are the letters themselves; Đ has no English name and is read "D".
ENGLISH_LETTER_NAMES = MappingProxyType(
    {letter: letter for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {"Đ": "D"}
)

LETTER_NAMES = MappingProxyType({"vi": VIETNAMESE_LETTER_NAMES, "en": ENGLISH_LETTER_NAMES})

#: The characters a ticket code may contain and still be announced.
ANNOUNCEABLE_CHARACTERS = frozenset("0123456789") | frozenset(VIETNAMESE_LETTER_NAMES)

#: The fixed parts of the sentence, in the order they are spoken around the code.
CALL_OPENING = MappingProxyType({"vi": "vi/moi_cong_dan_co_so_thu_tu", "en": "en/number"})
CALL_COUNTER = MappingProxyType({"vi": "vi/den_quay_so", "en": "en/please_go_to_counter"})
_PHRASE_TEXTS = {
    "vi/moi_cong_dan_co_so_thu_tu": "Mời công dân có số thứ tự",
    "vi/den_quay_so": "đến quầy số",
    "en/number": "Number",
    "en/please_go_to_counter": "please go to counter",
}

_VIETNAMESE_WORD_CLIP_NAMES = {
    numbers.VIETNAMESE_TEN: "vi/word_muoi_huyen",
    numbers.VIETNAMESE_TENS: "vi/word_muoi_ngang",
    numbers.VIETNAMESE_ONE_AFTER_TENS: "vi/word_mot_sac",
    numbers.VIETNAMESE_FIVE_AFTER_TENS: "vi/word_lam",
    numbers.VIETNAMESE_ZERO_TENS: "vi/word_linh",
    numbers.VIETNAMESE_HUNDRED: "vi/word_tram",
    numbers.VIETNAMESE_THOUSAND: "vi/word_nghin",
}
_ENGLISH_WORDS = (
    numbers.ENGLISH_TEENS
    + tuple(word for word in numbers.ENGLISH_TENS if word)
    + (numbers.ENGLISH_HUNDRED, numbers.ENGLISH_THOUSAND)
)

#: The clip for each word the number readers of :mod:`voice.numbers` can say.
NUMBER_WORD_CLIPS = MappingProxyType(
    {
        "vi": MappingProxyType(
            {word: f"vi/digit_{digit}" for digit, word in enumerate(numbers.VIETNAMESE_DIGITS)}
            | _VIETNAMESE_WORD_CLIP_NAMES
        ),
        "en": MappingProxyType(
            {word: f"en/digit_{digit}" for digit, word in enumerate(numbers.ENGLISH_DIGITS)}
            | {word: f"en/word_{word}" for word in _ENGLISH_WORDS}
        ),
    }
)


def digit_clip(language: str, digit: str) -> str:
    """The clip that says one digit ("5" -> "vi/digit_5", spoken "năm")."""
    return f"{language}/digit_{int(digit)}"


def letter_clip(language: str, letter: str) -> str:
    """The clip that says a letter's name; English reads Đ as D."""
    if language == "en" and letter == "Đ":
        letter = "D"
    return f"{language}/letter_{'dd' if letter == 'Đ' else letter.lower()}"


def _build_clips() -> tuple[Clip, ...]:
    clips = [Clip(CHIME, "", "(no words: a two-tone ding-dong)")]
    for language in LANGUAGES:
        for name in (CALL_OPENING[language], CALL_COUNTER[language]):
            clips.append(Clip(name, language, _PHRASE_TEXTS[name]))
        clips += [Clip(name, language, word) for word, name in NUMBER_WORD_CLIPS[language].items()]
        # A dict, because English gives Đ and D the same clip.
        spoken_letters = {
            letter_clip(language, letter): spoken
            for letter, spoken in LETTER_NAMES[language].items()
        }
        clips += [Clip(name, language, spoken) for name, spoken in spoken_letters.items()]
    return tuple(clips)


#: Every clip, in the order of the recording list: chime, then per language
#: the sentence parts, digits, number words and letters.
CLIPS: tuple[Clip, ...] = _build_clips()
CLIPS_BY_NAME = MappingProxyType({clip.name: clip for clip in CLIPS})


def clip_url(name: str) -> str:
    """The URL the display fetches a clip from, e.g. ``/static/voice/vi/digit_5.mp3``.

    Unknown names raise ``KeyError`` here, on the server, rather than turning
    into a silent 404 in the waiting room.
    """
    return CLIP_URL_PREFIX + CLIPS_BY_NAME[name].file_name


def recorded_clip_url(office_code: str, name: str, digest: str) -> str:
    """The URL of an office's published recording of a clip, e.g.
    ``/display/voice/DEMO/vi/digit_5.3fa9c0de12ab34cd.wav``: a new take has a
    new URL, so a display never plays a stale copy from its cache."""
    if name not in CLIPS_BY_NAME:
        raise KeyError(name)
    return (
        f"{RECORDED_CLIP_URL_PREFIX}{office_code}/{name}"
        f".{digest[:DIGEST_IN_URL]}.{RECORDED_CLIP_EXTENSION}"
    )


def office_clip_url(name: str, office_code: str, published: Mapping[str, str]) -> str:
    """The clip an office's displays play: its published recording where
    ``published`` (clip name -> digest) has one, else the bundled clip."""
    digest = published.get(name)
    if digest is None:
        return clip_url(name)
    return recorded_clip_url(office_code, name, digest)


#: The groups of the recording list, in the order a speaker records them.
CLIP_GROUPS = ("phrases", "digits", "number_words", "letters")


def clip_group(name: str) -> str:
    """Which group of the recording list a spoken clip belongs to."""
    base = name.split("/", 1)[1]
    if base.startswith("digit_"):
        return "digits"
    if base.startswith("word_"):
        return "number_words"
    if base.startswith("letter_"):
        return "letters"
    return "phrases"

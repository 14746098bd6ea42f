"""How well the loudspeaker's calls are understood: a Vietnamese recogniser
listens to them and we count the words it gets wrong.

    .venv/bin/pip install -r bench/requirements.txt     # the recogniser, once
    .venv/bin/python bench/voice.py [--clips DIR] [--calls 60] [--seed 15]
        [--time-limit 600] [--keep DIR]

Each call is assembled as the display plays it: the clip list comes from
``voice.announcement_clips`` (chime included), every MP3 is decoded with
``lame --decode``, which drops the encoder's padding by the clips' gapless
header as browsers do, and the clips are joined end to end with no gap of
their own: ``static/display/announcer.js`` starts each clip when the one
before ends, so the only pause between words is the silence each clip
carries at its end. (Its ``pauseBetweenMs`` separates two calls; every call
here is a file of its own.) The call is then resampled to 16 kHz mono, the
rate the recogniser's model listens at, written as a WAV to a temporary
folder and transcribed.

The calls are a fixed, seeded draw of the codes offices print (a letter and
three digits like A012 or B105, four digits like 1025, a letter and one
digit like C7) to counters 1 to 20, half read digit by digit and half as
numbers, in Vietnamese; the first four are always A012, B105, 1025 and C7.

Figures, as rates (so they need no baseline on the same machine):

- word error rate: (substitutions + deletions + insertions) / words spoken,
  by word-level edit distance after lower-casing, Unicode NFC, and turning
  punctuation and hyphens into spaces ("e-lờ" is two words, "e lờ");
- key-word miss rate: the share of the ticket code's and the counter
  number's words that the alignment does not match exactly;
- calls fully caught: calls whose code and counter words all came back;
- the miss rate of each part of the sentence.

The recogniser runs with its acoustic model alone, without the inverse text
normalisation that would write "một không hai năm" as "1025"; should a digit
still come back, it is read as its Vietnamese digit name, one word per
digit, before comparing. With ``--clips DIR`` (a folder holding clips of the
same names, e.g. an office's recordings) the same calls are measured with
the bundled clips and with DIR's, printed side by side. Bounded: ``--calls``
calls per clip set, and no new call is started after ``--time-limit``
seconds (each call is heard with every set before the next, so the sets
are always compared on the same calls).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Ahead of bench/, whose voice.py (this file) would otherwise hide the voice package.
sys.path.insert(0, str(ROOT))

from common import machine  # noqa: E402

from voice.announcement import announcement_clips  # noqa: E402
from voice.clips import (  # noqa: E402
    CALL_COUNTER,
    CALL_OPENING,
    CHIME,
    CLIPS_BY_NAME,
)
from voice.numbers import VIETNAMESE_DIGITS  # noqa: E402

BUNDLED_CLIPS = ROOT / "static" / "voice"
#: The recogniser's model listens at 16 kHz.
RECOGNISER_SAMPLE_RATE = 16000
LANGUAGE = "vi"
#: The letters offices put in front of their numbers (the GLOSSARY's names).
CODE_LETTERS = "ABCDĐEGHKLMNPSTVX"
FIRST_CALLS = (("A012", 12), ("B105", 3), ("1025", 7), ("C7", 20))
COUNTERS = range(1, 21)
PARTS = ("opening", "code", "counter phrase", "counter")
INSTALL_HINT = "the recogniser is not installed: .venv/bin/pip install -r bench/requirements.txt"


@dataclass(frozen=True)
class Call:
    code: str
    counter_number: int
    number_reading: str

    def clips(self) -> list[str]:
        """The clip names the display plays for this call, in order."""
        return announcement_clips(
            self.code, self.counter_number, language=LANGUAGE, number_reading=self.number_reading
        )

    def __str__(self) -> str:
        return f"{self.code} → {self.counter_number} ({self.number_reading})"


def representative_calls(count: int, seed: int) -> list[Call]:
    """``count`` calls: the four fixed ones, then a seeded draw; readings alternate."""
    rng = random.Random(seed)
    drawn = list(FIRST_CALLS)
    while len(drawn) < count:
        shape = rng.choice(("letter and three digits", "four digits", "letter and a digit"))
        if shape == "letter and three digits":
            code = rng.choice(CODE_LETTERS) + f"{rng.randrange(1000):03d}"
        elif shape == "four digits":
            code = f"{rng.randrange(1000, 10000)}"
        else:
            code = rng.choice(CODE_LETTERS) + str(rng.randrange(10))
        drawn.append((code, rng.choice(COUNTERS)))
    readings = ("digits", "number")
    return [
        Call(code, counter, readings[index % 2])
        for index, (code, counter) in enumerate(drawn[:count])
    ]


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation; a digit becomes its Vietnamese name."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"\d", lambda digit: f" {VIETNAMESE_DIGITS[int(digit.group())]} ", text)
    return re.sub(r"[^\w\s]|_", " ", text).split()


@dataclass(frozen=True)
class SpokenWord:
    word: str
    part: str


def spoken_words(clip_names: Sequence[str]) -> list[SpokenWord]:
    """The words a call's clips say, each with the part of the sentence it belongs to."""
    words: list[SpokenWord] = []
    part = PARTS[0]
    for name in clip_names:
        if name == CHIME:
            continue
        if name == CALL_OPENING[LANGUAGE]:
            part = "opening"
        elif name == CALL_COUNTER[LANGUAGE]:
            part = "counter phrase"
        elif part == "opening":
            part = "code"
        elif part == "counter phrase":
            part = "counter"
        words += [SpokenWord(word, part) for word in normalise(CLIPS_BY_NAME[name].text)]
    return words


@dataclass
class Alignment:
    """A word-level edit-distance alignment of a reference and a hypothesis."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    #: For each reference word, whether the hypothesis has it in the same place.
    is_matched: list[bool] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions


def align(reference: Sequence[str], hypothesis: Sequence[str]) -> Alignment:
    """Levenshtein over words, every edit costing one; ties prefer a match."""
    rows, columns = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * columns for _ in range(rows)]
    for row in range(rows):
        cost[row][0] = row
    for column in range(columns):
        cost[0][column] = column
    for row in range(1, rows):
        for column in range(1, columns):
            is_same = reference[row - 1] == hypothesis[column - 1]
            cost[row][column] = min(
                cost[row - 1][column - 1] + (0 if is_same else 1),
                cost[row - 1][column] + 1,
                cost[row][column - 1] + 1,
            )
    alignment = Alignment(is_matched=[False] * len(reference))
    row, column = len(reference), len(hypothesis)
    while row or column:
        diagonal = row and column and reference[row - 1] == hypothesis[column - 1]
        if diagonal and cost[row][column] == cost[row - 1][column - 1]:
            alignment.is_matched[row - 1] = True
            row, column = row - 1, column - 1
        elif row and column and cost[row][column] == cost[row - 1][column - 1] + 1:
            alignment.substitutions += 1
            row, column = row - 1, column - 1
        elif row and cost[row][column] == cost[row - 1][column] + 1:
            alignment.deletions += 1
            row -= 1
        else:
            alignment.insertions += 1
            column -= 1
    return alignment


def word_error_rate(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    """(substitutions + deletions + insertions) / reference words."""
    return align(reference, hypothesis).errors / len(reference)


def decode_clip(path: Path, work: Path) -> tuple[int, bytes]:
    """(sample rate, 16-bit mono PCM) of one MP3, without the encoder's padding."""
    decoded = work / "clip.wav"
    subprocess.run(["lame", "--quiet", "--decode", str(path), str(decoded)], check=True)
    with wave.open(str(decoded)) as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
            raise SystemExit(f"{path}: not a 16-bit mono clip")
        return reader.getframerate(), reader.readframes(reader.getnframes())


class Assembler:
    """Joins a call's clips from one folder, decoding each clip once."""

    def __init__(self, folder: Path, work: Path) -> None:
        self.folder = folder
        self.work = work
        self._decoded: dict[str, tuple[int, bytes]] = {}

    def pcm(self, name: str) -> tuple[int, bytes]:
        if name not in self._decoded:
            path = self.folder / CLIPS_BY_NAME[name].file_name
            if not path.is_file():
                raise SystemExit(f"{path}: missing (the folder needs every clip a call can play)")
            self._decoded[name] = decode_clip(path, self.work)
        return self._decoded[name]

    def write_call(self, clip_names: Iterable[str], target: Path) -> None:
        """The call as one 16 kHz WAV: the clips end to end, then resampled."""
        pieces = [self.pcm(name) for name in clip_names]
        rates = {rate for rate, _ in pieces}
        if len(rates) != 1:
            raise SystemExit(f"{self.folder}: clips of different sample rates {sorted(rates)}")
        joined = self.work / "joined.wav"
        with wave.open(str(joined), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(rates.pop())
            writer.writeframes(b"".join(pcm for _, pcm in pieces))
        subprocess.run(
            ["sox", str(joined), "-r", str(RECOGNISER_SAMPLE_RATE), str(target)], check=True
        )


@dataclass
class Tally:
    """Counts over the calls of one clip set."""

    words: int = 0
    errors: int = 0
    missed_by_part: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    words_by_part: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    calls: int = 0
    calls_fully_caught: int = 0
    examples: list[tuple[Call, str, str]] = field(default_factory=list)

    def add(self, call: Call, transcript: str) -> None:
        spoken = spoken_words(call.clips())
        reference = [spoken_word.word for spoken_word in spoken]
        alignment = align(reference, normalise(transcript))
        self.words += len(reference)
        self.errors += alignment.errors
        self.calls += 1
        key_missed = 0
        for spoken_word, is_matched in zip(spoken, alignment.is_matched, strict=True):
            self.words_by_part[spoken_word.part] += 1
            if not is_matched:
                self.missed_by_part[spoken_word.part] += 1
                key_missed += spoken_word.part in ("code", "counter")
        self.calls_fully_caught += key_missed == 0
        self.examples.append((call, " ".join(reference), transcript))

    def rate(self, part: str) -> float:
        return self.missed_by_part[part] / max(1, self.words_by_part[part])

    @property
    def word_error_rate(self) -> float:
        return self.errors / max(1, self.words)

    @property
    def key_word_miss_rate(self) -> float:
        missed = self.missed_by_part["code"] + self.missed_by_part["counter"]
        return missed / max(1, self.words_by_part["code"] + self.words_by_part["counter"])


def load_recogniser():  # type: ignore[no-untyped-def]
    """The recogniser's acoustic model alone: no punctuation, no number writing."""
    try:
        import vietasr  # type: ignore[import-not-found]
        from vietasr.ffi import native  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit(INSTALL_HINT) from None
    native.lib.vietasr_set_log_level(0)
    return vietasr.Pipeline.new().add("vietasr").build()


def measure(
    folders: dict[str, Path],
    calls: Sequence[Call],
    recogniser,  # type: ignore[no-untyped-def]
    deadline: float,
    keep: Path | None,
) -> dict[str, Tally]:
    """Each call with every folder's clips in turn, so that a time limit
    leaves every set measured on the same calls."""
    tallies = {name: Tally() for name in folders}
    with tempfile.TemporaryDirectory(prefix="luot-voice-") as temporary:
        work = Path(temporary)
        assemblers = {name: Assembler(folder, work) for name, folder in folders.items()}
        for index, call in enumerate(calls):
            if time.monotonic() > deadline:
                print(f"time limit reached after {index} calls")
                break
            for set_index, (name, assembler) in enumerate(assemblers.items()):
                target = (keep or work) / f"{set_index}-{index:03d}-{call.code}.wav"
                assembler.write_call(call.clips(), target)
                tallies[name].add(call, recogniser.transcribe(str(target)).text)
    return tallies


def espeak_version() -> str:
    if shutil.which("espeak-ng") is None:
        return "espeak-ng not installed"
    banner = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    version = re.search(r"\d+\.\d+\S*", banner)
    return f"espeak-ng {version.group() if version else '?'}"


def recogniser_version() -> str:
    from importlib.metadata import version

    return f"viet-asr {version('viet-asr')}"


def report(tallies: dict[str, Tally], examples: int) -> None:
    names = list(tallies)
    width = max(22, *(len(name) + 2 for name in names))
    print(f"{'':<26}" + "".join(f"{name:>{width}}" for name in names))

    def row(label: str, values: Iterable[str]) -> None:
        print(f"{label:<26}" + "".join(f"{value:>{width}}" for value in values))

    row("calls", (str(tally.calls) for tally in tallies.values()))
    row(
        "word error rate",
        (f"{tally.word_error_rate:.1%} of {tally.words}" for tally in tallies.values()),
    )
    row("key-word miss rate", (f"{tally.key_word_miss_rate:.1%}" for tally in tallies.values()))
    row(
        "calls fully caught",
        (f"{tally.calls_fully_caught / max(1, tally.calls):.0%}" for tally in tallies.values()),
    )
    for part in PARTS:
        row(f"  missed: {part}", (f"{tally.rate(part):.1%}" for tally in tallies.values()))
    for name, tally in tallies.items():
        print(f"\nexamples, {name}:")
        for call, reference, transcript in tally.examples[:examples]:
            print(f"  {call}\n    said:  {reference}\n    heard: {transcript}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips", type=Path, help="a folder of clips to measure beside the bundled ones"
    )
    parser.add_argument("--calls", type=int, default=60, help="calls per clip set")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=600, help="seconds of transcribing")
    parser.add_argument("--examples", type=int, default=4, help="transcripts shown per clip set")
    parser.add_argument("--keep", type=Path, help="keep the calls' WAVs in this folder")
    arguments = parser.parse_args(argv)
    if arguments.clips is not None and not arguments.clips.is_dir():
        parser.error(f"{arguments.clips} is not a folder")
    for tool in ("lame", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (apt-get install lame sox)")
    if arguments.keep is not None:
        arguments.keep.mkdir(parents=True, exist_ok=True)
    recogniser = load_recogniser()
    calls = representative_calls(arguments.calls, arguments.seed)
    deadline = time.monotonic() + arguments.time_limit
    folders = {"bundled": BUNDLED_CLIPS}
    if arguments.clips is not None:
        folders[str(arguments.clips)] = arguments.clips
    print(machine())
    print(f"{espeak_version()}, {recogniser_version()}, {len(calls)} calls, seed {arguments.seed}")
    tallies = measure(folders, calls, recogniser, deadline, arguments.keep)
    print()
    report(tallies, arguments.examples)


if __name__ == "__main__":
    main()

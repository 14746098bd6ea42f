"""bench/voice.py: it plays the calls the display plays, and counts errors right.

The recogniser itself is not needed here: only the assembling and the
arithmetic of the figures are checked.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from voice import announcement_clips

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_bench() -> ModuleType:
    # bench/ is not a package, and its voice.py must not shadow the voice package.
    sys.path.append(str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_voice", BENCH / "voice.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Dataclasses look their module up in sys.modules.
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


bench = _load_bench()


@pytest.mark.parametrize(
    ("code", "counter_number", "number_reading"),
    [("1025", 3, "digits"), ("B105", 12, "number"), ("Đ7", 20, "digits")],
)
def test_bench_call_plays_the_clips_of_voice_announcement(
    code: str, counter_number: int, number_reading: str
) -> None:
    call = bench.Call(code, counter_number, number_reading)
    assert call.clips() == announcement_clips(
        code, counter_number, language="vi", number_reading=number_reading
    )


def test_bench_joins_the_decoded_clips_end_to_end_with_no_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assembler = bench.Assembler(tmp_path, tmp_path)
    assembler._decoded = {
        "chime": (22050, b"\x01\x00" * 3),
        "vi/digit_1": (22050, b"\x02\x00" * 2),
    }
    resampled: list[bytes] = []
    monkeypatch.setattr(
        bench.subprocess,
        "run",
        lambda command, **_: resampled.append(Path(command[1]).read_bytes()),
    )
    assembler.write_call(["chime", "vi/digit_1", "chime"], tmp_path / "call.wav")
    assert resampled[0].endswith(b"\x01\x00" * 3 + b"\x02\x00" * 2 + b"\x01\x00" * 3)


def test_one_substitution_in_four_words_is_a_word_error_rate_of_a_quarter() -> None:
    assert (
        bench.word_error_rate(["một", "không", "hai", "năm"], ["một", "không", "hai", "lăm"])
        == 0.25
    )


def test_word_error_rate_counts_deletions_and_insertions() -> None:
    reference = ["đến", "quầy", "số", "ba"]
    assert bench.word_error_rate(reference, ["đến", "số", "ba"]) == 0.25
    assert bench.word_error_rate(reference, ["đến", "quầy", "số", "số", "ba"]) == 0.25
    assert bench.word_error_rate(reference, []) == 1.0
    assert bench.word_error_rate(reference, reference) == 0.0


def test_normalising_drops_case_punctuation_and_reads_digits_as_names() -> None:
    assert bench.normalise("Mời công dân, số 1025! E-lờ") == [
        "mời", "công", "dân", "số", "một", "không", "hai", "năm", "e", "lờ",
    ]  # fmt: skip


def test_spoken_words_of_a_call_are_split_into_the_parts_of_the_sentence() -> None:
    words = bench.spoken_words(announcement_clips("L12", 3))
    assert [(word.word, word.part) for word in words[7:]] == [
        ("e", "code"),
        ("lờ", "code"),
        ("một", "code"),
        ("hai", "code"),
        ("đến", "counter phrase"),
        ("quầy", "counter phrase"),
        ("số", "counter phrase"),
        ("ba", "counter"),
    ]
    assert {word.part for word in words[:7]} == {"opening"}


def test_key_word_miss_rate_counts_only_code_and_counter_words() -> None:
    tally = bench.Tally()
    call = bench.Call("1025", 3, "digits")
    tally.add(call, "người công dân có số thứ tự một không hai lăm đến quầy số ba")
    assert tally.key_word_miss_rate == 1 / 5
    assert tally.rate("opening") == 1 / 7
    assert tally.calls_fully_caught == 0
    assert tally.word_error_rate == 2 / 15


def test_representative_calls_are_the_same_for_a_seed_and_alternate_readings() -> None:
    calls = bench.representative_calls(12, seed=15)
    assert calls == bench.representative_calls(12, seed=15)
    assert [call.code for call in calls[:4]] == ["A012", "B105", "1025", "C7"]
    assert [call.number_reading for call in calls[:2]] == ["digits", "number"]
    assert all(1 <= call.counter_number <= 20 for call in calls)

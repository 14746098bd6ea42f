"""The clip files in static/voice/: present, decodable, audible, small.

These guard the committed audio as much as the code: a clip recorded again by
hand with the wrong name, format or a silent take fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.voice.mp3_frames import read_mp3
from voice.clips import CLIP_EXTENSION, CLIPS, Clip

VOICE_FOLDER = Path(__file__).resolve().parents[2] / "static" / "voice"
SHORTEST_WORD_SECONDS = 0.15
#: The longest clip is the opening phrase, about 3.2 s; a take with long
#: silence left in it would be longer.
LONGEST_CLIP_SECONDS = 4.0
#: Clips are peak-normalised to -1 dBFS (the chime to -4 dBFS).
QUIETEST_PEAK = 0.5
QUIETEST_RMS = 0.02


def _clip_id(clip: Clip) -> str:
    return clip.name


every_clip = pytest.mark.parametrize("clip", CLIPS, ids=_clip_id)


def _path(clip: Clip) -> Path:
    return VOICE_FOLDER / clip.file_name


@every_clip
def test_clip_file_exists_and_is_not_empty(clip: Clip) -> None:
    assert _path(clip).is_file()
    assert _path(clip).stat().st_size > 0


@every_clip
def test_clip_is_a_mono_22khz_mp3_with_a_gapless_header(clip: Clip) -> None:
    stream = read_mp3(_path(clip).read_bytes())
    assert stream.sample_rate == 22050
    assert stream.is_mono
    assert stream.has_gapless_header


@every_clip
def test_clip_lasts_as_long_as_a_word_and_not_longer_than_a_sentence(clip: Clip) -> None:
    duration = read_mp3(_path(clip).read_bytes()).duration_seconds
    assert SHORTEST_WORD_SECONDS <= duration <= LONGEST_CLIP_SECONDS


def test_chime_rings_for_at_least_a_second() -> None:
    assert read_mp3((VOICE_FOLDER / f"chime.{CLIP_EXTENSION}").read_bytes()).duration_seconds > 1


def _sox_levels(path: Path) -> tuple[float, float] | str:
    """(peak, RMS) of a file decoded by sox, or the reason sox could not decode it."""
    if shutil.which("sox") is None:
        return "sox is not installed (apt-get install sox libsox-fmt-mp3)"
    completed = subprocess.run(
        ["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return f"sox cannot decode MP3 (apt-get install libsox-fmt-mp3): {completed.stderr}"
    levels = dict(re.findall(r"^(.+?):\s+(-?[\d.]+)\s*$", completed.stderr, re.MULTILINE))
    return float(levels["Maximum amplitude"]), float(levels["RMS     amplitude"])


@every_clip
def test_clip_is_not_silent(clip: Clip) -> None:
    levels = _sox_levels(_path(clip))
    if isinstance(levels, str):
        pytest.skip(levels)
    peak, rms = levels
    assert peak >= QUIETEST_PEAK
    assert rms >= QUIETEST_RMS


def test_no_audio_file_is_left_that_no_clip_names() -> None:
    on_disk = {path.relative_to(VOICE_FOLDER).as_posix() for path in VOICE_FOLDER.rglob("*.*")}
    assert on_disk - {"README.md"} == {clip.file_name for clip in CLIPS}


def test_all_clips_together_stay_under_one_megabyte() -> None:
    assert sum(_path(clip).stat().st_size for clip in CLIPS) < 1024 * 1024


def test_readme_lists_every_clip_with_the_words_to_record() -> None:
    readme = (VOICE_FOLDER / "README.md").read_text(encoding="utf-8")
    for clip in CLIPS:
        if not clip.is_chime:
            assert f"| `{clip.file_name}` | " in readme
            assert f"“{clip.text}”" in readme


@pytest.mark.parametrize(
    "damaged",
    [b"", b"RIFF\x00\x00\x00\x00WAVE", b"\xff\xf3\x50\xc4" + bytes(20)],
    ids=["empty", "wav", "truncated"],
)
def test_mp3_reader_rejects_files_that_are_not_whole_mp3_streams(damaged: bytes) -> None:
    with pytest.raises(ValueError):
        read_mp3(damaged)

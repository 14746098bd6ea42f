"""Build the loudspeaker clips in static/voice/ from voice/clips.py.

    python scripts/make_voice_clips.py                      # synthetic voice
    python scripts/make_voice_clips.py --recordings DIR     # a person's recordings
    python scripts/make_voice_clips.py --readme-only        # refresh the README

Speech is synthesised with espeak-ng (voice "vi" or "en"), the chime with
sox's ``synth``; every clip is trimmed of silence at both ends, peak-normalised,
given a short pause at its end and encoded by lame as a small MP3. With
``--recordings DIR``, a file ``DIR/<clip name>.wav`` (or .flac) replaces the
synthetic voice for that clip and goes through the same trimming and encoding.

Needs the Debian packages espeak-ng, sox and lame. The clips are committed,
so this runs only when the clip list or the voice changes, never at start-up.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# Run as a plain script, this file sees scripts/ on sys.path, not the repository.
sys.path.insert(0, str(REPOSITORY))

from voice.clips import CLIP_EXTENSION, CLIPS, Clip  # noqa: E402 (needs the path above)

DEFAULT_OUTPUT = REPOSITORY / "static" / "voice"
SAMPLE_RATE = 22050
#: lame's average bit rate. ABR rather than constant: lame then writes its gapless
#: header (a 40 kbit/s CBR frame is too small to hold it), which browsers use to
#: drop the encoder's padding between clips; ABR rather than VBR quality: the size
#: stays predictable whether the voice is synthetic or a person's.
MP3_AVERAGE_KBPS = 40
#: espeak-ng's settings per language: voice, words per minute (its default is
#: 175), pitch (0-99, default 50), extra pause between words in 10 ms units.
#: Vietnamese as tuned with bench/voice.py (bench/README.md, "Voice"): the
#: Northern voice understood best, a higher pitch and a slower pace with a
#: 50 ms gap between words cut the recogniser's word errors from 72 % to 45 %.
#: English is left as it was: the recogniser only knows Vietnamese.
ESPEAK_SETTINGS = {
    "vi": {"voice": "vi", "rate": 125, "pitch": 70, "word_gap": 5},
    "en": {"voice": "en", "rate": 140, "pitch": 50, "word_gap": 0},
}
#: Silence kept after each clip, so digits read one by one stay apart.
PAUSE_AFTER_SECONDS = 0.06
#: Below this level (% of the clip's peak) sound at either end counts as silence:
#: synthetic speech starts from digital silence; a microphone also hears the room.
SILENCE_THRESHOLD = "0.3%"
RECORDING_SILENCE_THRESHOLD = "1%"
#: Ding (E5) then dong (C5), the door-bell interval people know as "attention":
#: (frequency in Hz, start in seconds, length in seconds); the ding rings on under the dong.
CHIME_TONES = ((659.25, 0.0, 1.2), (523.25, 0.55, 1.4))
RECORDING_SUFFIXES = (".wav", ".flac")
REQUIRED_TOOLS = ("espeak-ng", "sox", "lame")
#: Spellings espeak-ng needs to say a clip's words right; a person reads the clip's text.
SYNTHESIS_SPELLINGS = {
    # espeak-ng says "gi" alone as a bare "z"; "di" is the same syllable in Northern speech.
    "vi/letter_j": "di",
}


def run(*command: str | Path) -> str:
    """Run a tool and return its standard output; any failure stops the build."""
    completed = subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True
    )
    return completed.stdout


def synthesise_speech(clip: Clip, wav: Path) -> None:
    # espeak-ng reads "e-lờ" as two words with a hyphen pause; a space is smoother.
    text = SYNTHESIS_SPELLINGS.get(clip.name, clip.text).replace("-", " ")
    settings = ESPEAK_SETTINGS[clip.language]
    run(
        "espeak-ng", "-v", settings["voice"], "-s", str(settings["rate"]),
        "-p", str(settings["pitch"]), "-g", str(settings["word_gap"]), "-w", wav, text,
    )  # fmt: skip


def synthesise_chime(wav: Path) -> None:
    """A two-tone ding-dong: each tone a sine with its octave, dying away like a bell.

    The logarithmic fade is stretched over three times the tone's length and
    then cut, so the decay is slow enough to ring; a short linear fade at the
    cut avoids a click.
    """
    tones = []
    for index, (frequency, start, length) in enumerate(CHIME_TONES):
        tone = wav.with_name(f"tone{index}.wav")
        ring = length * 3
        run(
            "sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", tone,
            "synth", f"{ring}", "sine", f"{frequency}",
            "synth", f"{ring}", "sine", "mix", f"{frequency * 2}",
            "fade", "l", "0.008", f"{ring}", f"{ring}",
            "trim", "0", f"{length}", "fade", "t", "0", f"{length}", "0.1",
            "pad", f"{start}",
        )  # fmt: skip
        tones.append(tone)
    run("sox", "-R", "--combine", "mix", *tones, wav)


def finish_clip(
    source: Path, target: Path, work: Path, *, is_chime: bool, silence_threshold: str
) -> float:
    """Trim, normalise and encode ``source`` into ``target``; return its duration.

    Normalising comes first so that the silence threshold is relative to the
    clip's own peak, however loud the take; trimming runs the ``silence``
    effect forwards and, reversed, backwards, so breath and room noise below
    the threshold go from both ends.
    """
    trimmed = work / "trimmed.wav"
    # The chime is quieter than speech so that it calls attention without startling.
    peak_db = "-4" if is_chime else "-1"
    run(
        "sox", "-R", source, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", trimmed,
        "norm", peak_db,
        "silence", "1", "0.005", silence_threshold,
        "reverse", "silence", "1", "0.005", silence_threshold, "reverse",
        "pad", "0", f"{PAUSE_AFTER_SECONDS}",
    )  # fmt: skip
    duration = float(run("soxi", "-D", trimmed))
    if duration <= PAUSE_AFTER_SECONDS:
        raise SystemExit(f"{source}: nothing but silence")
    target.parent.mkdir(parents=True, exist_ok=True)
    run("lame", "--quiet", "-m", "m", "--abr", str(MP3_AVERAGE_KBPS), trimmed, target)
    return duration


def find_recording(recordings: Path | None, clip: Clip) -> Path | None:
    if recordings is None:
        return None
    for suffix in RECORDING_SUFFIXES:
        candidate = recordings / f"{clip.name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def build_clips(output: Path, recordings: Path | None) -> None:
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        raise SystemExit(
            f"missing tools: {', '.join(missing)} (apt-get install {' '.join(missing)})"
        )
    synthetic: list[str] = []
    total_seconds = 0.0
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        for clip in CLIPS:
            source = find_recording(recordings, clip)
            threshold = RECORDING_SILENCE_THRESHOLD
            if source is None:
                source, threshold = work / "source.wav", SILENCE_THRESHOLD
                if clip.is_chime:
                    synthesise_chime(source)
                else:
                    synthesise_speech(clip, source)
                synthetic.append(clip.name)
            total_seconds += finish_clip(
                source,
                output / clip.file_name,
                work,
                is_chime=clip.is_chime,
                silence_threshold=threshold,
            )
    remove_stale_files(output)
    total_bytes = sum(path.stat().st_size for path in output.rglob(f"*.{CLIP_EXTENSION}"))
    print(f"{len(CLIPS)} clips, {total_seconds:.1f} s of audio, {total_bytes / 1024:.0f} KiB")
    if recordings is not None and synthetic:
        # Mixing a person's voice with the synthetic one sounds odd mid-sentence.
        print(f"warning: no recording for {len(synthetic)} clips, synthesised instead:")
        print("\n".join(f"  {name}" for name in synthetic))


def remove_stale_files(output: Path) -> None:
    """Delete clip files no clip names any more, so nothing unused is shipped."""
    expected = {output / clip.file_name for clip in CLIPS}
    for path in output.rglob(f"*.{CLIP_EXTENSION}"):
        if path not in expected:
            path.unlink()
            print(f"removed {path.relative_to(output)}")


def espeak_version() -> str:
    """Name and version of the synthesiser, e.g. "espeak-ng 1.51", for the README."""
    try:
        banner = run("espeak-ng", "--version")
    except (OSError, subprocess.CalledProcessError):
        return "espeak-ng"
    version = re.search(r"\d+\.\d+\S*", banner)
    return f"espeak-ng {version.group()}" if version else "espeak-ng"


README_TEMPLATE = """\
# Loudspeaker clips

The waiting-room display calls a ticket by playing these clips one after
another: the chime, "Mời công dân có số thứ tự", the ticket code letter by
letter and digit by digit (or as a number), "đến quầy số", the counter number.
Which clips a call plays is decided by `voice/announcement.py`; the list of
clips and the words in each is `voice/clips.py`.

## How they were made

`python scripts/make_voice_clips.py` built every file from that list:

- speech: {espeak}, from the words listed below
  ({spellings}), with these settings:

{settings}

- the chime: two sine tones (E5 then C5, each with its octave, the second
  starting while the first still rings) made with `sox synth`, fading out
  like a bell;
- then, for every clip: resampled to mono {rate_khz} kHz, peak-normalised to
  -1 dBFS (the chime to -4 dBFS), silence trimmed at both ends (`sox silence`,
  threshold {threshold} of the peak, {recording_threshold} for recordings), a
  {pause_ms} ms pause added at the end;
- encoded as MP3 with `lame --abr {bitrate}` (average bit rate {bitrate} kbit/s,
  with lame's gapless header so browsers drop the encoder padding). MP3 is
  the one compressed format that every browser plays, including older Safari
  and the browsers of TV sets.

Needs the Debian packages `espeak-ng`, `sox` and `lame`. The files are
committed; nothing is synthesised while the application runs, and the display
needs no network beyond the Luot server.

The Vietnamese settings were chosen by measurement: `bench/voice.py` plays
60 calls as the display does to an offline Vietnamese recogniser and counts
the words it gets wrong. With these settings it gets 45 % of the words
wrong and misses 32 % of the ticket code and counter words; with the
earlier ones (140 words per minute, pitch 50, no gap between words) it was
72 % and 41 %, and the opening "Mời công dân có số thứ tự" was never
heard (on another draw of 40 calls: 50 % and 41 % against 74 % and 45 %;
the code and counter words gain least). The voices `vi-vn-x-central` and
`vi-vn-x-south`, other paces and pitches, pauses after each digit and a
comma in the opening did worse; the table is in `bench/README.md`,
"Voice". Natural speech loses about 7 % of its words to the same
recogniser, so recordings (below) remain the way to a clear call;
`bench/voice.py --clips DIR` measures them the same way.

## Licence

The chime is generated from nothing but sine waves and carries no third-party
rights. The speech is the output of espeak-ng, which is licensed under the
GNU GPL version 3 or later. The GPL covers the program, not what it produces,
unless the output copies a substantial part of the program itself. espeak-ng
builds speech from formant rules and its phoneme data (which holds a few
short sampled consonant sounds), so the project treats these clips as free to
use and redistribute with Luot, like any other espeak-ng output; this is the
project's reading, not legal advice. If an office wants certainty, replacing
the clips with recordings (below) removes the question entirely.

## Replacing them with recordings of a human voice

A real voice is much easier to understand in an echoing hall. To replace the
synthetic voice:

1. Record every clip listed below, one file per clip, with the exact words in
   the "words to record" column: one speaker for all of them, the same
   distance to the microphone, the same level, in a quiet room. Speak each
   word as it sounds in the middle of a call ("Mời công dân có số thứ tự …
   một … không …"), calmly and a little slower than in conversation.
   Letters are said by their names: in `vi/` the Vietnamese names ("bê",
   "e-lờ"), in `en/` the English ones ("bee", "el").
2. Save each take as WAV or FLAC (any sample rate, mono or stereo) named after
   the clip, in the same folders: `recordings/vi/digit_5.wav`,
   `recordings/vi/moi_cong_dan_co_so_thu_tu.wav`, `recordings/chime.wav` (the
   chime may be kept: without a `chime.wav` it is generated again).
3. Run `python scripts/make_voice_clips.py --recordings recordings`. It trims
   and normalises every take the same way and writes the MP3 files here; it
   lists the clips that still have no recording (those are synthesised, so
   record them too: a call that switches voice mid-sentence sounds odd).
4. Run the tests (`pytest tests/voice`): they check that every clip any call
   can need exists here, decodes, and is not silent.

If you prefer your own audio tools, the files must keep exactly these names
and this format: MP3, mono, {rate_khz} kHz, about {bitrate} kbit/s, no
silence at the start, at most about {pause_ms} ms of silence at the end.

## Every file and the words to record

{table}
"""


def describe_espeak_settings() -> str:
    rows = [
        "  | language | voice | words per minute | pitch | pause between words |",
        "  |---|---|---|---|---|",
    ]
    for language, settings in ESPEAK_SETTINGS.items():
        rows.append(
            f"  | {language} | `{settings['voice']}` | {settings['rate']} | {settings['pitch']} "
            f"| {settings['word_gap'] * 10} ms |"
        )
    return "\n".join(rows)


def write_readme(output: Path) -> None:
    rows = ["| file | language | words to record |", "|---|---|---|"]
    for clip in CLIPS:
        language = {"vi": "Vietnamese", "en": "English"}.get(clip.language, "—")
        words = clip.text if clip.is_chime else f"“{clip.text}”"
        if clip.language == "en" and "/letter_" in clip.name:
            words += " (the letter's name)"
        rows.append(f"| `{clip.file_name}` | {language} | {words} |")
    readme = README_TEMPLATE.format(
        espeak=espeak_version(),
        settings=describe_espeak_settings(),
        spellings="; ".join(
            f"`{name}` spelt “{spelling}” so that espeak-ng says it right"
            for name, spelling in SYNTHESIS_SPELLINGS.items()
        ),
        threshold=SILENCE_THRESHOLD,
        recording_threshold=RECORDING_SILENCE_THRESHOLD,
        pause_ms=round(PAUSE_AFTER_SECONDS * 1000),
        rate_khz=SAMPLE_RATE / 1000,
        bitrate=MP3_AVERAGE_KBPS,
        table="\n".join(rows),
    )
    output.mkdir(parents=True, exist_ok=True)
    (output / "README.md").write_text(readme, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="clip folder")
    parser.add_argument(
        "--recordings", type=Path, help="folder of WAV/FLAC takes named after the clips"
    )
    parser.add_argument(
        "--readme-only", action="store_true", help="rewrite README.md, leave the audio alone"
    )
    arguments = parser.parse_args(argv)
    if arguments.recordings is not None and not arguments.recordings.is_dir():
        parser.error(f"{arguments.recordings} is not a folder")
    if not arguments.readme_only:
        build_clips(arguments.output, arguments.recordings)
    write_readme(arguments.output)


if __name__ == "__main__":
    main()

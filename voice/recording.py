"""An office's own recorded voice: one take, made fit for the loudspeaker.

A take arrives as a WAV file (the admin's page records the microphone and
sends 16-bit PCM; a file chosen on disk is converted to WAV by the browser
first). Here it is checked, mixed down to mono, trimmed of the silence at
both ends and peak-normalised to the same level as the bundled clips, then
stored as a 16-bit mono WAV: Chromium and every other browser play WAV, and
a clip of a second at 22.05 kHz is about 44 kB.

Nothing here touches a database or Flask: bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
import io
import math
import wave
from dataclasses import dataclass

import numpy as np

#: The largest file accepted, in bytes (15 s of 48 kHz stereo 16-bit is 2.9 MB).
MAX_TAKE_BYTES = 3 * 1024 * 1024
#: The longest take accepted, in seconds, before trimming.
MAX_TAKE_SECONDS = 15.0
#: A take must say something: at least this long once trimmed, in seconds.
MIN_SPOKEN_SECONDS = 0.05
SAMPLE_RATES = range(8_000, 48_001)
#: Peak level of a stored take: the bundled clips are normalised to -1 dBFS too.
TARGET_PEAK_DBFS = -1.0
#: Loudness is measured in frames of this length to find where speech starts and ends.
FRAME_SECONDS = 0.010
#: A frame is speech when its RMS level is within this of the loudest frame's...
SPEECH_BELOW_LOUDEST_DB = 30.0
#: ...and above this absolute floor (a quiet room through a cheap microphone).
SILENCE_FLOOR_DBFS = -50.0
#: Kept around the speech so soft onsets and endings are not clipped.
LEAD_SECONDS = 0.030
TAIL_SECONDS = 0.060
#: Fade in and out over this long, so the cut never clicks.
FADE_SECONDS = 0.005

CONTENT_TYPE = "audio/wav"
EXTENSION = "wav"


class BadTake(ValueError):
    """The file is not a take that can be used; ``code`` says why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Take:
    """A processed take, ready to store and play."""

    wav: bytes
    sample_rate: int
    duration_ms: int
    #: Length of the take as received, before trimming.
    input_duration_ms: int
    peak_dbfs: float

    @property
    def digest(self) -> str:
        """SHA-256 of the stored bytes: names the version in its URL."""
        return hashlib.sha256(self.wav).hexdigest()


def _dbfs(level: float) -> float:
    return 20 * math.log10(level) if level > 0 else -math.inf


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """The samples of a PCM WAV file as mono floats in [-1, 1], and its rate."""
    if len(data) > MAX_TAKE_BYTES:
        raise BadTake(f"the file is larger than {MAX_TAKE_BYTES} bytes", "take_too_large")
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BadTake("the file is not a WAV file", "not_wav")
    try:
        with wave.open(io.BytesIO(data)) as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            count = reader.getnframes()
            if channels not in (1, 2) or width not in (1, 2) or rate not in SAMPLE_RATES:
                raise BadTake(
                    "the WAV must be 8- or 16-bit PCM, mono or stereo, 8 to 48 kHz",
                    "unsupported_wav",
                )
            if count / rate > MAX_TAKE_SECONDS:
                raise BadTake(
                    f"the take is longer than {MAX_TAKE_SECONDS:g} seconds", "take_too_long"
                )
            frames = reader.readframes(count)
    except (wave.Error, EOFError) as error:
        # wave.Error also covers compressed WAVs (not PCM).
        raise BadTake(f"the WAV file cannot be read: {error}", "unsupported_wav") from None
    usable = len(frames) - len(frames) % (width * channels)
    if width == 2:
        samples = np.frombuffer(frames[:usable], dtype="<i2").astype(np.float64) / 32768
    else:
        samples = (np.frombuffer(frames[:usable], dtype=np.uint8).astype(np.float64) - 128) / 128
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1)
    if samples.size == 0:
        raise BadTake("the WAV file holds no sound", "silent_take")
    return samples, rate


def speech_bounds(samples: np.ndarray, rate: int) -> tuple[int, int]:
    """First and last sample (exclusive) of the speech, with a little room
    around it; raises :class:`BadTake` when nothing rises above the silence."""
    frame = max(1, round(rate * FRAME_SECONDS))
    padded = np.pad(samples, (0, (-samples.size) % frame))
    levels = np.sqrt(np.mean(padded.reshape(-1, frame) ** 2, axis=1))
    loudest = float(levels.max())
    if _dbfs(loudest) < SILENCE_FLOOR_DBFS:
        raise BadTake("nothing was heard: the take is silent", "silent_take")
    threshold = max(
        loudest * 10 ** (-SPEECH_BELOW_LOUDEST_DB / 20), 10 ** (SILENCE_FLOOR_DBFS / 20)
    )
    spoken = np.flatnonzero(levels >= threshold)
    start = max(0, int(spoken[0]) * frame - round(rate * LEAD_SECONDS))
    end = min(samples.size, (int(spoken[-1]) + 1) * frame + round(rate * TAIL_SECONDS))
    return start, end


def encode_wav(samples: np.ndarray, rate: int) -> bytes:
    """16-bit mono PCM WAV."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def process_take(data: bytes) -> Take:
    """Check, trim and normalise one take; :class:`BadTake` if it is unusable."""
    samples, rate = read_wav(data)
    start, end = speech_bounds(samples, rate)
    if (end - start) / rate < MIN_SPOKEN_SECONDS:
        raise BadTake("the take is too short to be a word", "take_too_short")
    speech = samples[start:end].copy()
    fade = min(round(rate * FADE_SECONDS), speech.size // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False)
        speech[:fade] *= ramp
        speech[-fade:] *= ramp[::-1]
    peak = float(np.abs(speech).max())
    speech *= 10 ** (TARGET_PEAK_DBFS / 20) / peak
    wav = encode_wav(speech, rate)
    stored_peak = float(np.abs(np.round(speech * 32767)).max()) / 32767
    return Take(
        wav=wav,
        sample_rate=rate,
        duration_ms=round(speech.size * 1000 / rate),
        input_duration_ms=round(samples.size * 1000 / rate),
        peak_dbfs=round(_dbfs(stored_peak), 2),
    )

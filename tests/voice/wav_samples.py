"""Takes made in the tests: silence, a tone, silence, as WAV bytes."""

from __future__ import annotations

import io
import wave

import numpy as np


def tone(
    seconds: float, *, rate: int = 22_050, level: float = 0.5, frequency: float = 440.0
) -> np.ndarray:
    times = np.arange(round(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * frequency * times)


def silence(seconds: float, *, rate: int = 22_050) -> np.ndarray:
    return np.zeros(round(seconds * rate))


def wav_bytes(
    samples: np.ndarray, *, rate: int = 22_050, channels: int = 1, width: int = 2
) -> bytes:
    if channels == 2:
        samples = np.repeat(samples, 2)
    if width == 2:
        frames = np.round(samples * 32767).astype("<i2").tobytes()
    else:
        frames = np.round(samples * 127 + 128).astype(np.uint8).tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


def spoken_take(
    *, before: float = 0.8, spoken: float = 0.5, after: float = 1.0, level: float = 0.5
) -> bytes:
    """``before`` s of silence, a 440 Hz tone of ``spoken`` s, ``after`` s of silence."""
    return wav_bytes(np.concatenate([silence(before), tone(spoken, level=level), silence(after)]))


def decode(data: bytes) -> tuple[np.ndarray, int, int]:
    """Samples in [-1, 1], sample rate and channel count of a 16-bit WAV."""
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getsampwidth() == 2
        frames = reader.readframes(reader.getnframes())
        return (
            np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768,
            reader.getframerate(),
            reader.getnchannels(),
        )


def peak_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(samples).max()))


def frequency(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency, in Hz."""
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])

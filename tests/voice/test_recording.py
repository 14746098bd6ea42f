"""A take, trimmed and evened: voice/recording.py, bytes in and bytes out."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from voice import recording
from voice.recording import BadTake, process_take

from .wav_samples import (
    decode,
    frequency,
    peak_dbfs,
    silence,
    spoken_take,
    tone,
    wav_bytes,
)

MARGINS_S = recording.LEAD_SECONDS + recording.TAIL_SECONDS


def test_the_silence_at_both_ends_is_cut_leaving_the_word_and_short_margins():
    take = process_take(spoken_take(before=0.8, spoken=0.5, after=1.0))
    samples, rate, channels = decode(take.wav)
    assert (rate, channels) == (22_050, 1)
    assert take.input_duration_ms == 2300
    assert samples.size / rate == pytest.approx(0.5 + MARGINS_S, abs=0.011)
    assert take.duration_ms == round(samples.size * 1000 / rate)
    # What is left is the tone, and it starts within the lead margin.
    assert frequency(samples, rate) == pytest.approx(440, abs=3)
    lead = round(recording.LEAD_SECONDS * rate)
    assert np.abs(samples[: lead - 30]).max() < 0.001
    assert np.abs(samples[lead + 300 : lead + 600]).max() > 0.5


def test_the_peak_is_brought_to_the_target_from_quiet_and_from_loud():
    for level in (0.02, 0.5, 0.99):
        take = process_take(spoken_take(level=level))
        samples, _rate, _channels = decode(take.wav)
        assert peak_dbfs(samples) == pytest.approx(recording.TARGET_PEAK_DBFS, abs=0.05), level
        assert take.peak_dbfs == pytest.approx(recording.TARGET_PEAK_DBFS, abs=0.05)


def test_the_cut_fades_so_the_first_and_last_samples_are_silent():
    take = process_take(wav_bytes(tone(0.5)))
    samples, _rate, _channels = decode(take.wav)
    assert abs(samples[0]) < 0.001 and abs(samples[-1]) < 0.05


def test_stereo_and_8_bit_takes_are_mixed_to_mono_16_bit():
    data = wav_bytes(
        np.concatenate(
            [silence(0.3, rate=16_000), tone(0.4, rate=16_000), silence(0.3, rate=16_000)]
        ),
        rate=16_000,
        channels=2,
        width=1,
    )
    samples, rate, channels = decode(process_take(data).wav)
    assert (rate, channels) == (16_000, 1)
    assert samples.size / rate == pytest.approx(0.4 + MARGINS_S, abs=0.011)


def test_the_digest_names_the_stored_bytes():
    take = process_take(spoken_take())
    assert take.digest == hashlib.sha256(take.wav).hexdigest()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_wav"),
        (b"ID3\x04" + bytes(400), "not_wav"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "unsupported_wav"),
        (wav_bytes(silence(1.0)), "silent_take"),
        (wav_bytes(tone(1.0, level=0.001)), "silent_take"),
        (wav_bytes(tone(0.004)), "take_too_short"),
        (wav_bytes(silence(recording.MAX_TAKE_SECONDS + 0.5)), "take_too_long"),
        (wav_bytes(tone(0.5), rate=96_000), "unsupported_wav"),
        (b"RIFF" + bytes(recording.MAX_TAKE_BYTES), "take_too_large"),
    ],
    ids=["empty", "mp3", "broken", "silent", "near-silent", "a-click", "long", "96k", "huge"],
)
def test_what_is_no_usable_take_is_refused_with_its_reason(data, code):
    with pytest.raises(BadTake) as refused:
        process_take(data)
    assert refused.value.code == code


def test_a_24_bit_wav_is_refused():
    data = bytearray(wav_bytes(tone(0.5)))
    data[34] = 24  # bits per sample
    data[32] = 3  # block align
    with pytest.raises(BadTake) as refused:
        process_take(bytes(data))
    assert refused.value.code == "unsupported_wav"

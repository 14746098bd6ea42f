"""A small MP3 frame reader, so the clip tests need no audio library.

It walks the file frame by frame from the headers alone: a file that is
truncated, not MP3, or has garbage between frames does not parse.
"""

from __future__ import annotations

from dataclasses import dataclass

_LAYER_3_BITRATES_KBPS = {
    "MPEG-1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "MPEG-2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {
    3: ("MPEG-1", (44100, 48000, 32000)),
    2: ("MPEG-2", (22050, 24000, 16000)),
    0: ("MPEG-2.5", (11025, 12000, 8000)),
}


@dataclass(frozen=True)
class Mp3Stream:
    sample_rate: int
    is_mono: bool
    audio_frame_count: int
    samples_per_frame: int
    has_gapless_header: bool

    @property
    def duration_seconds(self) -> float:
        return self.audio_frame_count * self.samples_per_frame / self.sample_rate


def _skip_id3v2(data: bytes) -> int:
    if not data.startswith(b"ID3"):
        return 0
    size = 0
    for byte in data[6:10]:  # "syncsafe": 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    has_footer = bool(data[5] & 0x10)
    return 10 + size + (10 if has_footer else 0)


def read_mp3(data: bytes) -> Mp3Stream:
    """Parse every Layer III frame header; raise ValueError where the stream breaks."""
    position = _skip_id3v2(data)
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    frames: list[tuple[int, int]] = []
    sample_rate = samples_per_frame = 0
    is_mono = True
    while position < end:
        header = data[position : position + 4]
        if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
            raise ValueError(f"no MP3 frame at byte {position}")
        version_bits, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
        bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
        if version_bits not in _SAMPLE_RATES or layer_bits != 1:
            raise ValueError(f"not an MPEG Layer III frame at byte {position}")
        if bitrate_index in (0, 15) or rate_index == 3:
            raise ValueError(f"invalid bit rate or sample rate at byte {position}")
        version, rates = _SAMPLE_RATES[version_bits]
        sample_rate = rates[rate_index]
        table = _LAYER_3_BITRATES_KBPS["MPEG-1" if version == "MPEG-1" else "MPEG-2"]
        samples_per_frame = 1152 if version == "MPEG-1" else 576
        padding = (header[2] >> 1) & 1
        length = samples_per_frame // 8 * table[bitrate_index] * 1000 // sample_rate + padding
        is_mono = is_mono and header[3] >> 6 == 3
        frames.append((position, length))
        position += length
    if not frames or position != end:
        raise ValueError("stream is empty or its last frame is cut short")
    first_position, first_length = frames[0]
    first_frame = data[first_position : first_position + first_length]
    has_gapless_header = b"Xing" in first_frame or b"Info" in first_frame
    return Mp3Stream(
        sample_rate=sample_rate,
        is_mono=is_mono,
        audio_frame_count=len(frames) - (1 if has_gapless_header else 0),
        samples_per_frame=samples_per_frame,
        has_gapless_header=has_gapless_header,
    )

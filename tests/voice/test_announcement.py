"""Which clips a call plays, in which order."""

from __future__ import annotations

import pytest

from voice import announcement_clips, announcement_text, clip_url
from voice.clips import ANNOUNCEABLE_CHARACTERS, CLIPS, CLIPS_BY_NAME


def test_digits_call_1025_to_counter_3() -> None:
    assert announcement_clips("1025", 3) == [
        "chime",
        "vi/moi_cong_dan_co_so_thu_tu",
        "vi/digit_1",
        "vi/digit_0",
        "vi/digit_2",
        "vi/digit_5",
        "vi/den_quay_so",
        "vi/digit_3",
    ]


def test_number_call_1025_reads_mot_nghin_khong_tram_hai_muoi_lam() -> None:
    assert announcement_clips("1025", 3, number_reading="number") == [
        "chime",
        "vi/moi_cong_dan_co_so_thu_tu",
        "vi/digit_1",  # một
        "vi/word_nghin",
        "vi/digit_0",  # không
        "vi/word_tram",
        "vi/digit_2",  # hai
        "vi/word_muoi_ngang",
        "vi/word_lam",
        "vi/den_quay_so",
        "vi/digit_3",  # ba
    ]


def test_digits_call_a012_reads_the_letter_then_every_digit_and_counter_as_number() -> None:
    assert announcement_clips("A012", 12) == [
        "chime",
        "vi/moi_cong_dan_co_so_thu_tu",
        "vi/letter_a",
        "vi/digit_0",
        "vi/digit_1",
        "vi/digit_2",
        "vi/den_quay_so",
        "vi/word_muoi_huyen",  # mười
        "vi/digit_2",  # hai
    ]


def test_number_call_a012_drops_the_leading_zero_and_reads_muoi_hai() -> None:
    clips = announcement_clips("A012", 12, number_reading="number")
    assert clips[2:5] == ["vi/letter_a", "vi/word_muoi_huyen", "vi/digit_2"]
    assert clips[5] == "vi/den_quay_so"


def test_number_call_b105_reads_mot_tram_linh_nam() -> None:
    clips = announcement_clips("B105", 1, number_reading="number")
    assert clips[2:-2] == [
        "vi/letter_b",
        "vi/digit_1",
        "vi/word_tram",
        "vi/word_linh",
        "vi/digit_5",
    ]


def test_digits_call_b105_reads_bo_mot_khong_nam() -> None:
    clips = announcement_clips("B105", 1)
    assert clips[2:-2] == ["vi/letter_b", "vi/digit_1", "vi/digit_0", "vi/digit_5"]


def test_number_call_a000_reads_khong() -> None:
    assert announcement_clips("A000", 1, number_reading="number")[2:4] == [
        "vi/letter_a",
        "vi/digit_0",
    ]


def test_letters_use_their_vietnamese_names_and_d_with_stroke_has_its_own_clip() -> None:
    clips = announcement_clips("ĐD1", 1)
    assert clips[2:5] == ["vi/letter_dd", "vi/letter_d", "vi/digit_1"]
    assert CLIPS_BY_NAME["vi/letter_dd"].text == "đê"
    assert CLIPS_BY_NAME["vi/letter_l"].text == "e-lờ"
    assert CLIPS_BY_NAME["vi/letter_s"].text == "ét-xì"


def test_lowercase_codes_are_read_like_uppercase() -> None:
    assert announcement_clips("a012", 12) == announcement_clips("A012", 12)


def test_english_call_a012_to_counter_12() -> None:
    assert announcement_clips("A012", 12, language="en") == [
        "chime",
        "en/number",
        "en/letter_a",
        "en/digit_0",
        "en/digit_1",
        "en/digit_2",
        "en/please_go_to_counter",
        "en/word_twelve",
    ]


def test_english_counter_above_twenty_is_two_words() -> None:
    assert announcement_clips("7", 45, language="en")[-2:] == ["en/word_forty", "en/digit_5"]


def test_english_reads_d_with_stroke_as_d() -> None:
    assert announcement_clips("Đ1", 1, language="en")[2] == "en/letter_d"


def test_without_chime_starts_with_the_opening_words() -> None:
    assert announcement_clips("1", 1, language="en", with_chime=False)[0] == "en/number"


def test_counter_twenty_one_says_hai_muoi_mot() -> None:
    assert announcement_clips("1", 21)[-3:] == [
        "vi/digit_2",
        "vi/word_muoi_ngang",
        "vi/word_mot_sac",
    ]


@pytest.mark.parametrize("code", ["", "A 12", "A-12", "Ư12", "Â1", "12?", "١٢", "ß1"])
def test_codes_with_characters_without_a_clip_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="cannot be announced"):
        announcement_clips(code, 1)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        announcement_clips("1", 1, language="fr")


def test_unknown_number_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="number_reading"):
        announcement_clips("1", 1, number_reading="roman")


def test_runs_longer_than_six_digits_are_read_digit_by_digit() -> None:
    clips = announcement_clips("1234567", 1, number_reading="number")
    assert clips[2:9] == [f"vi/digit_{digit}" for digit in "1234567"]


def test_clip_url_points_into_static_voice() -> None:
    assert clip_url("vi/digit_5") == "/static/voice/vi/digit_5.mp3"
    assert clip_url("chime") == "/static/voice/chime.mp3"


def test_clip_url_refuses_unknown_clips() -> None:
    with pytest.raises(KeyError):
        clip_url("vi/number_3")


def _every_clip_any_call_can_play() -> set[str]:
    letters = sorted(ANNOUNCEABLE_CHARACTERS - set("0123456789"))
    names: set[str] = set()
    for language in ("vi", "en"):
        for reading in ("digits", "number"):
            for number in range(10000):
                names.update(
                    announcement_clips(
                        f"{number:04d}", number % 100, language=language, number_reading=reading
                    )
                )
            for letter in letters:
                for number in (0, 1, 5, 10, 12, 15, 21, 25, 105, 110, 999):
                    names.update(
                        announcement_clips(
                            f"{letter}{number:03d}", 1, language=language, number_reading=reading
                        )
                    )
    return names


def test_every_clip_a_call_can_play_is_listed_and_every_listed_clip_is_used() -> None:
    assert _every_clip_any_call_can_play() == {clip.name for clip in CLIPS}


def test_text_reads_a012_as_the_clips_do_letter_name_then_every_digit() -> None:
    assert announcement_text("A012", 3) == (
        "Mời công dân có số thứ tự a không một hai đến quầy số ba"
    )


def test_text_reads_numbers_as_numbers_when_the_display_does() -> None:
    assert announcement_text("L1025", 15, number_reading="number") == (
        "Mời công dân có số thứ tự e-lờ một nghìn không trăm hai mươi lăm đến quầy số mười lăm"
    )


def test_english_text_reads_d_with_stroke_as_d() -> None:
    assert announcement_text("Đ12", 21, language="en") == (
        "Number D one two please go to counter twenty one"
    )


@pytest.mark.parametrize("reading", ["digits", "number"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_text_is_the_words_of_the_clips_one_for_one(language: str, reading: str) -> None:
    for code, counter in (("A012", 3), ("Đ1025", 105), ("XQ9", 40)):
        names = announcement_clips(
            code, counter, language=language, number_reading=reading, with_chime=False
        )
        words = " ".join(CLIPS_BY_NAME[name].text for name in names)
        assert announcement_text(code, counter, language=language, number_reading=reading) == words

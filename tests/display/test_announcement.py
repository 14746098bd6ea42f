"""GET /display/announcement.json: the clips of one call, in the order to play."""

from __future__ import annotations

import pytest


def clips(*names: str) -> list[str]:
    return [f"/static/voice/{name}.mp3" for name in names]


VI_A012_TO_3_DIGITS = clips(
    "chime",
    "vi/moi_cong_dan_co_so_thu_tu",
    "vi/letter_a",
    "vi/digit_0",
    "vi/digit_1",
    "vi/digit_2",
    "vi/den_quay_so",
    "vi/digit_3",
)


def get(client, **params):
    return client.get("/display/announcement.json", query_string=params)


def test_a012_to_counter_3_read_digit_by_digit_in_vietnamese(client):
    response = get(client, code="A012", counter=3)
    assert response.status_code == 200
    assert response.get_json()["clips"] == VI_A012_TO_3_DIGITS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"code": "A012", "counter": 12, "language": "vi", "reading": "number"},
            clips(
                "chime",
                "vi/moi_cong_dan_co_so_thu_tu",
                "vi/letter_a",
                "vi/word_muoi_huyen",
                "vi/digit_2",
                "vi/den_quay_so",
                "vi/word_muoi_huyen",
                "vi/digit_2",
            ),
        ),
        (
            {"code": "1025", "counter": 12, "language": "vi", "reading": "digits"},
            clips(
                "chime",
                "vi/moi_cong_dan_co_so_thu_tu",
                "vi/digit_1",
                "vi/digit_0",
                "vi/digit_2",
                "vi/digit_5",
                "vi/den_quay_so",
                "vi/word_muoi_huyen",
                "vi/digit_2",
            ),
        ),
        (
            {"code": "1025", "counter": 3, "language": "vi", "reading": "number"},
            clips(
                "chime",
                "vi/moi_cong_dan_co_so_thu_tu",
                "vi/digit_1",
                "vi/word_nghin",
                "vi/digit_0",
                "vi/word_tram",
                "vi/digit_2",
                "vi/word_muoi_ngang",
                "vi/word_lam",
                "vi/den_quay_so",
                "vi/digit_3",
            ),
        ),
        (
            {"code": "A012", "counter": 12, "language": "en", "reading": "digits"},
            clips(
                "chime",
                "en/number",
                "en/letter_a",
                "en/digit_0",
                "en/digit_1",
                "en/digit_2",
                "en/please_go_to_counter",
                "en/word_twelve",
            ),
        ),
        (
            {"code": "1025", "counter": 12, "language": "en", "reading": "number"},
            clips(
                "chime",
                "en/number",
                "en/digit_1",
                "en/word_thousand",
                "en/word_twenty",
                "en/digit_5",
                "en/please_go_to_counter",
                "en/word_twelve",
            ),
        ),
    ],
)
def test_readings_and_languages(client, params, expected):
    assert get(client, **params).get_json()["clips"] == expected


def test_vi_en_says_the_call_twice_after_one_chime(client):
    body = get(client, code="A012", counter=3, language="vi_en").get_json()
    assert body["clips"] == VI_A012_TO_3_DIGITS + clips(
        "en/number",
        "en/letter_a",
        "en/digit_0",
        "en/digit_1",
        "en/digit_2",
        "en/please_go_to_counter",
        "en/digit_3",
    )
    assert body["clips"].count("/static/voice/chime.mp3") == 1


def test_the_call_comes_with_its_words_for_a_speech_voice(client):
    body = get(client, code="A012", counter=3).get_json()
    assert body["chime"] == "/static/voice/chime.mp3"
    assert body["sentences"] == [
        {
            "language": "vi",
            "text": "Mời công dân có số thứ tự a không một hai đến quầy số ba",
            "clips": VI_A012_TO_3_DIGITS[1:],
        }
    ]


def test_vi_en_has_one_sentence_per_language_read_as_the_display_reads_numbers(client):
    body = get(client, code="B105", counter=21, language="vi_en", reading="number").get_json()
    assert [(s["language"], s["text"]) for s in body["sentences"]] == [
        ("vi", "Mời công dân có số thứ tự bê một trăm linh năm đến quầy số hai mươi mốt"),
        ("en", "Number B one hundred five please go to counter twenty one"),
    ]
    # The sentences' clips are the call's clips after the chime, in order.
    assert body["clips"] == [body["chime"]] + [
        url for sentence in body["sentences"] for url in sentence["clips"]
    ]


def test_every_clip_it_names_is_served(client):
    body = get(client, code="Đ105", counter=25, language="vi_en", reading="number").get_json()
    for url in body["clips"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "audio/mpeg"
        response.close()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "invalid_field"),
        ({"code": "A012"}, "invalid_field"),
        ({"code": "", "counter": 1}, "invalid_field"),
        ({"code": "A012", "counter": "three"}, "invalid_field"),
        ({"code": "A012", "counter": -3}, "invalid_field"),
        ({"code": "A012", "counter": 1000000}, "invalid_field"),
        ({"code": "A012", "counter": 3, "language": "fr"}, "invalid_field"),
        ({"code": "A012", "counter": 3, "reading": "roman"}, "invalid_field"),
        ({"code": "A" * 17, "counter": 3}, "invalid_field"),
        ({"code": "A-12", "counter": 3}, "unannounceable_code"),
        ({"code": "Ư12", "counter": 3}, "unannounceable_code"),
    ],
)
def test_bad_input_is_a_400_json_error(client, params, code):
    # Even a browser asking for HTML gets JSON: only the display's script calls this.
    response = get(client, **params)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code

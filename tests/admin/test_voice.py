"""The voice screens: takes are drafts until published; the displays then
play the office's recordings where it has them and the bundled clips elsewhere."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from queueing.models import Event, VoiceClip
from tests.conftest import ROOT
from tests.manager.helpers import session_csrf
from tests.voice.wav_samples import decode, peak_dbfs, spoken_take
from voice import recording

BUNDLED = "/static/voice/"


@pytest.fixture
def admin(app, client, login):
    """An admin's browser: posts carry the session's CSRF token."""
    login("admin")
    token = session_csrf(app, client)

    class Admin:
        def upload(self, clip, data, **headers):
            return client.post(
                "/admin/voice/take.json",
                query_string={"clip": clip, "office": "DEMO"},
                data=data,
                headers={
                    "X-CSRFToken": token,
                    "Content-Type": "audio/wav",
                    "Accept": "application/json",
                    **headers,
                },
            )

        def post(self, path, **form):
            return client.post(path, data={"csrf_token": token, **form})

    return Admin()


def announcement(client, code="A5", counter=5, language="vi"):
    response = client.get(
        "/display/DEMO/announcement.json",
        query_string={"code": code, "counter": counter, "language": language},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["clips"]


def rows(app_db):
    with app_db.read() as session:
        return session.scalar(select(func.count(VoiceClip.id)))


def test_a_take_is_stored_trimmed_and_normalised_as_a_draft(admin, app_db):
    response = admin.upload("vi/digit_5", spoken_take(before=0.8, spoken=0.5, after=1.0))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["stage"] == "draft" and body["input_duration_ms"] == 2300
    with app_db.read() as session:
        row = session.scalar(select(VoiceClip))
        assert (row.name, row.is_published) == ("vi/digit_5", False)
        samples, rate, _channels = decode(row.audio)
    assert samples.size / rate == pytest.approx(0.59, abs=0.011)
    assert body["duration_ms"] == row.duration_ms == round(samples.size * 1000 / rate)
    assert peak_dbfs(samples) == pytest.approx(recording.TARGET_PEAK_DBFS, abs=0.05)


def test_a_draft_is_heard_by_the_admin_and_not_by_the_displays(admin, client):
    before = announcement(client)
    body = admin.upload("vi/digit_5", spoken_take()).get_json()
    assert announcement(client) == before
    assert all(url.startswith(BUNDLED) for url in before)
    take = client.get(body["url"])
    assert take.status_code == 200 and take.mimetype == "audio/wav"
    assert "no-store" in take.headers["Cache-Control"]
    preview = client.get(
        "/admin/voice/call.json", query_string={"office": "DEMO", "code": "A5", "counter": 5}
    ).get_json()["clips"]
    assert preview == [body["url"] if index in (3, 5) else url for index, url in enumerate(before)]


def test_publishing_puts_the_recording_in_the_calls_and_bundled_clips_elsewhere(
    admin, client, app_db
):
    bundled = announcement(client, code="A5", counter=5)
    admin.upload("vi/digit_5", spoken_take())
    response = admin.post("/admin/voice/publish?office=DEMO")
    assert response.status_code == 302
    clips = announcement(client, code="A5", counter=5)
    recorded = [index for index, url in enumerate(clips) if not url.startswith(BUNDLED)]
    # "… a năm … đến quầy số năm": the two fives are the recording.
    assert recorded == [3, 5]
    assert [clips[i] for i in range(len(clips)) if i not in recorded] == [
        bundled[i] for i in range(len(bundled)) if i not in recorded
    ]
    with app_db.read() as session:
        row = session.scalar(select(VoiceClip))
        assert row.is_published
        stored = row.audio
    assert clips[3] == f"/display/voice/DEMO/vi/digit_5.{row.digest[:16]}.wav"
    served = client.get(clips[3])
    assert served.status_code == 200
    assert served.data == stored
    assert served.mimetype == "audio/wav"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_new_take_gets_a_new_url_once_published_and_the_old_one_is_gone(admin, client):
    admin.upload("vi/digit_5", spoken_take(spoken=0.5))
    admin.post("/admin/voice/publish?office=DEMO")
    first = announcement(client)[3]
    admin.upload("vi/digit_5", spoken_take(spoken=0.7))
    assert announcement(client)[3] == first  # a draft changes nothing yet
    admin.post("/admin/voice/publish?office=DEMO")
    second = announcement(client)[3]
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_the_announcement_is_revalidated_so_a_publication_is_heard_on_the_next_call(admin, client):
    response = client.get("/display/DEMO/announcement.json?code=A5&counter=5")
    assert response.cache_control.no_cache
    etag = response.headers["ETag"]
    again = client.get(
        "/display/DEMO/announcement.json?code=A5&counter=5", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    admin.upload("vi/digit_5", spoken_take())
    admin.post("/admin/voice/publish?office=DEMO")
    changed = client.get(
        "/display/DEMO/announcement.json?code=A5&counter=5", headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_the_display_page_preloads_the_published_phrases(admin, client):
    admin.upload("vi/moi_cong_dan_co_so_thu_tu", spoken_take(spoken=1.2))
    admin.post("/admin/voice/publish?office=DEMO")
    page = client.get("/display").get_data(as_text=True)
    assert "/display/voice/DEMO/vi/moi_cong_dan_co_so_thu_tu." in page
    assert "/static/voice/vi/den_quay_so.mp3" in page


def test_withdrawing_brings_back_the_bundled_voice(admin, client):
    bundled = announcement(client)
    admin.upload("vi/digit_5", spoken_take())
    admin.post("/admin/voice/publish?office=DEMO")
    assert announcement(client) != bundled
    admin.post("/admin/voice/withdraw?office=DEMO")
    assert announcement(client) == bundled


def test_discarding_a_draft_keeps_the_published_take(admin, client, app_db):
    admin.upload("vi/digit_5", spoken_take())
    admin.post("/admin/voice/publish?office=DEMO")
    published = announcement(client)
    admin.upload("vi/digit_5", spoken_take(spoken=0.7))
    assert admin.post("/admin/voice/discard?office=DEMO", clip="vi/digit_5").status_code == 302
    assert announcement(client) == published
    with app_db.read() as session:
        assert session.scalars(select(VoiceClip.is_published)).all() == [True]


@pytest.mark.parametrize(
    ("clip", "data", "status", "code"),
    [
        ("vi/digit_5", b"not audio at all", 422, "not_wav"),
        ("vi/digit_5", b"ID3\x04\x00" + bytes(2000), 422, "not_wav"),
        ("vi/digit_5", spoken_take(level=0.0), 422, "silent_take"),
        ("vi/digit_5", b"", 400, "empty_body"),
        ("vi/digit_5", b"RIFF" + bytes(recording.MAX_TAKE_BYTES), 413, "body_too_large"),
        ("chime", spoken_take(), 404, "clip_not_found"),
        ("vi/digit_55", spoken_take(), 404, "clip_not_found"),
        ("", spoken_take(), 404, "clip_not_found"),
    ],
    ids=["text", "mp3", "silent", "empty", "huge", "chime", "unknown", "no-clip"],
)
def test_a_bad_upload_gets_a_4xx_and_changes_nothing(admin, app_db, clip, data, status, code):
    with app_db.read() as session:
        events = session.scalar(select(func.count(Event.id)))
    response = admin.upload(clip, data)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert rows(app_db) == 0
    with app_db.read() as session:
        assert session.scalar(select(func.count(Event.id))) == events


def test_publishing_with_no_draft_changes_nothing(admin, app_db):
    response = admin.post("/admin/voice/publish?office=DEMO")
    assert response.status_code == 302
    assert rows(app_db) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/display/voice/DEMO/vi/digit_5.0000000000000000.wav",
        "/display/voice/DEMO/vi/digit_5.wav",
        "/display/voice/DEMO/chime.0000000000000000.wav",
        "/display/voice/NOPE/vi/digit_5.0000000000000000.wav",
        "/display/voice/DEMO/../../config.py",
    ],
)
def test_an_unknown_recorded_clip_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


def test_the_page_lists_each_phrase_digit_number_word_and_letter_with_its_state(admin, client):
    admin.upload("vi/letter_b", spoken_take())
    page = client.get("/admin/voice?office=DEMO").get_data(as_text=True)
    for heading in ("Câu gọi", "Chữ số", "Từ đọc số", "Chữ cái"):
        assert f"<h3>{heading}</h3>" in page
    for words in ("Mời công dân có số thứ tự", "đến quầy số", "năm", "lăm", "nghìn", "ét-xì"):
        assert f">{words}</span>" in page
    assert 'data-clip="vi/letter_b" data-stage="draft"' in page
    assert 'data-clip="vi/letter_a" data-stage="none"' in page
    # No display speaks English: the English clips are not asked for.
    assert 'data-clip="en/' not in page


def test_english_clips_are_listed_once_a_display_speaks_english(admin, client, app_db, clock):
    from queueing.models import Display

    def add(session):
        session.add(Display(office_id=1, name="Tầng 1", language="vi_en", created_at=clock()))

    app_db.write(add)
    page = client.get("/admin/voice?office=DEMO").get_data(as_text=True)
    assert 'data-clip="en/please_go_to_counter"' in page


def test_the_audit_log_names_who_recorded_and_published(admin, app_db):
    admin.upload("vi/digit_5", spoken_take())
    admin.post("/admin/voice/publish?office=DEMO")
    with app_db.read() as session:
        kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
        published = session.scalar(select(Event).where(Event.kind == "voice_published"))
    assert kinds[-2:] == ["voice_recorded", "voice_published"]
    assert published.data == {"clips": ["vi/digit_5"]}
    assert published.actor.startswith("user:")


def test_a_take_from_a_logged_in_browser_without_the_pages_csrf_token_is_refused(
    admin, client, app_db
):
    response = client.post(
        "/admin/voice/take.json?office=DEMO&clip=vi/digit_5",
        data=spoken_take(),
        headers={"Content-Type": "audio/wav", "Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert rows(app_db) == 0


def test_voice_export_writes_the_published_set_named_as_the_bundled_clips(
    admin, runner, app_db, tmp_path
):
    admin.upload("vi/digit_5", spoken_take())
    admin.post("/admin/voice/publish?office=DEMO")
    admin.upload("vi/digit_6", spoken_take())  # a draft: not exported
    result = runner.invoke(args=["voice-export", "DEMO", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with app_db.read() as session:
        published = session.scalar(select(VoiceClip).where(VoiceClip.is_published.is_(True)))
    assert (tmp_path / "out/vi/digit_5.wav").read_bytes() == published.audio
    assert not (tmp_path / "out/vi/digit_5.mp3").exists()
    assert (tmp_path / "out/vi/digit_6.mp3").read_bytes() == (
        ROOT / "static/voice/vi/digit_6.mp3"
    ).read_bytes()
    assert (tmp_path / "out/chime.mp3").exists()
    only = runner.invoke(args=["voice-export", "DEMO", str(tmp_path / "only"), "--recorded-only"])
    assert only.exit_code == 0, only.output
    files = sorted(
        str(path.relative_to(tmp_path / "only")) for path in (tmp_path / "only").rglob("*.*")
    )
    assert files == ["vi/digit_5.wav"]


def test_voice_export_of_an_unknown_office_fails_and_writes_nothing(runner, tmp_path):
    result = runner.invoke(args=["voice-export", "NOPE", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "no office with code 'NOPE'" in result.output
    assert not (tmp_path / "out").exists()


def test_the_voice_page_speaks_english_when_asked(admin, client):
    page = client.get("/admin/voice?office=DEMO&lang=en").get_data(as_text=True)
    assert "The loudspeaker voice" in page
    assert "<h3>Number words</h3>" in page
    # The words to say stay Vietnamese: they are what the speaker reads.
    assert ">Mời công dân có số thứ tự</span>" in page


def test_discarding_an_unknown_clip_or_no_draft_says_so_and_changes_nothing(admin, client, app_db):
    admin.upload("vi/digit_5", spoken_take())
    for clip in ("vi/nothing", "vi/digit_6"):
        response = admin.post("/admin/voice/discard?office=DEMO", clip=clip)
        assert response.status_code == 302
        page = client.get("/admin/voice?office=DEMO").get_data(as_text=True)
        assert "flash-error" in page, clip
    assert rows(app_db) == 1

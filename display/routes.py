"""The waiting-room display pages, and the clips of each call's announcement.

``/display`` shows every counter of the office (``?counters=1,2`` limits it),
``/display/<id>`` a display configured in the admin screens (its counters,
announcement language, voice and number reading). Everything live comes
over the ``/display`` Socket.IO namespace (:mod:`display.sockets`).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy.orm import Session

from queueing import office_voice
from queueing.displays import DISPLAY_BEAT_SECONDS
from queueing.errors import Malformed, NotFound, QueueError
from queueing.models import DISPLAY_LANGUAGES, NUMBER_READINGS, Display, Office
from queueing.queries import counters_of, iso
from voice import announcement_clips, announcement_text
from voice.clips import (
    CALL_COUNTER,
    CALL_OPENING,
    CHIME,
    DIGEST_IN_URL,
    RECORDED_CLIP_EXTENSION,
    office_clip_url,
)
from voice.recording import CONTENT_TYPE
from web.access import resolve_office
from web.context import database, now
from web.i18n import weekday_names

bp = Blueprint("display", __name__)

#: How long the newest call flashes, in seconds.
FLASH_SECONDS = 10
#: The longest ticket code the announcement endpoint accepts.
MAX_CODE_LENGTH = 16
#: The largest counter number read aloud (the readers stop at 999 999).
MAX_COUNTER_NUMBER = 999_999
#: "vi/digit_5.3fa9c0de12ab34cd.wav": a recorded clip's name, version and extension.
RECORDED_FILE = re.compile(
    rf"^(?P<name>[a-z]{{2}}/[a-z0-9_]+)\.(?P<digest>[0-9a-f]{{{DIGEST_IN_URL}}})"
    rf"\.{RECORDED_CLIP_EXTENSION}$"
)
#: A recorded clip's URL names its content, so it never changes: cache it for a year.
RECORDED_CLIP_MAX_AGE_S = 365 * 24 * 3600


def parse_counter_ids(raw: str | None) -> list[int]:
    """``"1,2"`` -> [1, 2]; empty means every counter."""
    if not raw:
        return []
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Malformed(
            "counters must be counter ids, e.g. counters=1,2", "invalid_field"
        ) from None
    if any(counter_id < 1 for counter_id in ids):
        raise Malformed("counters must be counter ids, e.g. counters=1,2", "invalid_field")
    return sorted(set(ids))


def _checked_counters(session: Session, office: Office, wanted: list[int]) -> list[int]:
    """The wanted counter ids, each checked to be one of the office's."""
    known = {counter.id for counter in counters_of(session, office.id)}
    unknown = [counter_id for counter_id in wanted if counter_id not in known]
    if unknown:
        raise NotFound(f"no counter {unknown[0]} in this office", "counter_not_found")
    return wanted


def _texts() -> dict[str, Any]:
    """Words the page's script shows, in the page's language."""
    return {
        "counter": _("Quầy"),
        "serving": _("Đang phục vụ"),
        "paused": _("Tạm dừng"),
        "closed": _("Đã đóng"),
        "nobody": "—",
        "no_calls": _("Chưa có lượt gọi"),
        "weekdays": weekday_names(),
    }


def _clip_urls(session: Session, office: Office, names: list[str]) -> list[str]:
    """The URLs of these clips for the office's displays: its published
    recordings where it has them, the bundled clips elsewhere."""
    published = office_voice.digests(session, office.id, office_voice.PUBLISHED)
    return [office_clip_url(name, office.code, published) for name in names]


def _page(
    session: Session, office: Office, counter_ids: list[int], settings: dict[str, Any]
) -> str:
    languages = ("vi", "en") if settings["language"] == "vi_en" else (settings["language"],)
    fixed_clips = [CHIME]
    for language in languages:
        fixed_clips += [CALL_OPENING[language], CALL_COUNTER[language]]
    config = {
        "office": office.code,
        "counters": counter_ids,
        # A configured display reports its loudspeaker; /display does not.
        "displayId": settings.get("display_id"),
        "beatSeconds": DISPLAY_BEAT_SECONDS,
        "isVoiceEnabled": settings["is_voice_enabled"],
        "speechVoice": settings.get("speech_voice", ""),
        "chime": _clip_urls(session, office, [CHIME])[0],
        "language": settings["language"],
        "numberReading": settings["number_reading"],
        "announcementUrl": url_for("display.announcement", office_code=office.code),
        "preload": _clip_urls(session, office, fixed_clips),
        "serverNow": iso(now(), office.timezone),
        "flashSeconds": FLASH_SECONDS,
        "texts": _texts(),
    }
    return render_template(
        "display/display.html", office=office, config=config, title=settings["title"]
    )


@bp.get("/display")
def display_all() -> str:
    """Every counter of the office, or those of ``?counters=1,2``; Vietnamese
    announcements reading numbers digit by digit."""
    wanted = parse_counter_ids(request.args.get("counters"))
    with database().read() as session:
        office = resolve_office(session, request.args.get("office"), None)
        counter_ids = _checked_counters(session, office, wanted)
        settings = {
            "title": pgettext("display", "Màn hình phòng chờ"),
            "language": "vi",
            "is_voice_enabled": True,
            "number_reading": "digits",
        }
        return _page(session, office, counter_ids, settings)


@bp.get("/display/<int:display_id>")
def display_configured(display_id: int) -> str:
    """A display configured in the admin screens; ``?counters=`` narrows it further."""
    wanted = parse_counter_ids(request.args.get("counters"))
    with database().read() as session:
        display = session.get(Display, display_id)
        if display is None:
            raise NotFound("no such display", "display_not_found")
        office = session.get(Office, display.office_id)
        assert office is not None
        configured = [int(counter_id) for counter_id in display.counter_ids or []]
        if configured and wanted:
            wanted = [counter_id for counter_id in wanted if counter_id in configured]
            if not wanted:
                raise NotFound("none of those counters is on this display", "counter_not_found")
        counter_ids = wanted or configured
        counter_ids = _checked_counters(session, office, counter_ids)
        settings = {
            "display_id": display.id,
            "speech_voice": display.speech_voice,
            "title": display.name,
            "language": display.language if display.language in DISPLAY_LANGUAGES else "vi",
            "is_voice_enabled": display.is_voice_enabled,
            "number_reading": (
                display.number_reading if display.number_reading in NUMBER_READINGS else "digits"
            ),
        }
        return _page(session, office, counter_ids, settings)


def _json_error(error: QueueError) -> tuple[Response, int]:
    # Always JSON, whatever the Accept header: only the display's script asks.
    return jsonify({"error": error.as_dict()}), error.status


def _announcement_request() -> tuple[str, int, str, str]:
    code = request.args.get("code", "").strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise Malformed(
            f"code must be a ticket code of 1 to {MAX_CODE_LENGTH} characters", "invalid_field"
        )
    raw_counter = request.args.get("counter", "")
    if not raw_counter.isdigit() or int(raw_counter) > MAX_COUNTER_NUMBER:
        raise Malformed(
            f"counter must be a counter number from 0 to {MAX_COUNTER_NUMBER}", "invalid_field"
        )
    language = request.args.get("language", "vi")
    if language not in DISPLAY_LANGUAGES:
        raise Malformed(f"language must be one of {', '.join(DISPLAY_LANGUAGES)}", "invalid_field")
    reading = request.args.get("reading", "digits")
    if reading not in NUMBER_READINGS:
        raise Malformed(f"reading must be one of {', '.join(NUMBER_READINGS)}", "invalid_field")
    return code, int(raw_counter), language, reading


@bp.get("/display/announcement.json")
@bp.get("/display/<office_code>/announcement.json")
def announcement(office_code: str | None = None) -> Response | tuple[Response, int]:
    """``?code=A012&counter=3&language=vi|en|vi_en&reading=digits|number`` ->
    ``{"clips": [urls], "chime": url, "sentences": [{"language", "text", "clips"}]}``.

    ``clips`` is the whole call in the order to play: the chime and the
    sentence. "vi_en" says the call in Vietnamese, then in English after one
    chime. ``sentences`` is the same call per language, as words for a speech
    voice and as the clips to play instead (without the chime). The office is
    the one in the path (``?office=`` on the short form, which an
    installation of one office may leave out); where it has published its
    own recorded voice, the URLs are its recordings.
    """
    try:
        code, counter_number, language, reading = _announcement_request()
        spoken_parts = []
        for spoken in ("vi", "en") if language == "vi_en" else (language,):
            names = announcement_clips(
                code, counter_number, language=spoken, number_reading=reading, with_chime=False
            )
            text = announcement_text(code, counter_number, language=spoken, number_reading=reading)
            spoken_parts.append((spoken, text, names))
        with database().read() as session:
            office = resolve_office(session, office_code or request.args.get("office"), None)
            (chime,) = _clip_urls(session, office, [CHIME])
            sentences = [
                {"language": spoken, "text": text, "clips": _clip_urls(session, office, names)}
                for spoken, text, names in spoken_parts
            ]
    except QueueError as error:
        return _json_error(error)
    except ValueError as error:
        return _json_error(Malformed(str(error), "unannounceable_code"))
    clips = [chime, *(url for sentence in sentences for url in sentence["clips"])]
    response = jsonify({"clips": clips, "chime": chime, "sentences": sentences})
    # A call may sound different once the office publishes its voice: the
    # display asks again each time, and a 304 answers when nothing changed.
    response.cache_control.public = True
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/display/voice/<office_code>/<path:file_name>")
def recorded_clip(office_code: str, file_name: str) -> Response | tuple[Response, int]:
    """An office's published recording of a clip, at the URL of
    :func:`voice.clips.recorded_clip_url`; 404 once a newer take replaced it
    (the display then falls back on nothing stale: it asks for the call again)."""
    try:
        found = RECORDED_FILE.match(file_name)
        if found is None:
            raise NotFound("no such clip", "clip_not_found")
        with database().read() as session:
            office = resolve_office(session, office_code, None)
            row = office_voice.audio(session, office.id, found["name"], office_voice.PUBLISHED)
            if not row.digest.startswith(found["digest"]):
                raise NotFound("this take is no longer published", "take_not_found")
            data, digest = row.audio, row.digest
    except QueueError as error:
        return _json_error(error)
    response = Response(data, mimetype=CONTENT_TYPE)
    response.cache_control.public = True
    response.cache_control.max_age = RECORDED_CLIP_MAX_AGE_S
    response.cache_control.immutable = True
    response.set_etag(digest)
    return response.make_conditional(request, accept_ranges=True)

"""The "Giọng đọc" (voice) screens: an office records its own loudspeaker voice.

The page lists every spoken clip with the words to say, grouped as the
speaker reads them; the admin records each from the microphone (or picks a
file), and ``static/admin/voice.js`` sends it as WAV to :func:`take_upload`,
which trims and normalises it (:mod:`voice.recording`) and keeps it as a
draft. Drafts are heard here only; publishing hands them to the displays.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from display.routes import MAX_CODE_LENGTH
from queueing import office_voice
from queueing.errors import Malformed
from queueing.models import Display
from voice import announcement_clips
from voice.clips import CLIP_GROUPS, CLIPS, CLIPS_BY_NAME, clip_group, office_clip_url
from voice.recording import CONTENT_TYPE, MAX_TAKE_BYTES, MAX_TAKE_SECONDS
from web.access import (
    check_session_change,
    chosen_office,
    json_view,
    page,
    principal,
    visible_offices,
)
from web.context import database, now, write
from web.extensions import csrf

from .common import bp, go, office_of_page, save
from .forms import ConfirmForm

#: Languages whose clips the page lists; English only when a display speaks it.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
#: The sample call the page plays first.
SAMPLE_CODE = "A012"
SAMPLE_COUNTER = 3


def _group_names() -> dict[str, str]:
    return {
        "phrases": _("Câu gọi"),
        "digits": _("Chữ số"),
        "number_words": _("Từ đọc số"),
        "letters": _("Chữ cái"),
    }


def _languages_spoken(session: Any, office_id: int) -> list[str]:
    """Vietnamese always; English too when one of the office's displays uses it."""
    used = set(session.scalars(select(Display.language).where(Display.office_id == office_id)))
    return ["vi", "en"] if used & {"en", "vi_en"} else ["vi"]


def _take_url(office_code: str, name: str, stage: str, digest: str) -> str:
    # The digest only makes a new take a new URL for the page's <audio>.
    return url_for("admin.take_audio", office=office_code, clip=name, stage=stage, v=digest[:16])


@bp.get("/voice")
@page("admin")
def voice_page() -> str:
    """Every spoken clip, its words, and whether it is recorded."""
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = office_voice.clip_rows(session, office.id)
        languages = _languages_spoken(session, office.id)
        sections = []
        counts = {"clips": 0, "draft": 0, "published": 0}
        for language in languages:
            groups: dict[str, list[dict[str, Any]]] = {group: [] for group in CLIP_GROUPS}
            for clip in CLIPS:
                if clip.language != language:
                    continue
                stages = rows.get(clip.name, {})
                entry = {"clip": clip, "takes": {}}
                for stage, row in stages.items():
                    entry["takes"][stage] = {
                        "url": _take_url(office.code, clip.name, stage, row.digest),
                        "duration_ms": row.duration_ms,
                        "recorded_at": row.recorded_at,
                    }
                    counts[stage] += 1
                counts["clips"] += 1
                groups[clip_group(clip.name)].append(entry)
            sections.append({"language": language, "groups": groups})
        config = {
            "office": office.code,
            "uploadUrl": url_for("admin.take_upload", office=office.code),
            "callUrl": url_for("admin.call_preview", office=office.code),
            "maxBytes": MAX_TAKE_BYTES,
            "csrfToken": generate_csrf(),
            "texts": {
                "record": _("Ghi âm"),
                "stop": _("Dừng"),
                "saving": _("Đang lưu…"),
                "saved": _("Đã lưu bản nháp (%(seconds)s giây).", seconds="{seconds}"),
                "failed": _("Không lưu được: %(reason)s", reason="{reason}"),
                "noMicrophone": _(
                    "Trình duyệt này không cho ghi âm ở đây (cần HTTPS hoặc mở trên chính máy "
                    "chủ). Vẫn có thể chọn tệp ghi sẵn."
                ),
                "microphoneRefused": _("Không mở được micrô: %(reason)s", reason="{reason}"),
                "draft": _("Bản nháp"),
                "tooLong": _(
                    "bản ghi quá dài (tối đa %(seconds)s giây)", seconds=int(MAX_TAKE_SECONDS)
                ),
                "callFailed": _("Không dựng được lượt gọi: %(reason)s", reason="{reason}"),
            },
        }
        return render_template(
            "admin/voice.html",
            office=office,
            offices=visible_offices(session, principal()),
            principal=principal(),
            sections=sections,
            counts=counts,
            group_names=_group_names(),
            language_names=LANGUAGE_NAMES,
            config=config,
            form=ConfirmForm(formdata=None),
            sample_code=SAMPLE_CODE,
            sample_counter=SAMPLE_COUNTER,
            speaks_english="en" in languages,
        )


# The form-wide CSRF check would read the body as a form; the check of
# check_session_change below is the same for a browser, and lets a token in.
@csrf.exempt
@bp.post("/voice/take.json")
@json_view("admin")
def take_upload() -> tuple[Response, int]:
    """``?clip=vi/digit_5``, the body a WAV file: keeps it, trimmed and
    normalised, as the clip's draft. 201 with what was stored; 413 for a body
    over :data:`~voice.recording.MAX_TAKE_BYTES`, 422 for anything but a
    usable WAV take; nothing is changed then."""
    name = request.args.get("clip", "")
    check_session_change(principal())
    office_voice.recordable(name)
    # A take is larger than the app's limit on a request body; a larger one is 413.
    request.max_content_length = MAX_TAKE_BYTES
    data = request.get_data(cache=False)
    if not data:
        raise Malformed("send the take as the request body (a WAV file)", "empty_body")
    office, _offices = office_of_page()
    actor, at = principal().actor, now()
    take = write(lambda session: office_voice.save_take(session, office.id, name, data, at, actor))
    return jsonify(
        {
            "clip": name,
            "stage": office_voice.DRAFT,
            "duration_ms": take.duration_ms,
            "input_duration_ms": take.input_duration_ms,
            "peak_dbfs": take.peak_dbfs,
            "digest": take.digest,
            "url": _take_url(office.code, name, office_voice.DRAFT, take.digest),
        }
    ), 201


@bp.get("/voice/take.wav")
@page("admin")
def take_audio() -> Response:
    """``?clip=vi/digit_5&stage=draft|published``: the stored take, to listen to."""
    with database().read() as session:
        office = chosen_office(session, principal())
        row = office_voice.audio(
            session,
            office.id,
            request.args.get("clip", ""),
            request.args.get("stage", office_voice.DRAFT),
        )
        data = row.audio
    response = Response(data, mimetype=CONTENT_TYPE)
    # A draft changes with every take and is the admin's alone.
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.get("/voice/call.json")
@json_view("admin")
def call_preview() -> Response:
    """``?code=A012&counter=3&language=vi|en``: the clips of that call as it
    will sound once published: drafts first, then published takes, then the
    bundled clips."""
    code = request.args.get("code", "").strip()
    raw_counter = request.args.get("counter", "")
    language = request.args.get("language", "vi")
    if not code or len(code) > MAX_CODE_LENGTH or not raw_counter.isdigit():
        raise Malformed("give a ticket code and a counter number", "invalid_field")
    if language not in LANGUAGE_NAMES:
        raise Malformed("language must be vi or en", "invalid_field")
    try:
        names = announcement_clips(code, int(raw_counter), language=language)
    except ValueError as error:
        raise Malformed(str(error), "unannounceable_code") from None
    with database().read() as session:
        office = chosen_office(session, principal())
        drafts = office_voice.digests(session, office.id, office_voice.DRAFT)
        published = office_voice.digests(session, office.id, office_voice.PUBLISHED)
    urls = [
        _take_url(office.code, name, office_voice.DRAFT, drafts[name])
        if name in drafts
        else office_clip_url(name, office.code, published)
        for name in names
    ]
    return jsonify({"clips": urls})


def _confirmed() -> bool:
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn, vui lòng thử lại."), "error")
        return False
    return True


@bp.post("/voice/discard")
@page("admin")
def take_discard() -> BaseResponse:
    office, _offices = office_of_page()
    if _confirmed():
        name = request.form.get("clip", "")
        actor, at = principal().actor, now()
        _result, error = save(
            lambda session: office_voice.discard_draft(session, office.id, name, at, actor)
        )
        if error is None:
            flash(_("Đã bỏ bản nháp “%(words)s”.", words=CLIPS_BY_NAME[name].text), "success")
        else:
            flash(error, "error")
    return go("admin.voice_page", office)


@bp.post("/voice/publish")
@page("admin")
def voice_publish() -> BaseResponse:
    office, _offices = office_of_page()
    if _confirmed():
        actor, at = principal().actor, now()
        names, error = save(lambda session: office_voice.publish(session, office.id, at, actor))
        if names is not None:
            flash(
                _(
                    "Đã phát hành %(count)s đoạn ghi âm: màn hình sẽ dùng từ lượt gọi tiếp theo.",
                    count=len(names),
                ),
                "success",
            )
        else:
            flash(error or "", "error")
    return go("admin.voice_page", office)


@bp.post("/voice/withdraw")
@page("admin")
def voice_withdraw() -> BaseResponse:
    office, _offices = office_of_page()
    if _confirmed():
        actor, at = principal().actor, now()
        count, error = save(lambda session: office_voice.withdraw(session, office.id, at, actor))
        if count is not None:
            flash(_("Màn hình đã trở lại giọng đọc có sẵn."), "success")
        else:
            flash(error or "", "error")
    return go("admin.voice_page", office)

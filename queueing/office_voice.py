"""An office's own recorded voice: takes, drafts and the published set.

The admin records takes clip by clip; each take is a draft, heard only in
the admin screens, until the admin publishes. Publishing makes every draft
the clip the office's displays play; clips never recorded (or never
published) keep playing from the bundled set, so a half-recorded voice
still makes whole calls.

Each use case runs in the caller's transaction and logs one event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, defer

from voice.clips import CLIPS_BY_NAME
from voice.recording import BadTake, Take, process_take

from .errors import Invalid, NotFound, WrongState
from .models import VoiceClip
from .operations import Actor, record

#: Stages of a clip as the admin's page lists them.
DRAFT = "draft"
PUBLISHED = "published"
STAGES = (DRAFT, PUBLISHED)


def recordable(name: str) -> str:
    """``name`` if it is a spoken clip an office may record; the chime stays
    the bundled one."""
    clip = CLIPS_BY_NAME.get(name) if isinstance(name, str) else None
    if clip is None or clip.is_chime:
        raise NotFound(f"no spoken clip named {name!r}", "clip_not_found")
    return name


def save_take(
    session: Session, office_id: int, name: str, data: bytes, now: datetime, actor: Actor
) -> Take:
    """Trim, normalise and keep a take as the clip's draft (replacing the
    previous draft); raises :class:`Invalid` for a file that is no usable take."""
    recordable(name)
    try:
        take = process_take(data)
    except BadTake as error:
        raise Invalid(str(error), error.code) from None
    session.execute(
        delete(VoiceClip).where(
            VoiceClip.office_id == office_id,
            VoiceClip.name == name,
            VoiceClip.is_published.is_(False),
        )
    )
    session.add(
        VoiceClip(
            office_id=office_id,
            name=name,
            is_published=False,
            audio=take.wav,
            digest=take.digest,
            duration_ms=take.duration_ms,
            recorded_at=now,
            recorded_by=actor.label,
        )
    )
    record(
        session,
        office_id,
        "voice_recorded",
        now,
        actor,
        clip=name,
        duration_ms=take.duration_ms,
        input_duration_ms=take.input_duration_ms,
    )
    return take


def discard_draft(session: Session, office_id: int, name: str, now: datetime, actor: Actor) -> None:
    """Throw away the clip's draft; the published take, if any, stays."""
    recordable(name)
    removed = session.execute(
        delete(VoiceClip).where(
            VoiceClip.office_id == office_id,
            VoiceClip.name == name,
            VoiceClip.is_published.is_(False),
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise WrongState("this clip has no draft", "no_draft")
    record(session, office_id, "voice_discarded", now, actor, clip=name)


def publish(session: Session, office_id: int, now: datetime, actor: Actor) -> list[str]:
    """Every draft becomes its clip's published take; the names published."""
    names = sorted(
        session.scalars(
            select(VoiceClip.name).where(
                VoiceClip.office_id == office_id, VoiceClip.is_published.is_(False)
            )
        )
    )
    if not names:
        raise WrongState("there is no draft to publish", "no_draft")
    session.execute(
        delete(VoiceClip).where(
            VoiceClip.office_id == office_id,
            VoiceClip.name.in_(names),
            VoiceClip.is_published.is_(True),
        )
    )
    session.execute(
        update(VoiceClip)
        .where(VoiceClip.office_id == office_id, VoiceClip.is_published.is_(False))
        .values(is_published=True)
    )
    record(session, office_id, "voice_published", now, actor, clips=names)
    return names


def withdraw(session: Session, office_id: int, now: datetime, actor: Actor) -> int:
    """Stop playing the recorded voice: the published takes are removed and
    the displays go back to the bundled clips. Drafts stay."""
    removed = session.execute(
        delete(VoiceClip).where(VoiceClip.office_id == office_id, VoiceClip.is_published.is_(True))
    )
    count = int(removed.rowcount)  # type: ignore[attr-defined]
    if not count:
        raise WrongState("nothing is published", "nothing_published")
    record(session, office_id, "voice_withdrawn", now, actor, count=count)
    return count


def digests(session: Session, office_id: int, stage: str) -> dict[str, str]:
    """Clip name -> digest of the office's takes at that stage."""
    rows = session.execute(
        select(VoiceClip.name, VoiceClip.digest).where(
            VoiceClip.office_id == office_id, VoiceClip.is_published.is_(stage == PUBLISHED)
        )
    )
    return {name: digest for name, digest in rows}


def clip_rows(session: Session, office_id: int) -> dict[str, dict[str, VoiceClip]]:
    """Clip name -> stage -> row (without loading the audio), for the admin's list."""
    found: dict[str, dict[str, VoiceClip]] = {}
    for row in session.scalars(
        select(VoiceClip).where(VoiceClip.office_id == office_id).options(defer(VoiceClip.audio))
    ):
        found.setdefault(row.name, {})[PUBLISHED if row.is_published else DRAFT] = row
    return found


def audio(session: Session, office_id: int, name: str, stage: str) -> VoiceClip:
    """The stored take; :class:`NotFound` when there is none at that stage."""
    if stage not in STAGES:
        raise Invalid(f"stage must be one of {', '.join(STAGES)}", "invalid_field")
    row = session.scalar(
        select(VoiceClip).where(
            VoiceClip.office_id == office_id,
            VoiceClip.name == recordable(name),
            VoiceClip.is_published.is_(stage == PUBLISHED),
        )
    )
    if row is None:
        raise NotFound(f"no {stage} take of {name}", "take_not_found")
    return row

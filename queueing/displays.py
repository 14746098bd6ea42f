"""What the waiting-room displays say of their loudspeakers.

A display's browser may refuse to play sound until someone touches the
screen (its autoplay policy), and nobody in the waiting room would notice:
the number shows, the loudspeaker stays silent. So each configured display
reports its sound state, and the voice it speaks with, when it connects,
whenever either changes, and every ``DISPLAY_BEAT_SECONDS``; the manager's
board reads the reports from the database, so that every server process
sees the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .errors import Malformed, NotFound
from .models import SOUND_STATES, Display

#: How often a display reports, even when nothing changed.
DISPLAY_BEAT_SECONDS = 30
#: A display not heard from for this long is taken for switched off or cut off.
DISPLAY_SILENT_SECONDS = 2 * DISPLAY_BEAT_SECONDS + 15
#: An unchanged report younger than this is not written again: a display that
#: reports too often (or a client pretending to be one) costs no writes.
UNCHANGED_REPORT_MIN_SECONDS = DISPLAY_BEAT_SECONDS // 3
#: More voices than any device offers in one or two languages.
MAX_REPORTED_VOICES = 50
MAX_VOICE_NAME = 200
#: What the board shows for a display that has not reported lately.
NOT_CONNECTED = "not_connected"


def _voice_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_VOICE_NAME:
        raise Malformed(
            f"{field} must be a voice name of at most {MAX_VOICE_NAME} characters",
            "invalid_field",
        )
    return value.strip()


def sound_report(data: Any) -> dict[str, Any]:
    """A display's report, checked: ``{"display": ID, "state": "ok"|"blocked"|"off",
    "voice"?: NAME, "voices"?: [NAME]}``; anything else raises ``Malformed``."""
    if not isinstance(data, Mapping):
        raise Malformed("a sound report is an object", "invalid_body")
    display_id = data.get("display")
    if not isinstance(display_id, int) or isinstance(display_id, bool) or display_id < 1:
        raise Malformed("display must be a display id", "invalid_field")
    state = data.get("state")
    if state not in SOUND_STATES:
        raise Malformed(f"state must be one of {', '.join(SOUND_STATES)}", "invalid_field")
    voice = _voice_name(data.get("voice", ""), "voice")
    voices = data.get("voices", [])
    if not isinstance(voices, list) or len(voices) > MAX_REPORTED_VOICES:
        raise Malformed(
            f"voices must be a list of at most {MAX_REPORTED_VOICES} voice names", "invalid_field"
        )
    names = [_voice_name(name, "voices") for name in voices]
    # Each name once, in the device's order.
    unique = [name for index, name in enumerate(names) if name and name not in names[:index]]
    return {"display": display_id, "state": state, "voice": voice, "voices": unique}


def report_sound(session: Session, report: Mapping[str, Any], now: datetime) -> bool:
    """Store a checked :func:`sound_report`; True when something was written.

    An unknown display is refused (``NotFound``); an unchanged report is
    written only once every ``UNCHANGED_REPORT_MIN_SECONDS``.
    """
    display = session.get(Display, report["display"])
    if display is None:
        raise NotFound("no such display", "display_not_found")
    is_unchanged = (
        display.sound_state == report["state"]
        and display.voice_in_use == report["voice"]
        and list(display.available_voices or []) == report["voices"]
    )
    if (
        is_unchanged
        and display.last_seen_at is not None
        and 0 <= (now - display.last_seen_at).total_seconds() < UNCHANGED_REPORT_MIN_SECONDS
    ):
        return False
    display.sound_state = report["state"]
    display.voice_in_use = report["voice"]
    display.available_voices = report["voices"]
    display.last_seen_at = now
    return True


def sound_of(display: Display, now: datetime) -> str:
    """The display's sound state as the board shows it: a reported state, or
    ``not_connected`` when it has not reported within the silence window."""
    if display.sound_state is None or display.last_seen_at is None:
        return NOT_CONNECTED
    if (now - display.last_seen_at).total_seconds() > DISPLAY_SILENT_SECONDS:
        return NOT_CONNECTED
    return display.sound_state

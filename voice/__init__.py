"""The waiting-room loudspeaker: calls assembled from pre-recorded clips.

Browsers on the display PCs have no Vietnamese speech voice, so every word
is a small audio file in ``static/voice/`` and a call is a list of them.
"""

from voice.announcement import announcement_clips
from voice.clips import CLIPS, clip_url

__all__ = ["CLIPS", "announcement_clips", "clip_url"]

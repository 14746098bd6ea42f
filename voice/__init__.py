"""The waiting-room loudspeaker: calls assembled from pre-recorded clips.

Most display PCs have no Vietnamese speech voice, so every word is a small
audio file in ``static/voice/`` and a call is a list of them. A display whose
device has a voice may speak the same words with it instead
(:func:`announcement_text`), falling back to the clips.
"""

from voice.announcement import announcement_clips, announcement_text
from voice.clips import CLIPS, clip_url

__all__ = ["CLIPS", "announcement_clips", "announcement_text", "clip_url"]

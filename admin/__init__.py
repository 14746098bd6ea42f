"""The administrator's screens: every setting of an office, without files.

:mod:`.common` holds the blueprint and what every screen shares; each module
that adds screens to it is imported here, so that the blueprint is whole.
"""

from . import routes, voice
from .common import bp

__all__ = ["bp", "routes", "voice"]

"""The administrator's screens: every setting of an office, without files.

:mod:`.common` holds the blueprint and what every screen shares, among it
the create and edit flow each entity configures; each module that adds
screens to it is imported here, so that the blueprint is whole.

Each form posts to its own page; a valid form runs one use case of
:mod:`queueing.settings` in one transaction, which logs who changed what and
makes the screens of the office update at once. Installation-wide
administrators pick the office with ``?office=CODE``.
"""

from . import audit, counters, devices, offices, services, users, voice
from .common import bp

__all__ = ["audit", "bp", "counters", "devices", "offices", "services", "users", "voice"]

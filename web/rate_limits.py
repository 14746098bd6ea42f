"""Rate limits read from the settings: ``"N/minute"`` (any form the
``limits`` package reads) or ``"none"`` (or empty) for no limit."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

#: What a limit of "none" stands for where the limiter needs a limit.
UNLIMITED = "1000000/second"


def is_unlimited(limit: str) -> bool:
    return limit.strip().lower() in ("", "none")


def is_setting_unlimited(setting: str) -> bool:
    """Whether the app's ``setting`` (e.g. ``LUOT_ISSUE_RATE_LIMIT``) is off."""
    return is_unlimited(str(current_app.config[setting]))


def setting_limit(setting: str) -> Callable[[], str]:
    """The limit Flask-Limiter reads, per request, from the app's ``setting``."""

    def limit() -> str:
        configured = str(current_app.config[setting])
        return UNLIMITED if is_unlimited(configured) else configured

    return limit

"""Languages of the pages: Vietnamese by default, English on request.

Texts live in message catalogues per area (``<area>/translations``), never
as strings in templates; ``?lang=en`` switches a page and is remembered in a
cookie, ``?lang=vi`` switches back.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
COOKIE = "luot_lang"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Areas whose templates and scripts have their own catalogue; where two
#: translate the same text, the later one's translation is used.
AREAS = ("comparison", "kiosk", "display", "counter", "manager", "admin", "book", "web")

babel = Babel()

#: The days of the week, Monday first, as every page and export writes them.
WEEKDAY_NAMES = (
    _l("Thứ Hai"),
    _l("Thứ Ba"),
    _l("Thứ Tư"),
    _l("Thứ Năm"),
    _l("Thứ Sáu"),
    _l("Thứ Bảy"),
    _l("Chủ nhật"),
)


def select_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.luot_language_asked = asked
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return DEFAULT_LANGUAGE


def translation_directories() -> str:
    folders = [os.path.join(ROOT, area, "translations") for area in AREAS]
    return ";".join(folder for folder in folders if os.path.isdir(folder)) or os.path.join(
        ROOT, "web", "translations"
    )


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    babel.init_app(app, locale_selector=select_language)

    @app.after_request
    def remember_language(response: Response) -> Response:
        asked = g.get("luot_language_asked")
        if asked is not None:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def language_context() -> dict[str, Any]:
        from flask_babel import get_locale

        locale = get_locale()
        return {"lang": str(locale) if locale else DEFAULT_LANGUAGE, "languages": LANGUAGES}


def page_language() -> str:
    """The language the page is shown in."""
    locale = get_locale()
    language = str(locale) if locale else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def language_url(language: str) -> str:
    """This page in ``language``, keeping its other query arguments (every
    value of a repeated one, such as a report's filters)."""
    arguments = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    arguments.append(("lang", language))
    return f"{request.script_root}{request.path}?{urlencode(arguments)}"


def language_switch() -> dict[str, str]:
    """What a public page's switch to its other language shows."""
    other = "en" if page_language() == "vi" else "vi"
    return {
        "other_language": other,
        "other_language_name": "English" if other == "en" else "Tiếng Việt",
        "other_language_url": language_url(other),
    }


def weekday_names() -> list[str]:
    """The days of the week in the page's language, Monday first."""
    return [str(name) for name in WEEKDAY_NAMES]


def weekday_name(day: date) -> str:
    """``Thứ Hai`` for a Monday, in the page's language."""
    return str(WEEKDAY_NAMES[day.weekday()])

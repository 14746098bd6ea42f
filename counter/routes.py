"""The clerk's counter terminal, the counter screen and the rating tablet."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("counter", __name__)

"""The waiting-room display pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("display", __name__)

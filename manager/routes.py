"""The manager's live board and reports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manager", __name__, url_prefix="/manager")

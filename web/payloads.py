"""What every request must be before any of it reaches a use case.

Text with a NUL character or a lone surrogate cannot be stored (PostgreSQL
refuses NUL in text; a lone surrogate is no character at all), and JSON
nested beyond any form's need costs the parser dearly: each is refused with
a clear 4xx before anything is read or written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Request

from queueing.errors import Invalid, Malformed

#: The largest id a database keeps (a signed 64-bit integer): a larger one
#: names nothing, and must not reach the database driver.
MAX_ID = 2**63 - 1
#: Deeper than any body of the API (a list of reasons in an object).
MAX_JSON_DEPTH = 16


def is_id(value: Any) -> bool:
    """Whether ``value`` is a whole number that can be a database id."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def check_text(value: str, where: str) -> str:
    """``value`` when it is text a database can keep, else 422."""
    if "\x00" in value:
        raise Invalid(f"{where} contains a NUL character", "invalid_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"{where} contains a lone surrogate", "invalid_text") from None
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise Malformed(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "malformed_json")
    if isinstance(value, str):
        check_text(value, "the body")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, "the body")
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as ``{}``."""
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise Malformed(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "malformed_json"
        ) from None
    except ValueError:
        raise Malformed("the body must be a JSON object", "malformed_json") from None
    if not isinstance(body, dict):
        raise Malformed("the body must be a JSON object", "malformed_json")
    _check_json(body, 1)
    return body


def check_request_text(request: Request) -> None:
    """Refuse NUL and lone surrogates anywhere in the address or a form."""
    values: Iterable[str] = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values = [*values, *request.form.keys(), *request.form.values()]
    for value in values:
        check_text(value, "the request")

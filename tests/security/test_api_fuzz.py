"""schemathesis against the served OpenAPI document, as every role.

Every operation gets generated requests, valid and invalid: no answer may be
a 5xx, and every answer must match the document (status, content type,
schema).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as schemathesis_checks

from api.openapi import document

#: Examples per operation and role: bounded so the whole run takes seconds.
EXAMPLES = 12
ROLES = ("anonymous", "clerk", "manager", "admin")

CHECKS = [
    schemathesis_checks.not_a_server_error,
    schemathesis_checks.status_code_conformance,
    schemathesis_checks.content_type_conformance,
    schemathesis_checks.response_schema_conformance,
]
#: The document the app serves (tests/api/test_openapi.py checks that it is
#: the served one and covers every route).
schema = schemathesis.openapi.from_dict(document())


@pytest.fixture(scope="module")
def role_headers(live_server: Any) -> dict[str, dict[str, str]]:
    """Headers per role: none for the public, a bearer token for the others."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        headers[role] = live_server.headers(role)
    return headers


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_every_generated_request_within_its_contract(
    case: Any, live_server: Any, role_headers: dict[str, dict[str, str]]
) -> None:
    assert list(role_headers) == list(ROLES)
    roles_run = []
    for role, headers in role_headers.items():
        if headers and "Authorization" in (case.headers or {}):
            # The case brings its own credentials; the roles' would replace them.
            continue
        case.call_and_validate(base_url=live_server.base_url, headers=headers, checks=CHECKS)
        roles_run.append(role)
    expected = ROLES[:1] if "Authorization" in (case.headers or {}) else ROLES
    assert roles_run == list(expected)

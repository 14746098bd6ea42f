"""The audit view lists every event the settings' use cases write."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from admin.audit import ADMIN_EVENTS

ROOT = Path(__file__).resolve().parents[2]
#: The modules whose use cases the admin screens run.
WRITERS = [
    *sorted((ROOT / "queueing" / "settings").glob("*.py")),
    ROOT / "queueing/office_voice.py",
]


def recorded_kinds(path: Path) -> set[str]:
    """The kinds a module passes to ``record(session, office_id, kind, ...)``
    (or ``record_changes``):
    a literal, either side of a conditional, or what ``kind`` is set to."""
    tree = ast.parse(path.read_text("utf-8"))
    kinds: set[str] = set()

    def literals(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return literals(node.body) | literals(node.orelse)
        return set()

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "record",
            "record_changes",
        ):
            kinds |= literals(node.args[2])
        elif isinstance(node, ast.Assign) and any(
            getattr(target, "id", None) == "kind" for target in node.targets
        ):
            kinds |= literals(node.value)
    return kinds


def test_every_event_the_settings_write_is_listed_by_the_audit_with_its_name(app):
    written = set().union(*(recorded_kinds(path) for path in WRITERS))
    assert len(written) == len(ADMIN_EVENTS) == 23
    assert written == set(ADMIN_EVENTS)
    with app.test_request_context("/admin/audit?lang=vi"):
        assert str(ADMIN_EVENTS["service_created"]) == "Thêm lĩnh vực"
        assert all(str(name) for name in ADMIN_EVENTS.values())


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=9999-12-31&to=9999-12-31", 422), ("from=0001-01-01", 422), ("from=23/11/2026", 400)],
)
def test_an_audit_date_no_office_can_have_is_refused(client, login, query, status):
    login("admin")
    assert client.get(f"/admin/audit?{query}").status_code == status

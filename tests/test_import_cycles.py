"""No two of the project's modules import each other, directly or round a
longer loop, not even through an import inside a function: a circle means
that neither module can be read, tested or moved without the other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Folders that are not part of the running application.
OUTSIDE = {"tests", "migrations", "bench", "scripts", "deploy", "static", "templates"}


def project_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the application."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in OUTSIDE or parts[0].startswith("."):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project's modules that ``module`` imports anywhere in its file."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            # "from pkg import mod" imports the module (the package is being
            # imported already); "from mod import name" imports mod.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        found.update(filter(None, (known(name) for name in names)))
    found.discard(module)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_finder_sees_a_circle_and_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    modules = project_modules()
    # web.context reaches the publisher through the app, not by importing live.
    assert "live" not in imported("web.context", modules["web.context"], modules)
    assert "web.context" in imported("web.jobs", modules["web.jobs"], modules)
    assert "queueing.reports.facts" in imported(
        "queueing.reports.reading", modules["queueing.reports.reading"], modules
    )


def test_no_module_of_the_project_imports_itself_round_a_circle():
    modules = project_modules()
    assert {"server", "live", "web.context", "queueing.operations"} <= set(modules)
    graph = {name: imported(name, path, modules) for name, path in modules.items()}
    assert cycles(graph) == []

"""The shape of the package, checked: no module too long to read, no import cycle between modules.

Imports inside functions are allowed (that is how labkit loads boto3, moto and its own heavy parts
lazily), so only module-level imports count: those that run when the module is imported (in the module
body, or in an ``if``/``try``/``with``/class body there), not those inside a function or under
``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "labkit"
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The labkit modules an import statement loads (a name imported from a package that is a module
    counts as that module; the package's own ``__init__`` otherwise)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        if node.level:
            is_package = MODULES[module].name == "__init__.py"
            base_parts = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
            base = ".".join(base_parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = set()
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            names.add(candidate if candidate in MODULES else base)
    out = set()
    for name in names:
        while name and name not in MODULES:  # `import labkit.vpc.model.x` → the longest known module
            name = name.rpartition(".")[0]
        if name.startswith("labkit") and name in MODULES and name != module:
            out.add(name)
    return out


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        graph.add_node(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _module_level_imports(tree):
            for target in _targets(module, node):
                graph.add_edge(module, target, line=node.lineno)
    return graph


def test_the_import_graph_sees_the_package():
    graph = import_graph()
    assert "labkit.errors" in graph and "labkit.vpc.model" in graph
    assert graph.has_edge("labkit", "labkit.errors")  # labkit/__init__.py imports its errors at the top


def test_no_module_is_longer_than_the_limit():
    too_long = {}
    for module, path in MODULES.items():
        with path.open(encoding="utf-8") as f:
            lines = sum(1 for _ in f)
        if lines > MAX_LINES:
            too_long[module] = lines
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concept): " + ", ".join(
        f"{m} ({n} lines)" for m, n in sorted(too_long.items(), key=lambda x: -x[1])
    )


def cycles_text(graph: nx.DiGraph, most: int = 20) -> str:
    """The shortest import cycles of ``graph``, one a line with the line of each import ("" when none)."""
    rotated = [c[c.index(min(c)) :] + c[: c.index(min(c))] for c in nx.simple_cycles(graph)]  # from its first name
    cycles = sorted(rotated, key=lambda c: (len(c), c))[:most]
    shown = []
    for cycle in cycles:
        steps = [f"{a} (line {graph.edges[a, b]['line']})" for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=False)]
        shown.append(" → ".join(steps + [cycle[0]]))
    return "\n  ".join(shown)


def test_no_import_cycle_between_modules_at_module_level():
    found = cycles_text(import_graph())
    assert not found, (
        "import cycles at module level (make one side import inside a function, or move the "
        "shared part to a module both import):\n  " + found
    )


def test_a_cycle_is_reported_with_its_modules_and_lines():
    graph = nx.DiGraph()
    graph.add_edge("labkit.vpc.model", "labkit.vpc.graph", line=3)
    graph.add_edge("labkit.vpc.graph", "labkit.vpc.model", line=34)
    graph.add_edge("labkit.vpc.graph", "labkit.errors", line=5)
    assert cycles_text(graph) == "labkit.vpc.graph (line 34) → labkit.vpc.model (line 3) → labkit.vpc.graph"
    graph.remove_edge("labkit.vpc.model", "labkit.vpc.graph")
    assert cycles_text(graph) == ""


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import labkit.errors", {"labkit.errors"}),
        ("from labkit.vpc.model import Topology", {"labkit.vpc.model"}),
        ("from labkit.iam import patterns", {"labkit.iam.patterns"}),
        ("from labkit.iam import evaluate, Decision", {"labkit.iam.evaluate", "labkit.iam"}),
        ("from . import model", {"labkit.vpc.model"}),
        ("from .results import Trace", {"labkit.vpc.results"}),
        ("def f():\n    from labkit.lab import Lab", set()),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from labkit.lab import Lab", set()),
        ("try:\n    from labkit.lab import Lab\nexcept ImportError:\n    pass", {"labkit.lab"}),
        ("import json", set()),
    ],
    ids=[
        "import",
        "from-module",
        "from-package-submodule",
        "from-package-name",
        "relative-module",
        "relative-name",
        "inside-function",
        "type-checking",
        "inside-try",
        "outside-labkit",
    ],
)
def test_which_imports_count(source, expected):
    module = "labkit.vpc.graph"  # a module inside a package, for the relative imports
    found = set()
    for node in _module_level_imports(ast.parse(source)):
        found |= _targets(module, node)
    assert found == expected

"""The project's import graph, read from the source with ``ast`` (nothing is imported).

Small pure functions so that tests/imhcpd/test_architecture.py can run each rule on the real
code and, to prove the rule can fail, on a synthetic graph. Every import statement counts,
including those inside functions (a lazy import is still a dependency) and excluding only
``if TYPE_CHECKING:`` blocks, which never run. ``migrations/`` packages are left out: they
are frozen history, and may name a model's old home.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_PACKAGES = ("imhcpd", "competencies", "portfolios", "register")

# Lowest first: a module may import from its own layer or any layer before it.
LAYERS = (
    "imhcpd",
    "competencies",
    "portfolios",
    "portfolios.supervision",
    "portfolios.exports",
    "register",
    # A team reads what its members share from every room below, the register included.
    "portfolios.teams",
)

# The root urlconf mounts every app, so it alone in imhcpd may know them.
LAYER_EXEMPT = frozenset({"imhcpd.urls"})

MAX_LINES = 500


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    lineno: int
    statement: str

    def describe(self, path: Path | None = None) -> str:
        where = f"{path}:{self.lineno}" if path else f"{self.importer}:{self.lineno}"
        return f"{where}: {self.importer} -> {self.target}  [{self.statement}]"


# --- Reading the source --------------------------------------------------------------------


def discover_modules(root: Path, packages: Iterable[str] = PROJECT_PACKAGES) -> dict[str, Module]:
    """Every .py file of the project packages outside ``migrations/``, by dotted name."""
    modules: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts or "__pycache__" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            modules[".".join(parts)] = Module(".".join(parts), path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_import_module_call(node: ast.AST) -> bool:
    """``import_module("a.b")`` with a literal name: an import in all but syntax."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "import_module"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _statements(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom | ast.Call]:
    """Import statements anywhere in the tree (functions, classes, try blocks), skipping the
    body of ``if TYPE_CHECKING:``; plus ``import_module("literal")`` calls."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom) or _is_import_module_call(node):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    package = importer if is_package else importer.rpartition(".")[0]
    parts = package.split(".")
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    return f"{base}.{module}" if module else base


def _is_project(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _nearest_module(name: str, known: Mapping[str, object] | Iterable[str]) -> str:
    """The longest prefix of ``name`` that is a known module; ``name`` itself if none is
    (a missing module is still an import of that layer, so the layer rules see it)."""
    known = set(known)
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return name


def imports_in_source(
    importer: str,
    source: str,
    known: Iterable[str],
    *,
    is_package: bool = False,
    packages: Iterable[str] = PROJECT_PACKAGES,
) -> list[Import]:
    """The project modules ``importer`` depends on, one Import per imported name.

    ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``.
    """
    known = set(known)
    packages = tuple(packages)
    lines = source.splitlines()
    found: list[Import] = []
    for node in _statements(ast.parse(source)):
        statement = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [_nearest_module(alias.name, known) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(importer, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in known else _nearest_module(base, known))
        else:  # import_module("a.b")
            targets = [_nearest_module(node.args[0].value, known)]
        found.extend(
            Import(importer, target, node.lineno, statement)
            for target in targets
            if _is_project(target, packages)
        )
    return sorted(set(found), key=lambda i: (i.lineno, i.target))


def project_imports(modules: Mapping[str, Module]) -> list[Import]:
    found: list[Import] = []
    for module in modules.values():
        found.extend(
            imports_in_source(
                module.name,
                module.path.read_text(encoding="utf-8"),
                modules,
                is_package=module.is_package,
            )
        )
    return found


def build_graph(imports: Iterable[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in imports:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    return graph


# --- Rules ---------------------------------------------------------------------------------


def layer_of(module: str, layers: tuple[str, ...] = LAYERS) -> int | None:
    """Index of the most specific layer containing ``module``; None outside the project."""
    best: int | None = None
    for index, layer in enumerate(layers):
        if (module == layer or module.startswith(layer + ".")) and (
            best is None or len(layer) > len(layers[best])
        ):
            best = index
    return best


def upward_imports(
    imports: Iterable[Import],
    layers: tuple[str, ...] = LAYERS,
    exempt: frozenset[str] = LAYER_EXEMPT,
) -> list[Import]:
    """Imports from a lower layer into a higher one."""
    bad = []
    for edge in imports:
        if edge.importer in exempt:
            continue
        source, target = layer_of(edge.importer, layers), layer_of(edge.target, layers)
        if source is not None and target is not None and target > source:
            bad.append(edge)
    return bad


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def describe_cycle(component: list[str], imports: Iterable[Import]) -> str:
    """The imports that hold a cycle together, so the message says which lines to change."""
    members = set(component)
    edges = sorted(
        (i for i in imports if i.importer in members and i.target in members),
        key=lambda i: (i.importer, i.lineno),
    )
    return (
        "cycle among "
        + ", ".join(component)
        + ":\n"
        + "\n".join("    " + e.describe() for e in edges)
    )


def oversized(modules: Mapping[str, Module], limit: int = MAX_LINES) -> list[tuple[str, int]]:
    too_long = []
    for module in modules.values():
        count = len(module.path.read_text(encoding="utf-8").splitlines())
        if count > limit:
            too_long.append((str(module.path), count))
    return sorted(too_long)


APP_IMPORT_LINE = re.compile(r"^\s*(from|import)\s+(competencies|portfolios|register)\b")


def app_import_lines(source: str) -> list[tuple[int, str]]:
    """The issue's own grep: lines that start an import of an app."""
    return [
        (number, line.strip())
        for number, line in enumerate(source.splitlines(), start=1)
        if APP_IMPORT_LINE.match(line)
    ]

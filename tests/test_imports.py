"""The import graph of mcvalue's modules has no cycle, counting imports inside functions.

Every ``import`` and ``from ... import`` statement counts wherever it stands (module
level, function, method), except inside an ``if TYPE_CHECKING:`` block, which never runs.
``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``root``."""
    names = {}
    for path in (root / package).rglob("*.py"):
        if "_priors" in path.parts:  # the shipped prior files' folder, no code
            continue
        names[".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")] = path
    return names


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """Ids of every node inside the body of an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) block."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    """Return the modules of ``modules`` that one import statement in ``module`` names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        parts = module.split(".") if is_package else module.split(".")[:-1]
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Map each module to the package's modules it imports anywhere, ``TYPE_CHECKING`` blocks excluded."""
    modules = _module_names(root, package)
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_nodes(tree)
        deps: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
                deps |= _imported(node, module, path.name == "__init__.py", modules)
        graph[module] = {dep for dep in deps if dep in modules and dep != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in sorted(graph[node]):
            if dep not in index:
                connect(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_closed_inside_a_function_is_found_and_a_type_checking_one_is_not(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import g\n\ndef f():\n    return g()\n",
        "pkg/b.py": "def g():\n    from pkg import a  # closes the cycle at call time\n    return a\n",
        "pkg/c.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.d import D\n",
        "pkg/d.py": "from pkg.c import *\n",
        "pkg/sub/__init__.py": "from .e import E\n",
        "pkg/sub/e.py": "class E:\n    def m(self):\n        from . import F\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.b"] == {"pkg.a"}  # ``from pkg import a`` names the module pkg.a
    assert graph["pkg.c"] == set()
    assert graph["pkg.sub.e"] == {"pkg.sub"}  # relative, inside a method
    assert cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.sub", "pkg.sub.e"]]


def test_mcvalue_has_no_import_cycle_counting_imports_inside_functions():
    """One-way flow: priors -> scenario -> data -> fit -> simulate -> summarise -> report."""
    graph = import_graph(ROOT, "mcvalue")
    assert len(graph) > 50 and graph["mcvalue.priors.spec"]  # the walk saw the package
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(component) for component in found)

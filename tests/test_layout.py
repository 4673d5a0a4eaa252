"""The layout holds (issue 20): the engine (``model/``, ``agents/``) imports no front door, and
the project's modules import each other without circles. Imports are read with ``ast``, so
function-level imports, ``if TYPE_CHECKING:`` imports and ``import_module("...")`` calls count."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agents", "model", "app", "experiments", "cli", "forecasting", "validation")
ENGINE = ("agents", "model")
FRONT_DOORS = ("app", "cli", "experiments", "forecasting", "validation")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages by dotted name."""
    found = {}
    for pkg in PACKAGES:
        for f in sorted((root / pkg).rglob("*.py")):
            name = ".".join(f.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = f
    return found


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in the file)."""
    graph = {}
    for name, f in mods.items():
        deps: set[str] = set()
        package = name if f.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                deps.add(mod)
                deps.update(f"{mod}.{a.name}" for a in node.names)
            elif (isinstance(node, ast.Call) and node.args
                  and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                  and isinstance(node.args[0], ast.Constant)):
                deps.add(str(node.args[0].value))
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def test_the_graph_reader_sees_every_kind_of_import(tmp_path):
    """A circle made of a TYPE_CHECKING import, a function-level import and an
    import_module call is found; the same files without the back edge have none."""
    (tmp_path / "model").mkdir()
    for pkg in PACKAGES[2:] + ("agents",):
        (tmp_path / pkg).mkdir(exist_ok=True)
    (tmp_path / "model" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from model.b import X\n")
    (tmp_path / "model" / "b.py").write_text("def f():\n    from . import c\n")
    (tmp_path / "model" / "c.py").write_text(
        "import importlib\nimportlib.import_module('cli.main')\n")
    (tmp_path / "cli" / "main.py").write_text("import model.a\n")
    graph = import_graph(modules(tmp_path))
    assert graph["model.c"] == {"cli.main"}
    assert circles(graph) == [{"model.a", "model.b", "model.c", "cli.main"}]
    (tmp_path / "cli" / "main.py").write_text("")
    assert circles(import_graph(modules(tmp_path))) == []


def test_the_engine_imports_no_front_door():
    graph = import_graph(modules())
    bad = sorted((m, d) for m, deps in graph.items() if m.split(".")[0] in ENGINE
                 for d in deps if d.split(".")[0] in FRONT_DOORS)
    assert not bad, "the engine imports a front door:\n" + "\n".join(f"{m} -> {d}"
                                                                      for m, d in bad)


def test_no_import_circle_among_the_projects_modules():
    found = [sorted(c) for c in circles(import_graph(modules()))]
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)

"""Every ceiling (rounds, runs, seeds, file size, extends depth, …) is defined once, in
model/io/safeio.py; every schema and option imports it, and docs/reliability.md states the
same numbers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import model.io.safeio as safeio

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [f for d in ("model", "experiments", "app", "agents") for f in (ROOT / d).rglob("*.py")]
#: module constants named MAX_ that are not ceilings on user input
NOT_CEILINGS = {"experiments/report.py": {"MAX_LEVELS"}}  # binning of a report axis


def _assigned(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id.startswith("MAX_"):
                    names.append(n.id)
    return names


def test_every_ceiling_is_defined_in_safeio_alone():
    elsewhere = []
    for f in SOURCES:
        rel = f.relative_to(ROOT).as_posix()
        if rel == "model/io/safeio.py":
            continue
        for name in _assigned(ast.parse(f.read_text())):
            if name not in NOT_CEILINGS.get(rel, set()):
                elsewhere.append(f"{rel}: {name}")
    assert not elsewhere, "define ceilings in model/io/safeio.py only:\n" + "\n".join(elsewhere)


def _literal(node: ast.AST) -> int | None:
    try:
        v = ast.literal_eval(node)
    except ValueError:
        if isinstance(node, ast.BinOp):  # 2**20, 20 * 1024 * 1024
            try:
                v = eval(compile(ast.Expression(node), "<ceiling>", "eval"), {})  # noqa: S307
            except Exception:  # noqa: BLE001 - a name inside: not a literal
                return None
        else:
            return None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def test_no_literal_ceiling_in_a_schema_or_an_option():
    """Upper bounds of 1,000 or more written as numbers in ``Field(le=…, max_length=…)``
    or ``int_in(lo, hi)`` would be a second copy of a ceiling."""
    found = []
    for f in SOURCES:
        rel = f.relative_to(ROOT).as_posix()
        if rel == "model/io/safeio.py":
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            bounds = [k.value for k in node.keywords if k.arg in ("le", "lt", "max_length")]
            if name == "int_in" and len(node.args) == 2:
                bounds.append(node.args[1])
            for b in bounds:
                v = _literal(b)
                if v is not None and v >= 1000 and not (rel == "app/serve.py" and v == 65535):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not found, "import the ceiling from model.io.safeio:\n" + "\n".join(found)


def test_the_scenario_schema_uses_the_same_ceilings():
    from model.inputs.scenario import Scenario

    rounds = Scenario.model_fields["rounds"].metadata
    assert any(getattr(m, "le", None) == safeio.MAX_ROUNDS for m in rounds)
    import model.inputs.scenario as scenario

    assert scenario.MAX_ROUNDS is safeio.MAX_ROUNDS and scenario.MAX_EXTENDS is safeio.MAX_EXTENDS


def test_reliability_doc_states_each_ceiling():
    text = (ROOT / "docs" / "reliability.md").read_text()
    expect = {
        "MAX_ROUNDS": f"{safeio.MAX_ROUNDS:,} rounds per run",
        "MAX_RUNS": f"{safeio.MAX_RUNS:,} runs per batch or study",
        "MAX_REPLICATES": f"{safeio.MAX_REPLICATES:,} replicates",
        "MAX_GRID_LEVELS": f"{safeio.MAX_GRID_LEVELS} grid or Morris levels",
        "MAX_SOBOL_N": f"2^{safeio.MAX_SOBOL_N.bit_length() - 1} Sobol base points",
        "MAX_TRAJECTORIES": f"{safeio.MAX_TRAJECTORIES:,} Morris trajectories",
        "MAX_TRIALS": f"{safeio.MAX_TRIALS:,} trials per command",
        "MAX_ACTORS": f"{safeio.MAX_ACTORS:,} actors per stakeholder table",
        "MAX_FILE_BYTES": f"{safeio.MAX_FILE_BYTES // 2**20} MB per input file",
        "MAX_EXTENDS": f"{safeio.MAX_EXTENDS} levels of `extends`",
        "MAX_NASH_GRID": f"{safeio.MAX_NASH_GRID:,} Nash grid points",
        "MAX_EXCHANGES": f"{safeio.MAX_EXCHANGES:,} exchanges per round",
    }
    missing = {k: v for k, v in expect.items() if v not in text}
    assert not missing, missing
    assert re.search(r"model/(io/)?safeio\.py", text)  # model/io/ since the layout move

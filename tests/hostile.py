"""Hostile inputs for the property tests (tests/test_bad_inputs.py) and the figures script
(benchmarks/reliability.py): valid files with one part made wrong, as a careless or
hostile user would, and the check that each gets one clean line or loads.

A case is a file text; :func:`outcome` feeds it to the real front door (``main([...])``)
and says "ok" (exit 0), "clean" (exit 2, one line naming the file) or what went wrong.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

#: values a careless or hostile user puts where a good value was
NASTY = st.one_of(
    st.sampled_from([None, True, False, 0, -1, -5, 2, 100, 10**9, 2**70, -(2**70), 0.7, 1e9,
                     -1e-300, math.nan, math.inf, -math.inf, "", "0.5", "true", "nan",
                     "/etc/passwd", "../../x", "/abs/x", "/dev/zero", ".", "haggle",
                     "baseline-2024", [], [1, "a"], {}, {"low": 1}, "é\u202e"]),
    st.integers(), st.floats(), st.text(max_size=20),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=5)), max_size=3),
)

EXPERIMENT = {
    "name": "fuzz", "scenarios": ["baseline-2024"], "protocols": ["compromise"],
    "replicates": 2, "seed": 1, "rounds": 5, "per_round": False,
    "sampler": {"kind": "lhs", "n": 4, "seed": 0, "levels": 3},
    "parameters": {"us_engagement": {"low": 0.2, "high": 0.8},
                   "participation_blockage": [False, True]},
}
SCENARIO = {
    "name": "fuzz", "extends": "baseline-2024", "rounds": 6, "protocol": "compromise",
    "protocol_parameters": {"compromise": {"concession": 0.3},
                            "bdm": {"Q": 0.9, "offer_rule": "least", "vote_risk": False}},
    "parameters": {"us_engagement": 0.5, "participation_blockage": True,
                   "coalition_threshold": 0.2},
    "blocs": {"eastern_flank": {"decoupling_fear": 0.9}},
    "actors": {"POL": {"competition": 0.2, "risk": 1.0, "salience": {"ukr_training": 0.5}}},
    "stances": {"HUN": {"block": ["ukr_aid"]}},
    "events": [{"round": 3, "target": "us_engagement", "value": 0.3},
               {"round": 4, "target": "bloc.eu_core.competition", "value": 0.4},
               {"round": 5, "target": "actor.POL.risk", "value": 1.5}],
}
TUNE = {
    "name": "fuzz", "scenario": "baseline-2024", "rounds": 5, "seeds": [1],
    "protocol": "compromise", "protocol_parameters": {"concession": 0.3},
    "parameters": {"us_engagement": {"low": 0.3, "high": 1.0}},
    "targets": [{"kind": "outcome", "issue": "ukr_training", "role": "eu", "value": 50,
                 "weight": 1.0},
                {"kind": "metric", "metric": "gap_index", "value": 0.1}],
}
SENSITIVITY = {
    "name": "fuzz", "scenario": "baseline-2024", "rounds": 5, "seeds": [1],
    "protocol": "nash", "protocol_parameters": {"grid": 101, "utility": "linear"},
    "methods": ["morris"], "morris": {"trajectories": 2, "levels": 4},
    "sobol": {"n": 8},
    "parameters": {"us_engagement": {"low": 0.3, "high": 1.0}},
}
TABLE = "actor,capability,position,salience\nA,0.5,10,0.8\nB,0.3,60,0.5\nC,0.2,90,1\n"


# --------------------------------------------------------------------------------------
# writing TOML (inline tables: any dict, any nesting, one line per top-level key)
# --------------------------------------------------------------------------------------
def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}"
                               for k, x in v.items() if x is not None) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n"
                   for k, v in doc.items() if v is not None)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """``base`` with one to three places replaced by a nasty value, deleted, or given an
    unknown key; or, now and then, bytes that are no TOML at all."""
    import copy

    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(["[", "x = ", "a = 1\na = 2", "\x00\x01", "[[t]]\n[t]",
                                     "k = [" * 200, "é = 1", "= 3"]))
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.integers(0, 9))
        if action == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == 1 and isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "extends", "name", "rounds", "value"]))
                   + ("" if draw(st.booleans()) else "_x")] = draw(NASTY)
        else:
            parent[path[-1]] = draw(NASTY)
    return to_toml(doc)


@st.composite
def mutated_table(draw: st.DrawFn) -> str:
    """A stakeholder table with one cell, row or header made wrong."""
    rows = [r.split(",") for r in TABLE.strip().split("\n")]
    r = draw(st.integers(0, len(rows) - 1))
    c = draw(st.integers(0, len(rows[0]) - 1))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        rows[r][c] = draw(st.sampled_from(["", "nan", "inf", "-1", "1e400", "abc", "50%",
                                           "1,5", '"', "x" * 200_000, "\x00", "∞"]))
    elif kind == 1:
        rows[r].append(draw(st.text(max_size=5)))
    elif kind == 2:
        del rows[r]
    elif kind == 3:
        rows[r][c] = draw(st.text(max_size=30))
    else:
        rows[r][c] = str(draw(st.floats()))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    return "\n".join(sep.join(x) for x in rows) + "\n"


# --------------------------------------------------------------------------------------
# the check
# --------------------------------------------------------------------------------------
KINDS = {
    "experiment": lambda f, out: ["batch", str(f), "--dry-run", "--out", str(out)],
    "scenario": lambda f, out: ["run", "--scenario", str(f), "--rounds", "1"],
    "tune": lambda f, out: ["tune", str(f), "--trials", "1", "--out", str(out)],
    # a mutation may stay valid but ask for thousands of runs: check and sample the design
    # only (the runs themselves are covered by test_sensitivity and test_study_failures)
    "sensitivity": lambda f, out: ["sensitivity", str(f), "--dry-run", "--workers", "1",
                                   "--out", str(out)],
    "stakeholder": lambda f, out: ["forecast", str(f), "--rounds", "2"],
}


def outcome(kind: str, text: str, folder: Path) -> str:
    """Run the real command on ``text`` as a file of ``kind``: "ok" (exit 0), "clean"
    (exit 2 and one line naming the file), else a description of what went wrong."""
    from cli.main import main

    f = folder / ("input.csv" if kind == "stakeholder" else "input.toml")
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(KINDS[kind](f, folder / "out"))
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        return f"raised {type(exc).__name__}: {exc}"
    lines = err.getvalue().strip().splitlines()
    if code == 0:
        return "ok"
    # the file named is the user's (or the file it extends, when that one is at fault);
    # tables word the place as "row 3, column 'x'" rather than "field"
    if code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and (
            ": field '" in lines[0] or lines[0].startswith(f"error: {f}")):
        return "clean"
    return f"exit {code}: {err.getvalue()[:300]!r}"

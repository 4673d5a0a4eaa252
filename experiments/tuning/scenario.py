"""Tuned parameters as a scenario: free-parameter names -> scenario overrides, one run of a
parameter set (:func:`evaluate_point`, the worker of tuning and sensitivity analysis) and
the scenario file that saves it (``eunato tune --write-scenario``).

A free parameter is written the way a scenario file would set it (see
:mod:`experiments.tuning.study`), so every tuned parameter set *is* a scenario: the base plus
overrides, validated by the one validator of scenario files.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from experiments.runs import run_one
from model.inputs.data import BLOCS, load_issues
from model.inputs.scenario import (
    ACTOR_FIELDS,
    BLOC_FIELDS,
    SCENARIO_DIR,
    Scenario,
    ScenarioParameters,
    _merge,
    _raw,
    scenario_path,
    validate_scenario,
)
from model.io.safeio import safe_name, write_text_atomic
from model.model import ACTOR_KNOBS, BLOC_KNOBS


class TuneSpec(Protocol):
    """What a tuned scenario file records of :class:`experiments.tuning.spec.TuneSpec` (a
    protocol, so that this module does not import the one that imports it)."""

    name: str
    source: str
    scenario: str
    protocol: str
    protocol_parameters: dict[str, Any]
    seeds: list[int]
    rounds: int | None

NUMERIC_SCENARIO_PARAMETERS = tuple(
    k for k, f in ScenarioParameters.model_fields.items()
    if f.annotation in (float, int, float | None))
INT_SCENARIO_PARAMETERS = tuple(k for k, f in ScenarioParameters.model_fields.items()
                                if f.annotation is int)
ROLE_FIELDS = ("eu_role", "nato_role")  # an outcome's two roles (docs/schema.md)


def parameter_path(name: str, actor_ids: Iterable[str] | None = None,
                   issue_ids: Iterable[str] | None = None) -> tuple[str, ...]:
    """Where a free parameter sits in a scenario file, e.g. ``actor.POL.risk`` ->
    ("actors", "POL", "risk"). Raises ValueError for a name it does not understand."""
    actor_ids = list(actor_ids) if actor_ids is not None else None
    issue_ids = list(issue_ids) if issue_ids is not None else None
    parts = name.split(".")
    if name == "us_engagement":
        return ("parameters", "us_engagement")
    if name in BLOC_KNOBS:  # the model's keyword knobs, e.g. eastern_flank_decoupling_fear
        return ("blocs", *BLOC_KNOBS[name])
    if name in ACTOR_KNOBS:  # one actor's knob, e.g. commission_competition
        return ("actors", *ACTOR_KNOBS[name])
    if parts[0] == "bloc" and len(parts) == 3:
        if parts[1] not in BLOCS:
            raise ValueError(f"unknown bloc {parts[1]!r}; known: {', '.join(BLOCS)}")
        if parts[2] not in BLOC_FIELDS:
            raise ValueError(f"a bloc parameter is one of {', '.join(BLOC_FIELDS)}")
        return ("blocs", parts[1], parts[2])
    if parts[0] == "parameters" and len(parts) == 2:
        if parts[1] not in NUMERIC_SCENARIO_PARAMETERS:
            raise ValueError("a numeric scenario parameter is one of "
                             + ", ".join(NUMERIC_SCENARIO_PARAMETERS))
        return ("parameters", parts[1])
    if parts[0] == "actor" and len(parts) in (3, 4):
        if actor_ids is not None and parts[1] not in actor_ids:
            raise ValueError(f"unknown actor {parts[1]!r} (see `eunato actors`)")
        if len(parts) == 3:
            fields = (*ACTOR_FIELDS, "capability", "engagement")
            if parts[2] not in fields:
                raise ValueError(f"an actor parameter is one of {', '.join(fields)}, "
                                 "eu_role.<issue>, nato_role.<issue>, salience.<issue>")
            return ("actors", parts[1], parts[2])
        if parts[2] == "position":  # the one-axis engine's name: say what replaced it
            raise ValueError("an issue's outcome is two roles now: use "
                             f"actor.{parts[1]}.eu_role.{parts[3]} or "
                             f"actor.{parts[1]}.nato_role.{parts[3]}")
        if parts[2] not in (*ROLE_FIELDS, "salience"):
            raise ValueError("expected actor.<ID>.eu_role.<issue>, actor.<ID>.nato_role.<issue> "
                             "or actor.<ID>.salience.<issue>")
        if issue_ids is not None and parts[3] not in issue_ids:
            raise ValueError(f"unknown issue {parts[3]!r}; known: {', '.join(issue_ids)}")
        return ("actors", parts[1], parts[2], parts[3])
    if parts[0] == "issue" and len(parts) in (3, 4) and parts[2] == "status_quo":
        if issue_ids is not None and parts[1] not in issue_ids:
            raise ValueError(f"unknown issue {parts[1]!r}; known: {', '.join(issue_ids)}")
        if len(parts) == 3 or parts[3] not in ROLE_FIELDS:
            raise ValueError("a status quo is two roles: use "
                             f"issue.{parts[1]}.status_quo.eu_role or "
                             f"issue.{parts[1]}.status_quo.nato_role")
        return ("issues", parts[1], "status_quo", parts[3])
    raise ValueError("expected us_engagement, <bloc>_decoupling_fear, <bloc>_competition, "
                     f"{', '.join(ACTOR_KNOBS)}, bloc.<bloc>.<field>, parameters.<field>, "
                     "actor.<ID>.<field>, actor.<ID>.eu_role.<issue>, "
                     "actor.<ID>.nato_role.<issue>, actor.<ID>.salience.<issue> or "
                     "issue.<ID>.status_quo.eu_role / .nato_role")


def overrides_for(params: dict[str, float]) -> dict[str, Any]:
    """The scenario tables that set ``params`` (nested dicts, as in a scenario file)."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        path = parameter_path(name)
        d = out
        for key in path[:-1]:
            d = d.setdefault(key, {})
        d[path[-1]] = value
    return out


def complete_status_quo(base: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` with every ``issues.<ID>.status_quo`` a whole pair: a scenario sets
    both roles at once, so the role not tuned keeps the base scenario's value (its own
    override, else data/issues.toml)."""
    issues = overrides.get("issues") or {}
    if not any("status_quo" in ov for ov in issues.values()):
        return overrides
    out = copy.deepcopy(overrides)
    raw, _ = _raw(base)
    data = {i.id: i.status_quo for i in load_issues()}
    for iid, ov in out["issues"].items():
        sq = ov.get("status_quo")
        if not isinstance(sq, dict) or iid not in data:  # unknown issue: validation says so
            continue
        given = (raw.get("issues", {}).get(iid) or {}).get("status_quo") or {}
        ov["status_quo"] = {r: sq.get(r, given.get(r, getattr(data[iid], r)))
                            for r in ROLE_FIELDS}
    return out


def build_scenario(base: str, overrides: dict[str, Any], name: str = "tuned") -> Scenario:
    """The base scenario with ``overrides`` merged in, exactly as a scenario file with
    ``extends = base`` and these tables would load (see
    :func:`model.inputs.scenario.load_scenario`)."""
    raw, path = _raw(base)
    raw = _merge(raw, complete_status_quo(base, overrides))
    raw["name"] = name
    raw.pop("description", None)
    return validate_scenario(raw, path)


def evaluate_point(task: dict[str, Any]) -> dict[str, Any]:
    """One run of a tuned parameter set (a worker function: plain data in, plain data out).

    ``task``: base (scenario name or path), params ({free parameter: value}), protocol
    (None: the base scenario's), protocol_params (merged into the scenario as its
    ``[protocol_parameters.<protocol>]``, so the scenario's own schema checks them),
    rounds, seed. Returns :func:`experiments.runs.run_one`'s row (scenario = the base)
    with the free parameters. Its ``eu_role_<issue>`` / ``nato_role_<issue>`` are the
    arrangement in force: the status quo wherever nothing was agreed (docs/schema.md).
    """
    params = dict(task.get("params") or {})
    overrides = overrides_for(params)
    protocol = task.get("protocol")
    if task.get("protocol_params"):
        protocol = protocol or build_scenario(task["base"], {}).protocol
        overrides["protocol_parameters"] = {protocol: dict(task["protocol_params"])}
    sc = build_scenario(task["base"], overrides)
    row, _ = run_one({"scenario": sc, "protocol": protocol,
                      "rounds": task.get("rounds"), "seed": task.get("seed")})
    row["scenario"] = str(task["base"])
    row.update(params)
    return row


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


# --- writing the tuned scenario --------------------------------------------------------
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return json.dumps(str(v))


def _toml_key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def scenario_toml(name: str, extends: str, overrides: dict[str, Any], description: str,
                  rounds: int | None = None, protocol: str | None = None) -> str:
    """A scenario file: ``extends`` plus the override tables (values kept at full
    precision, so the file reproduces the tuned runs exactly)."""
    lines = [f"name = {json.dumps(name)}", f"extends = {json.dumps(extends)}",
             f'description = """{description}"""']
    if rounds is not None:
        lines.append(f"rounds = {int(rounds)}")
    if protocol is not None:
        lines.append(f"protocol = {json.dumps(protocol)}")
    lines.append("")

    def inline(v: Any) -> bool:  # per-issue roles and saliences, a status-quo pair
        return isinstance(v, dict) and all(not isinstance(x, dict) for x in v.values())

    def table(prefix: list[str], d: dict[str, Any]) -> None:
        # inside [actors.X] and [issues.X], a table of numbers is written inline, as in
        # the scenario files: eu_role = { ukr_aid = 40.0 }, status_quo = { eu_role = … }
        here = {k: v for k, v in d.items()
                if not isinstance(v, dict) or (len(prefix) >= 2 and inline(v))}
        if here:
            lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
            for k, v in here.items():
                value = ("{ " + ", ".join(f"{_toml_key(a)} = {_toml_value(x)}"
                                          for a, x in v.items()) + " }"
                         if isinstance(v, dict) else _toml_value(v))
                lines.append(f"{_toml_key(k)} = {value}")
            lines.append("")
        for k, v in d.items():
            if k not in here:
                table([*prefix, k], v)

    for top in ("parameters", "protocol_parameters", "blocs", "actors", "issues"):
        if top in overrides:
            table([top], overrides[top])
    return "\n".join(lines)


def write_scenario(spec: TuneSpec, params: dict[str, float], name: str,
                   directory: str | Path | None = None, note: str = "") -> Path:
    """Save ``params`` as ``<directory>/<name>.toml`` (default data/scenarios/) extending the
    tune file's base scenario; it loads with ``eunato run --scenario NAME`` (or the path)."""
    safe_name(name, "--write-scenario", "--write-scenario")
    directory = Path(directory) if directory else SCENARIO_DIR
    directory.mkdir(parents=True, exist_ok=True)
    base = spec.scenario
    p = scenario_path(base)
    if p.resolve().parent != SCENARIO_DIR.resolve() or p.stem != base:
        base = str(p.resolve())  # a file given by path: keep it findable from anywhere
    desc = (f"Tuned by `eunato tune {Path(spec.source).name if spec.source else spec.name}` "
            f"from {spec.scenario} (protocol {spec.protocol}, seeds {spec.seeds}). {note}")
    path = directory / f"{name}.toml"
    overrides = complete_status_quo(spec.scenario, overrides_for(params))
    if spec.protocol_parameters:
        overrides["protocol_parameters"] = {spec.protocol: dict(spec.protocol_parameters)}
    write_text_atomic(path, scenario_toml(name, base, overrides, desc.strip(),
                                  rounds=spec.rounds, protocol=spec.protocol))
    return path

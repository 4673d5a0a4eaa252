"""Tune free parameters so that runs match targets (`eunato tune FILE`), with Optuna.

A *tune file* (TOML, validated with pydantic; see docs/tuning.md) names a base scenario,
the free parameters with their bounds, the seeds every trial is run with, and the targets
with their weights::

    name = "baseline-tune"
    scenario = "baseline-2024"
    seeds = [1, 2, 3]
    [parameters.us_engagement]
    low = 0.5
    high = 1.0
    [parameters."actor.POL.decoupling_fear"]
    low = 0.5
    high = 1.0
    [[targets]]
    kind = "outcome"          # outcome | rounds | agreed | blocked | together | apart | metric
    issue = "ukr_training"
    role = "eu"               # eu | nato: the EU's or NATO's role in force (0-100)
    value = 55
    weight = 2

Free parameters are written the way a scenario file would set them, so every tuned
parameter set *is* a scenario (the base plus overrides) and ``--write-scenario`` saves
exactly what was evaluated:

- ``us_engagement``, the bloc knobs ``<bloc>_decoupling_fear`` / ``<bloc>_competition``
  (also spelt ``bloc.<bloc>.<field>``) and the actor knobs ``commission_competition`` /
  ``nato_staff_competition`` (the model keywords of
  :data:`experiments.runs.MODEL_PARAMETERS`);
- ``parameters.<field>``: a numeric model-wide scenario parameter (coalition_threshold …);
- ``actor.<ID>.<field>`` for decoupling_fear, competition, risk, capability, engagement;
  ``actor.<ID>.eu_role.<issue>``, ``actor.<ID>.nato_role.<issue>`` (ideal roles, 0-100)
  and ``actor.<ID>.salience.<issue>``;
- ``issue.<ID>.status_quo.eu_role`` and ``issue.<ID>.status_quo.nato_role`` (a scenario
  sets the pair; the half not tuned keeps the base scenario's value).

Loss: each target's distance d_k in [0, 1] (averaged over the seeds, or for yes/no facts
the gap between the share of seeds where the fact holds and the target share), combined as
Σ w_k d_k / Σ w_k. Multi-objective studies (NSGA-II) minimise one such loss per target group.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import math
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from experiments.runs import run_one
from model.data import BLOCS, DataError, load_actors, load_issues
from model.model import ACTOR_KNOBS, BLOC_KNOBS
from model.safeio import (
    MAX_ROUNDS,
    MAX_SEED,
    MAX_STUDY_PARAMETERS,
    MAX_STUDY_SEEDS,
    MAX_TARGETS,
    read_user_toml,
    safe_name,
)
from model.scenario import (
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

NUMERIC_SCENARIO_PARAMETERS = tuple(
    k for k, f in ScenarioParameters.model_fields.items()
    if f.annotation in (float, int, float | None))
INT_SCENARIO_PARAMETERS = tuple(k for k, f in ScenarioParameters.model_fields.items()
                                if f.annotation is int)
SAMPLERS = ("tpe", "cmaes", "random", "nsga2")
ROLE_FIELDS = ("eu_role", "nato_role")  # an outcome's two roles (docs/schema.md)
ROLES = {"eu": "eu_role", "nato": "nato_role"}  # a target's ``role`` -> run-row prefix


# --------------------------------------------------------------------------------------
# parameter names -> scenario overrides
# --------------------------------------------------------------------------------------
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
    ``extends = base`` and these tables would load (see :func:`model.scenario.load_scenario`)."""
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


# --------------------------------------------------------------------------------------
# the tune file
# --------------------------------------------------------------------------------------
#: the schema of every study file: strict types (no "0.5" or true as numbers), no NaN or
#: infinity anywhere
STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Bound(BaseModel):
    model_config = STRICT
    low: float
    high: float
    log: bool = False
    step: float | None = Field(default=None, gt=0)

    @field_validator("low", "high")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class Target(BaseModel):
    """One target. ``kind``:

    - outcome: the ``role`` ("eu" or "nato") in force on ``issue`` at the end of the run
      (0-100; the status quo where nothing was agreed, as in summary.json); distance
      |x - value| / scale (scale 100);
    - rounds: rounds to agreement of all issues; distance |r - value| / scale (scale: the
      rounds run), 1 if some issue never agreed;
    - agreed: ``issue`` agreed (or, without ``issue``, every issue agreed); value true/false
      or a share of seeds; distance |share of seeds - value|;
    - blocked: ``issue`` blocked, a veto stopped the change (or, without ``issue``, some
      issue blocked); value as for agreed;
    - vetoed: every one of ``actors`` vetoed ``issue`` (in ``house`` if given: eu_council,
      european_parliament or nato), whatever the issue's status (a veto in one house can
      leave the other's piece agreed); value as for agreed;
    - together / apart: ``actors`` end in one coalition / not all in one; value as for agreed;
    - metric: any numeric column of a run row (``metric``), distance |x - value| / scale
      (scale 1).
    """

    model_config = STRICT
    kind: Literal["outcome", "rounds", "agreed", "blocked", "vetoed", "together", "apart",
                  "metric"]
    value: float | bool
    weight: float = Field(default=1.0, ge=0, le=1e6)
    issue: str | None = None
    role: Literal["eu", "nato"] | None = None
    house: Literal["eu_council", "european_parliament", "nato"] | None = None
    actors: list[str] = Field(default_factory=list)
    metric: str | None = None
    scale: float | None = Field(default=None, gt=0)
    group: str | None = None
    note: str = ""

    @property
    def label(self) -> str:
        if self.kind in ("together", "apart"):
            return f"{self.kind} {', '.join(self.actors)}"
        if self.kind == "vetoed":
            where = f" in {self.house}" if self.house else ""
            return f"{', '.join(self.actors)} vetoed {self.issue}{where}"
        if self.kind == "metric":
            return f"metric {self.metric}"
        if self.kind == "outcome":
            return f"{self.role} role {self.issue}"
        return f"{self.kind} {self.issue}" if self.issue else self.kind

    @property
    def group_name(self) -> str:
        return self.group or self.kind

    @property
    def is_share(self) -> bool:
        return self.kind in ("agreed", "blocked", "vetoed", "together", "apart")


class StudySpec(BaseModel):
    """What a tune file and a sensitivity file share: the base run and the free
    parameters with their bounds."""

    model_config = STRICT
    name: str
    description: str = ""
    scenario: str = "baseline-2024"
    #: None: the base scenario's protocol (filled in by :meth:`check_base`)
    protocol: str | None = None
    #: the protocol's parameters, fixed for the whole study (its schema checks them)
    protocol_parameters: dict[str, Any] = Field(default_factory=dict)
    rounds: int | None = Field(default=None, ge=1, le=MAX_ROUNDS)
    seeds: list[Annotated[int, Field(ge=0, le=MAX_SEED)]] = Field(
        default_factory=lambda: [1], min_length=1, max_length=MAX_STUDY_SEEDS)
    parameters: dict[str, Bound] = Field(min_length=1, max_length=MAX_STUDY_PARAMETERS)
    source: str = ""

    def check_base(self) -> list[tuple[str, ...]]:
        """The name, the base scenario, the protocol and every bound (each end must itself
        be a valid scenario value: the one validator of scenario files decides); one
        DataError for the first problem. Returns the parameters' scenario paths."""
        f = self.source or self.name
        safe_name(self.name, f, "name")
        actors = [a.id for a in load_actors()]
        issues = [i.id for i in load_issues()]
        try:
            base = build_scenario(self.scenario, {})
        except DataError as err:
            raise DataError(f, "scenario", self.scenario, f"does not load: {err}") from None
        from model.protocols import check_protocol_params, protocol_class
        if self.protocol is not None:
            protocol_class(self.protocol, (f, "protocol"))
        self.protocol = self.protocol or base.protocol
        checked = check_protocol_params(self.protocol, self.protocol_parameters,
                                        (f, "protocol_parameters"))
        self.protocol_parameters = {k: checked[k] for k in self.protocol_parameters}
        paths = []
        for name, b in self.parameters.items():
            try:
                path = parameter_path(name, actors, issues)
            except ValueError as err:
                raise DataError(f, f"parameters.{name}", name, str(err)) from None
            if b.high <= b.low:
                raise DataError(f, f"parameters.{name}.high", b.high,
                                f"must exceed low ({b.low})")
            if b.log and b.low <= 0:
                raise DataError(f, f"parameters.{name}.low", b.low,
                                "a log-scaled bound must be positive")
            for end in ("low", "high"):
                try:
                    build_scenario(self.scenario, overrides_for({name: getattr(b, end)}))
                except DataError as err:
                    raise DataError(f, f"parameters.{name}.{end}", getattr(b, end),
                                    f"not a valid scenario value for {'.'.join(path)}: "
                                    f"{err.problem}") from None
            paths.append(path)
        return paths

    def task(self, params: dict[str, float], seed: int) -> dict[str, Any]:
        """One run of the study (what :func:`evaluate_point` takes)."""
        return {"base": self.scenario, "params": dict(params), "protocol": self.protocol,
                "protocol_params": dict(self.protocol_parameters), "rounds": self.rounds,
                "seed": seed}


@functools.cache
def run_metrics(base: str) -> tuple[str, ...]:
    """The numeric columns of a run row of ``base`` (from one real one-round run, so the
    list follows the engine's summary): what metric targets and sensitivity may name."""
    row = evaluate_point({"base": base, "params": {}, "rounds": 1, "seed": 0})
    return tuple(sorted(k for k, v in row.items()
                        if isinstance(v, int | float | bool) or v is None))


class TuneSpec(StudySpec):
    sampler: Literal["tpe", "cmaes", "random", "nsga2"] = "tpe"
    sampler_seed: int = Field(default=0, ge=0, le=MAX_SEED)
    multi_objective: bool = False
    start: dict[str, float] = Field(default_factory=dict)
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(t.group_name for t in self.targets))

    def check(self) -> None:
        """Names, bounds and targets against the data, before any trial runs; one
        DataError for the first problem."""
        f = self.source or self.name
        self.check_base()
        actors = [a.id for a in load_actors()]
        issues = [i.id for i in load_issues()]
        for name, v in self.start.items():
            if name not in self.parameters:
                raise DataError(f, f"start.{name}", v, "not a free parameter")
            b = self.parameters[name]
            if not b.low <= v <= b.high:
                raise DataError(f, f"start.{name}", v, f"outside [{b.low}, {b.high}]")
        for k, t in enumerate(self.targets):
            where = f"targets[{k}]"
            if t.kind in ("outcome", "vetoed") and t.issue is None:
                raise DataError(f, f"{where}.issue", None, f"a {t.kind} target needs an issue")
            if t.kind == "vetoed":
                if not t.actors:
                    raise DataError(f, f"{where}.actors", t.actors,
                                    "a vetoed target names the vetoing actor(s)")
                for a in t.actors:
                    if a not in actors:
                        raise DataError(f, f"{where}.actors", a,
                                        "unknown actor (see `eunato actors`)")
            elif t.house is not None:
                raise DataError(f, f"{where}.house", t.house, "only vetoed targets take a house")
            if t.kind == "outcome" and t.role is None:
                raise DataError(f, f"{where}.role", None, 'an outcome target needs a role: '
                                '"eu" or "nato" (the EU\'s or NATO\'s role on the issue)')
            if t.kind != "outcome" and t.role is not None:
                raise DataError(f, f"{where}.role", t.role, "only outcome targets take a role")
            if t.issue is not None and t.issue not in issues:
                raise DataError(f, f"{where}.issue", t.issue,
                                f"unknown issue; known: {', '.join(issues)}")
            if t.kind in ("together", "apart"):
                if len(t.actors) < 2:
                    raise DataError(f, f"{where}.actors", t.actors,
                                    "a coalition fact needs at least two actors")
                for a in t.actors:
                    if a not in actors:
                        raise DataError(f, f"{where}.actors", a,
                                        "unknown actor (see `eunato actors`)")
            if t.kind == "metric" and not t.metric:
                raise DataError(f, f"{where}.metric", t.metric,
                                "a metric target needs a metric (a run-row column)")
            if t.kind == "metric" and t.metric not in run_metrics(self.scenario):
                raise DataError(f, f"{where}.metric", t.metric, "unknown metric; known: "
                                + ", ".join(run_metrics(self.scenario)))
            if t.is_share:
                if not 0 <= float(t.value) <= 1:
                    raise DataError(f, f"{where}.value", t.value,
                                    "a yes/no target is true/false or a share in [0, 1]")
            elif isinstance(t.value, bool):
                raise DataError(f, f"{where}.value", t.value, f"a {t.kind} target is a number")
        if self.multi_objective and self.sampler in ("cmaes",):
            raise DataError(f, "sampler", self.sampler,
                            "CMA-ES is single-objective; use nsga2 for multi_objective")
        if sum(t.weight for t in self.targets) <= 0:
            raise DataError(f, "targets", "weights", "at least one weight must be positive")


def _pydantic_error(path: Path | str, err: ValidationError, raw: Any = None) -> DataError:
    first = err.errors()[0]
    # the place in the file: pydantic appends the type it tried for a union ("float" in
    # targets[0].value.float), which is no key of the file; stop at the first scalar
    loc, cur = [], raw
    for p in first["loc"]:
        if raw is not None and not isinstance(cur, dict | list):
            break
        loc.append(p)
        try:
            cur = cur[p]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            cur = None
    # targets[0].role, as the checks after validation name it
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                    for p in loc).lstrip(".") or "(file)"
    return DataError(path, field, first.get("input"), first["msg"])


def load_spec(path: str | Path, model: type[BaseModel]) -> Any:
    """Read and validate a TOML file into ``model``; a DataError names file, field, value."""
    path = Path(path)
    raw = read_user_toml(path)
    raw.setdefault("name", path.stem)
    try:
        spec = model.model_validate(raw)
    except ValidationError as err:
        raise _pydantic_error(path, err, raw) from None
    spec.source = str(path)
    return spec


def load_tune(path: str | Path) -> TuneSpec:
    """A validated tune file (names checked against the data)."""
    spec = load_spec(path, TuneSpec)
    spec.check()
    return spec


# --------------------------------------------------------------------------------------
# loss
# --------------------------------------------------------------------------------------
def _together(row: dict[str, Any], actors: list[str]) -> bool:
    part = row.get("partition")
    members = json.loads(part) if isinstance(part, str) else (part or {})
    labels = {members.get(a) for a in actors}
    return len(labels) == 1 and None not in labels


def _vetoed(vetoes: str, actor: str, house: str | None) -> bool:
    """Whether a run row's ``vetoes_<issue>`` ("HUN@eu_council,…") has ``actor`` (in
    ``house``)."""
    return any(v.split("@")[0] == actor and (house is None or v.split("@")[-1] == house)
               for v in vetoes.split(",") if v)


def target_fit(t: Target, rows: list[dict[str, Any]]) -> tuple[float, float]:
    """(achieved, distance) of one target over the seeds' rows. ``achieved``: the mean
    value (NaN if never defined) or the share of seeds where the fact holds."""
    if t.is_share:
        if t.kind == "agreed":
            facts = [bool(r[f"agreed_{t.issue}"]) if t.issue else bool(r["all_agreed"])
                     for r in rows]
        elif t.kind == "vetoed":
            facts = [all(_vetoed(r.get(f"vetoes_{t.issue}") or "", a, t.house)
                         for a in t.actors) for r in rows]
        elif t.kind == "blocked":
            facts = [r[f"status_{t.issue}"] == "blocked" if t.issue else r["blocked"] > 0
                     for r in rows]
        else:
            facts = [_together(r, t.actors) for r in rows]
            if t.kind == "apart":
                facts = [not x for x in facts]
        share = float(np.mean(facts))
        return share, abs(share - float(t.value))
    if t.kind == "outcome":
        xs = [r.get(f"{ROLES[t.role or 'eu']}_{t.issue}") for r in rows]
        scales = [t.scale or 100.0] * len(rows)
    elif t.kind == "rounds":
        xs = [r.get("rounds_to_agreement") for r in rows]
        scales = [t.scale or float(r["rounds_run"]) for r in rows]
    else:
        if t.metric not in rows[0]:
            raise ValueError(f"metric target: no column {t.metric!r} in a run row")
        xs = [r.get(t.metric) for r in rows]
        scales = [t.scale or 1.0] * len(rows)
    d, vals = [], []
    for x, s in zip(xs, scales, strict=True):
        if x is None or _isnan(x):
            d.append(1.0)
        else:
            vals.append(float(x))
            d.append(min(abs(float(x) - float(t.value)) / s, 1.0))
    return (float(np.mean(vals)) if vals else math.nan), float(np.mean(d))


def fit(spec: TuneSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Loss of one parameter set: total, per group, and per target."""
    per = [target_fit(t, rows) for t in spec.targets]
    w = np.array([t.weight for t in spec.targets])
    d = np.array([p[1] for p in per])
    groups = {}
    for g in spec.groups:
        m = np.array([t.group_name == g for t in spec.targets])
        groups[g] = float((w[m] * d[m]).sum() / w[m].sum()) if w[m].sum() > 0 else 0.0
    return {"loss": float((w * d).sum() / w.sum()), "groups": groups,
            "achieved": [p[0] for p in per], "distance": [p[1] for p in per]}


def tasks(spec: TuneSpec, params: dict[str, float]) -> list[dict[str, Any]]:
    return [spec.task(params, s) for s in spec.seeds]


def evaluate(spec: TuneSpec, params: dict[str, float],
             executor: Executor | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``params`` for every seed (through ``executor`` if given); (fit, rows)."""
    ts = tasks(spec, params)
    rows = list(executor.map(evaluate_point, ts)) if executor else [evaluate_point(t)
                                                                    for t in ts]
    return fit(spec, rows), rows


# --------------------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------------------
def make_sampler(name: str, seed: int, multi: bool) -> Any:
    import optuna

    if name == "cmaes":
        if multi:
            raise ValueError("--sampler cmaes: CMA-ES is single-objective; "
                             "multi_objective studies use nsga2")
        if importlib.util.find_spec("cmaes") is None:
            raise ValueError("--sampler cmaes needs the optional package `cmaes` "
                             "(pip install cmaes), which is not installed; use tpe")
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2" or multi:
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def default_storage(out_dir: str | Path) -> str:
    return f"sqlite:///{Path(out_dir).resolve() / 'study.db'}"


def open_study(spec: TuneSpec, storage: str | None, out_dir: str | Path,
               sampler: str | None = None, study_name: str | None = None) -> Any:
    """Create the study or continue it (same name and storage: trial counts add up).
    Trials killed with their process are marked FAIL: at once in the default storage
    (call this holding ``out_dir``'s lock, :func:`experiments.store.folder_lock`), after
    their heartbeat's grace period in a shared one."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    local = storage is None
    url = storage or default_storage(out_dir)
    try:
        # heartbeats: a trial whose process was killed is marked FAIL by the next run on
        # any storage (a shared database too) once it has been silent for the grace period
        with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = optuna.storages.RDBStorage(url, heartbeat_interval=5, grace_period=20)
    except Exception as err:  # bad URL, unreachable database …
        raise ValueError(f"--storage {url}: {err}") from None
    multi = spec.multi_objective
    directions = ["minimize"] * (len(spec.groups) if multi else 1)
    name = study_name or spec.name
    # a continued study gets a fresh sampler seed, so it does not replay the first run
    try:
        done = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(storage)}
    except Exception as err:  # unreachable database …
        raise ValueError(f"--storage {url}: {err}") from None
    smp = make_sampler(sampler or spec.sampler, spec.sampler_seed + done.get(name, 0), multi)
    try:
        study = optuna.create_study(study_name=name, storage=storage, sampler=smp,
                                    directions=directions, load_if_exists=True)
    except ValueError as err:
        raise ValueError(f"study {name!r} in {url}: {err}") from None
    if local:
        # the study database in OUT belongs to whoever holds OUT's lock (the caller):
        # a trial still RUNNING there was killed with its process
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    if len(study.directions) != len(directions):
        raise ValueError(f"study {name!r} in {url} has {len(study.directions)} "
                         f"objective(s), the tune file {len(directions)}; use another "
                         "--study-name or --storage")
    study.set_user_attr("parameters", sorted(spec.parameters))
    study.set_user_attr("groups", spec.groups if multi else ["loss"])
    return study


def suggest(trial: Any, spec: TuneSpec) -> dict[str, float]:
    out = {}
    for name, b in spec.parameters.items():
        integer = name.split(".")[-1] in INT_SCENARIO_PARAMETERS
        if integer:
            out[name] = trial.suggest_int(name, int(b.low), int(b.high), log=b.log)
        else:
            out[name] = trial.suggest_float(name, b.low, b.high, log=b.log, step=b.step)
    return out


def optimize(study: Any, spec: TuneSpec, trials: int, executor: Executor | None = None,
             callback: Callable[[Any, Any], None] | None = None) -> Any:
    """Run ``trials`` more trials of ``study``."""
    if spec.start and not study.trials:
        study.enqueue_trial(dict(spec.start), skip_if_exists=True)

    def objective(trial: Any) -> float | tuple[float, ...]:
        params = suggest(trial, spec)
        f, _ = evaluate(spec, params, executor)
        trial.set_user_attr("loss", f["loss"])
        trial.set_user_attr("achieved", [None if _isnan(x) else x for x in f["achieved"]])
        trial.set_user_attr("distance", f["distance"])
        if spec.multi_objective:
            return tuple(f["groups"][g] for g in spec.groups)
        return f["loss"]

    study.optimize(objective, n_trials=trials, callbacks=[callback] if callback else None)
    return study


def complete_trials(study: Any) -> list[Any]:
    """The trials that finished (killed and failed ones are not counted)."""
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def best_trial(study: Any) -> Any:
    """The best trial; in a multi-objective study the Pareto trial with the lowest
    weighted total loss."""
    if len(study.directions) == 1:
        return study.best_trial
    return min(study.best_trials, key=lambda t: t.user_attrs.get("loss", math.inf))


def fit_rows(spec: TuneSpec, trial: Any) -> list[dict[str, Any]]:
    """The fit per target of a trial: target, value, achieved, distance, weight."""
    out = []
    for t, a, d in zip(spec.targets, trial.user_attrs["achieved"], trial.user_attrs["distance"],
                       strict=True):
        out.append({"target": t.label, "group": t.group_name, "value": t.value,
                    "achieved": a, "distance": d, "weight": t.weight})
    return out


def importances(study: Any) -> dict[str, float]:
    """fANOVA importances of the parameters for the (total) loss; {} if too few trials."""
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < 2 or len({json.dumps(t.params, sort_keys=True) for t in done}) < 2:
        return {}
    try:
        with warnings.catch_warnings():  # PED-ANOVA's note that low values are good: they are
            warnings.simplefilter("ignore", UserWarning)
            return optuna.importance.get_param_importances(
                study, target=lambda t: t.user_attrs.get("loss", math.nan))
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}


def plot_history(study: Any, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    x = [t.number for t in done]
    y = [t.user_attrs.get("loss", math.nan) for t in done]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x, y, s=12, alpha=0.6, label="trial")
    if y:
        ax.step(x, np.minimum.accumulate(np.nan_to_num(y, nan=np.inf)), where="post",
                color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (weighted distance to targets)")
    ax.set_title(f"optimisation history: {study.study_name}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_importance(imp: dict[str, float], path: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(imp)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.4 * max(len(names), 1)))
    ax.barh(names, [imp[n] for n in names], color="C0")
    ax.set_xlabel("importance (fANOVA, share of loss variance)")
    ax.set_title(title or "parameter importance")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


# --------------------------------------------------------------------------------------
# writing the tuned scenario
# --------------------------------------------------------------------------------------
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
    path.write_text(scenario_toml(name, base, overrides, desc.strip(),
                                  rounds=spec.rounds, protocol=spec.protocol))
    return path

"""The study files of tuning and sensitivity analysis: their schema (pydantic, strict) and
the checks against the data before any run (one DataError naming file, field, value).
The file format is described in :mod:`experiments.tuning.study` and docs/tuning.md."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from experiments.tuning.scenario import (
    build_scenario,
    evaluate_point,
    overrides_for,
    parameter_path,
)
from model.inputs.data import DataError, load_actors, load_issues
from model.io.safeio import (
    MAX_ROUNDS,
    MAX_SEED,
    MAX_STEPS,
    MAX_STUDY_PARAMETERS,
    MAX_STUDY_SEEDS,
    MAX_TARGETS,
    read_user_toml,
    safe_name,
)

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
            if b.log and b.step is not None:  # Optuna takes one or the other
                raise DataError(f, f"parameters.{name}.step", b.step,
                                "a log-scaled bound cannot have a step; give one or the other")
            if b.step is not None and (b.high - b.low) / b.step > MAX_STEPS:
                raise DataError(f, f"parameters.{name}.step", b.step,
                                f"gives more than {MAX_STEPS:,} values between low and high; "
                                "use a larger step or none")
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
                _known_actors(f, where, t.actors, actors)
                if len(set(t.actors)) < len(t.actors):
                    raise DataError(f, f"{where}.actors", t.actors,
                                    "an actor is named twice; name each once")
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
                _known_actors(f, where, t.actors, actors)
                if len(set(t.actors)) < len(t.actors):
                    raise DataError(f, f"{where}.actors", t.actors,
                                    "an actor is named twice; name each once")
            if t.kind == "outcome" and not isinstance(t.value, bool) \
                    and not 0 <= t.value <= 100:
                raise DataError(f, f"{where}.value", t.value,
                                "a role is a share of the requirement in [0, 100]")
            if t.kind == "rounds" and not isinstance(t.value, bool) \
                    and not 0 <= t.value <= MAX_ROUNDS:
                raise DataError(f, f"{where}.value", t.value, "rounds to agreement lie in "
                                f"[0, {MAX_ROUNDS:,}]")
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


def _known_actors(f: Any, where: str, named: list[str], actors: Any) -> None:
    """Every actor a target names must exist: the first unknown one is the error."""
    for a in named:
        if a not in actors:
            raise DataError(f, f"{where}.actors", a, "unknown actor (see `eunato actors`)")

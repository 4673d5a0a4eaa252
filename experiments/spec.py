"""The experiment file: scenarios × protocols × parameters × replicates, validated.

An experiment is a TOML file (see ``docs/batches.md``)::

    name = "us-engagement-x-flank-fear"
    scenarios = ["baseline-2024"]
    protocols = ["compromise"]   # default: each scenario's own protocol
    replicates = 4          # seeds seed, seed+1, … (the same seeds at every point)
    seed = 1
    rounds = 30             # default: the scenario's
    per_round = false       # also keep every round of every run

    [sampler]               # how ranges are sampled: grid (levels), lhs (n), sobol (n),
    kind = "grid"           # saltelli (n, SALib's Saltelli design for Sobol indices)
    levels = 5

    [parameters]            # each a list of values (crossed) or a range {low, high}
    us_engagement = {low = 0.2, high = 1.0}
    eastern_flank_decoupling_fear = [0.2, 0.5, 0.8]

:func:`load_experiment` turns any problem into one :class:`~model.inputs.data.DataError` that
names the file, the field and the value (the CLI prints it as one line, exit code 2).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.inputs.data import DataError
from model.inputs.knobs import MODEL_PARAMETERS
from model.io.safeio import (
    MAX_GRID_LEVELS,
    MAX_REPLICATES,
    MAX_ROUNDS,
    MAX_RUNS,
    MAX_SCENARIOS,
    MAX_SEED,
    read_user_toml,
    safe_name,
)

#: parameters that take true/false; every other parameter of MODEL_PARAMETERS is in [0, 1]
BOOL_PARAMETERS = frozenset({"participation_blockage"})


def check_parameters(v: Any) -> tuple[str, Any, str] | None:
    """The first problem of a ``[parameters]`` table as (field, value, message), or None."""
    if not isinstance(v, dict):
        return None
    for name, value in v.items():
        field = f"parameters.{name}"
        if name not in MODEL_PARAMETERS:
            return field, value, f"unknown parameter {name!r}; known: {', '.join(MODEL_PARAMETERS)}"
        if isinstance(value, list):
            if not value:
                return field, value, "empty list of values"
            for x in value:
                if name in BOOL_PARAMETERS:
                    if not isinstance(x, bool):
                        return field, value, f"values must be true/false, got {x!r}"
                elif isinstance(x, bool) or not isinstance(x, int | float):
                    return field, value, f"values must be numbers, got {x!r}"
                elif not 0.0 <= x <= 1.0:
                    return field, value, f"values must lie in [0, 1], got {x!r}"
        elif isinstance(value, dict):
            if name in BOOL_PARAMETERS:
                return field, value, "a true/false parameter: give a list, not a range"
            unknown = set(value) - {"low", "high"}
            if unknown:
                return field, value, f"a range has only low and high, not {sorted(unknown)}"
            for k in ("low", "high"):
                x = value.get(k)
                if x is None:
                    return field, value, f"a range needs {k}"
                if isinstance(x, bool) or not isinstance(x, int | float):
                    return f"{field}.{k}", x, "must be a number"
                if not 0.0 <= x <= 1.0:
                    return f"{field}.{k}", x, "must lie in [0, 1]"
            if not value["low"] < value["high"]:
                return field, value, (f"empty range: low ({value['low']:g}) must be below "
                                      f"high ({value['high']:g})")
        else:
            return field, value, "give a list of values or a range {low = ..., high = ...}"
    return None


class Range(BaseModel):
    """A continuous range, sampled by the experiment's sampler."""

    model_config = ConfigDict(extra="forbid", strict=True)
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low:g}) must be below high "
                             f"({self.high:g})")
        return self


class Sampler(BaseModel):
    """How ranges become points: ``grid`` (``levels`` per range, crossed), ``lhs``
    (``n`` Latin-hypercube points), ``sobol`` (``n`` scrambled Sobol points) or
    ``saltelli`` (SALib's Saltelli design, ``n`` × (2d + 2) points, for Sobol indices)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Literal["grid", "lhs", "sobol", "saltelli"] = "grid"
    levels: int = Field(default=5, ge=2, le=MAX_GRID_LEVELS)
    n: int = Field(default=64, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)

    def count(self, d: int) -> int:
        """How many points it draws in ``d`` ranges."""
        if d == 0:
            return 1
        return {"grid": self.levels ** d, "lhs": self.n, "sobol": self.n,
                "saltelli": self.n * (2 * d + 2)}[self.kind]


class Experiment(BaseModel):
    """A validated experiment (see the module docstring for the file format)."""

    # strict: "0.5" or true is not a number, 2.0 is not a count
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = "experiment"
    description: str = ""
    scenarios: list[str] = Field(default_factory=lambda: ["baseline-2024"], min_length=1,
                                 max_length=MAX_SCENARIOS)
    #: None (left out): each scenario runs under its own ``protocol``
    protocols: list[str] | None = Field(default=None, min_length=1)
    parameters: dict[str, list[float | bool] | Range] = Field(default_factory=dict)
    sampler: Sampler = Field(default_factory=Sampler)
    replicates: int = Field(default=1, ge=1, le=MAX_REPLICATES)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    rounds: int | None = Field(default=None, ge=1, le=MAX_ROUNDS)
    per_round: bool = False

    def count(self) -> int:
        """The number of runs it asks for (before building them)."""
        listed = math.prod(len(v) for v in self.levels.values())
        return (len(self.scenarios) * len(self.protocols or [None]) * listed
                * self.sampler.count(len(self.ranges)) * self.replicates)

    @field_validator("scenarios")
    @classmethod
    def _known_scenarios(cls, v: list[str]) -> list[str]:
        from model.inputs.scenario import list_scenarios

        known = list_scenarios()
        for s in v:
            if s not in known and not Path(s).is_file():
                raise ValueError(f"unknown scenario {s!r}; known: {', '.join(known)} "
                                 "(or a path to a scenario TOML file)")
        return v

    @field_validator("protocols")
    @classmethod
    def _known_protocols(cls, v: list[str] | None) -> list[str] | None:
        from model.protocols import PROTOCOLS

        for p in v or []:
            if p not in PROTOCOLS:
                raise ValueError(f"unknown protocol {p!r}; known: {', '.join(sorted(PROTOCOLS))}")
        return v

    @field_validator("parameters", mode="before")
    @classmethod
    def _known_parameters(cls, v: Any) -> Any:
        problem = check_parameters(v)
        if problem:
            raise ValueError(f"{problem[0]}: {problem[2]}")
        return v

    def protocols_for(self, scenario: str) -> list[str]:
        """The protocols ``scenario`` runs under: the file's ``protocols``, else the
        scenario's own ``protocol``."""
        if self.protocols:
            return list(self.protocols)
        from model.inputs.scenario import load_scenario

        return [load_scenario(scenario).protocol]

    @property
    def ranges(self) -> dict[str, Range]:
        return {k: v for k, v in self.parameters.items() if isinstance(v, Range)}

    @property
    def levels(self) -> dict[str, list[Any]]:
        return {k: v for k, v in self.parameters.items() if not isinstance(v, Range)}

    def points(self) -> list[dict[str, Any]]:
        """The parameter sets of every run, in a fixed order (see experiments.samplers)."""
        from experiments.samplers import experiment_points

        return experiment_points(self)


def _field_value(data: Any, loc: tuple[Any, ...]) -> Any:
    """The raw value at a pydantic error location (best effort)."""
    cur = data
    for k in loc:
        try:
            cur = cur[k]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def parse_experiment(data: dict[str, Any], file: str | Path = "<experiment>") -> Experiment:
    """Validate a parsed experiment; raise one DataError naming file, field and value.

    Beyond the schema: the name must be a plain file name (it becomes a folder), the run
    count must stay under :data:`~model.io.safeio.MAX_RUNS`, and every scenario must load."""
    problem = check_parameters(data.get("parameters"))
    if problem:
        raise DataError(file, *problem)
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as err:
        e = err.errors()[0]
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x in
                                                 ("list[union[float,bool]]", "Range")))
        field = ".".join(str(x) for x in loc) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        raise DataError(file, field, _field_value(data, loc), msg) from None
    if "name" in data:
        safe_name(exp.name, file, "name")
    last = exp.seed + exp.replicates - 1  # replicate r runs seed + r
    if last > MAX_SEED:
        raise DataError(file, "seed", exp.seed, f"with {exp.replicates} replicates the seeds "
                        f"reach {last}, beyond the largest seed a run takes ({MAX_SEED}, "
                        "2^63 - 1); lower the seed")
    n = exp.count()
    if n > MAX_RUNS:
        raise DataError(file, "(runs)", n, f"more than the {MAX_RUNS:,} runs a batch may have")
    from model.inputs.scenario import load_scenario

    for k, s in enumerate(exp.scenarios):
        try:
            load_scenario(s)
        except DataError as err:  # the scenario file's own problem, named in full
            raise DataError(file, f"scenarios[{k}]", s, f"does not load: {err}") from None
    return exp


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file (DataError on any problem)."""
    path = Path(path)
    data = read_user_toml(path)
    exp = parse_experiment(data, path)
    if "name" not in data:
        exp.name = safe_name(path.stem, path, "name (from the file name)")
    return exp

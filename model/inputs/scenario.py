"""Scenarios: TOML files in ``data/scenarios/`` (or anywhere) that override the built-in
data and schedule events. Validated with pydantic; a bad file raises one
:class:`~model.inputs.data.DataError` naming the file, the field and the value.

A scenario may ``extends = "baseline-2024"`` another one; tables merge key by key.

    name = "us-disengagement"
    extends = "baseline-2024"
    [parameters]            # model-wide (see ScenarioParameters)
    us_engagement = 0.5
    [blocs.eastern_flank]   # shift every member so the bloc's mean takes this value
    decoupling_fear = 0.95
    [actors.POL]            # one actor: parameters, capability, ideal roles, saliences
    competition = 0.2
    eu_role = { ind_procurement = 40 }
    nato_role = { ind_procurement = 70 }
    [stances.HUN]           # a blocking stance: votes no on any change to these issues
    block = ["ukr_aid"]
    step_aside = ["ukr_training"]   # abstains (does not block) on these
    houses = ["eu_council"]         # where the stance applies (default: both houses)
    [protocol_parameters.bdm]   # a protocol's parameters (see `eunato protocols`)
    Q = 0.9
    [issues.ukr_training]
    status_quo = { eu_role = 55, nato_role = 35 }
    eu_venue = "cfsp"       # cfsp | olp | art122 | mff | none; nato_venue = nac | none
    [issues.ukr_training.reversion]   # a status quo that decays (model/reversion.py)
    kind = "expires"                  # expires | runs_down | rising_cost (per_month = ..)
    date = "2024-11"
    eu_role = 30
    source = "the mandate ends (Council Decision ...)"
    [[events]]
    round = 10
    target = "us_engagement"          # or "participation_blockage",
    value = 0.3                       # "bloc.<bloc>.<field>", "actor.<ID>.<field>",
                                      # "stance.<ID>.block.<issue>" (value true/false)
    note = "Indo-Pacific pivot"
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.inputs.data import BLOCS, DATA_DIR, DataError, RolePair, check_bases, read_toml
from model.inputs.deals import DealsSpec
from model.io.safeio import MAX_CAPABILITY, MAX_EXTENDS, MAX_ROUNDS
from model.reversion import ReversionPath

SCENARIO_DIR = DATA_DIR / "scenarios"
ACTOR_FIELDS = ("decoupling_fear", "competition", "risk")
BLOC_FIELDS = ("decoupling_fear", "competition")
#: one schema for scenario files: no unknown fields, no strings or booleans as numbers
#: (``"0.5"``, ``true``), no ``0.7`` as a boolean, no NaN or infinity
STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _check_finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("must be a finite number (not NaN or infinity)")
    return v


class ScenarioParameters(BaseModel):
    model_config = STRICT

    us_engagement: float | None = Field(default=None, ge=0, le=1)
    participation_blockage: bool = False
    blockers: list[str] = Field(default_factory=lambda: ["CYP", "TUR"])
    coalition_threshold: float = Field(default=0.15, gt=0, le=1)
    coalition_cohesion: float = Field(default=0.25, ge=0, le=1)
    coalition_activity: float = Field(default=0.3, ge=0, le=1)
    settle_rounds: int = Field(default=3, ge=1)
    settle_tolerance: float = Field(default=0.5, ge=0)
    abstain_salience: float = Field(default=0.1, ge=0, le=1)
    #: the states' capability share a coalition needs to act outside both (model/willing.py)
    willing_threshold: float = Field(default=0.10, gt=0, le=1)

    _f = field_validator("us_engagement", "coalition_threshold", "coalition_cohesion",
                         "coalition_activity", "settle_tolerance",
                         "abstain_salience", "willing_threshold")(_check_finite)


class BlocOverride(BaseModel):
    model_config = STRICT
    decoupling_fear: float | None = Field(default=None, ge=0, le=1)
    competition: float | None = Field(default=None, ge=0, le=1)
    _f = field_validator("decoupling_fear", "competition")(_check_finite)


class ActorOverride(BaseModel):
    model_config = STRICT
    decoupling_fear: float | None = Field(default=None, ge=0, le=1)
    competition: float | None = Field(default=None, ge=0, le=1)
    risk: float | None = Field(default=None, ge=0.5, le=2)
    # actors' capabilities are shares near 1; a huge one overflows the weighted sums
    capability: float | None = Field(default=None, ge=0, le=MAX_CAPABILITY)
    engagement: float | None = Field(default=None, ge=0, le=1)
    eu_role: dict[str, float] = Field(default_factory=dict)
    nato_role: dict[str, float] = Field(default_factory=dict)
    salience: dict[str, float] = Field(default_factory=dict)
    #: what the overrides rest on (a declared position's statement, vote or date)
    source: str = ""
    _f = field_validator("decoupling_fear", "competition", "risk", "capability",
                         "engagement")(_check_finite)

    @field_validator("eu_role", "nato_role")
    @classmethod
    def _pos(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not (math.isfinite(x) and 0 <= x <= 100):
                raise ValueError(f"role on {k!r} must lie in [0, 100], got {x}")
        return v

    @field_validator("salience")
    @classmethod
    def _sal(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not math.isfinite(x):
                raise ValueError(f"salience on {k!r} must be a finite number, got {x}")
            if x < 0:
                raise ValueError(f"salience on {k!r} must not be negative, got {x}")
            if x > 1:
                raise ValueError(f"salience on {k!r} must be at most 1, got {x}")
        return v


class IssueOverride(BaseModel):
    model_config = STRICT
    status_quo: RolePair | None = None
    eu_venue: Literal["cfsp", "olp", "art122", "mff", "none"] | None = None
    #: the admissible EU legal bases (the first is the venue); a file that sets only
    #: ``eu_venue`` fixes the basis: the setter has no other to move the act to
    eu_bases: list[Literal["cfsp", "olp", "art122", "mff", "ec"]] | None = None
    nato_venue: Literal["nac", "none"] | None = None
    joint: bool | None = None
    joint_instrument: Literal["arrangement", "declaration"] | None = None
    #: a reversion path (model/reversion.py) replacing the issue's own
    reversion: ReversionPath | None = None

    @model_validator(mode="after")
    def _bases(self) -> IssueOverride:
        if self.eu_bases is not None:
            if not self.eu_bases:
                raise ValueError("eu_bases needs at least one basis")
            check_bases(self.eu_venue, self.eu_bases)
        return self


class Stance(BaseModel):
    """An actor's standing instruction on some issues (data in a scenario, e.g. Hungary's
    veto of EU money for Ukraine in December 2023)."""

    model_config = STRICT
    block: list[str] = Field(default_factory=list)
    step_aside: list[str] = Field(default_factory=list)
    #: the houses the stance applies in (default: every house the actor sits in)
    houses: list[Literal["eu_council", "nato"]] = Field(
        default_factory=lambda: ["eu_council", "nato"])


class Event(BaseModel):
    model_config = STRICT
    round: int = Field(ge=1)
    target: str
    value: float | bool
    note: str = ""
    _f = field_validator("value")(_check_finite)


class Scenario(BaseModel):
    """A validated scenario (after ``extends`` has been merged)."""

    model_config = STRICT

    name: str
    description: str = ""
    extends: str | None = None
    rounds: int = Field(default=50, ge=1, le=MAX_ROUNDS)
    protocol: str = "compromise"
    #: per protocol, parameters that differ from its defaults (``[protocol_parameters.bdm]
    #: Q = 0.9``); checked by the protocol's own schema when the file loads
    protocol_parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    start: str = Field(default="2024-07", pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
    months_per_round: int = Field(default=1, ge=1, le=120)
    #: the decision date (a European Council, a NATO summit): a change not agreed by the end
    #: of this month fails, the status quo holds (docs/model.md §4)
    deadline: str | None = Field(default=None, pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
    only_issues: list[str] = Field(default_factory=list)
    stances: dict[str, Stance] = Field(default_factory=dict)
    #: episode files (data/episodes/) carry the real outcome here; scenarios ignore it
    episode: dict[str, Any] | None = None
    parameters: ScenarioParameters = Field(default_factory=ScenarioParameters)
    blocs: dict[str, BlocOverride] = Field(default_factory=dict)
    actors: dict[str, ActorOverride] = Field(default_factory=dict)
    issues: dict[str, IssueOverride] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    #: the agenda setter's budget of concessions outside the issue set (model/deals.py);
    #: absent: no deals, outcomes as without the mechanism
    deals: DealsSpec | None = None
    source: str = ""  # the file it came from (filled by the loader)

    @field_validator("protocol")
    @classmethod
    def _known_protocol(cls, v: str) -> str:
        from model.protocols import PROTOCOLS

        if v not in PROTOCOLS:
            raise ValueError(f"unknown protocol; known: {', '.join(sorted(PROTOCOLS))}")
        return v

    def check_references(self, actor_ids: list[str], issue_ids: list[str],
                         houses: dict[str, set[str]] | None = None) -> None:
        """Unknown actors, blocs, issues or event targets, stances that could never
        apply (no house, a house the actor does not sit in — ``houses`` gives each actor's
        —, an issue both blocked and stepped aside from), every capability set to 0:
        one DataError each."""
        f = self.source or self.name
        for a, st in self.stances.items():
            if not st.houses:
                raise DataError(f, f"stances.{a}.houses", [], "a stance applies in at least "
                                "one house (eu_council, nato); leave it out for both")
            both = sorted(set(st.block) & set(st.step_aside))
            if both:
                raise DataError(f, f"stances.{a}", both[0], "an issue under both block and "
                                "step_aside; the stance must say one")
            sits = (houses or {}).get(a)
            for h in st.houses if sits is not None and "houses" in st.model_fields_set \
                    else ():
                if h not in sits:
                    raise DataError(f, f"stances.{a}.houses", h, f"{a} does not sit in {h}"
                                    + (f" (it sits in {', '.join(sorted(sits))})" if sits
                                       else " (it sits in no voting house)"))
        caps = [self.actors[a].capability for a in actor_ids if a in self.actors]
        if actor_ids and len(caps) == len(actor_ids) and all(c == 0 for c in caps):
            raise DataError(f, "actors", "capability = 0", "every actor's capability is 0: "
                            "nobody could influence any outcome")
        for b in self.blocs:
            if b not in BLOCS:
                raise DataError(f, f"blocs.{b}", b, f"unknown bloc; known: {', '.join(BLOCS)}")
        for a, ov in self.actors.items():
            if a not in actor_ids:
                raise DataError(f, f"actors.{a}", a, "unknown actor (see `eunato actors`)")
            for kind in ("eu_role", "nato_role", "salience"):
                for i in getattr(ov, kind):
                    if i not in issue_ids:
                        raise DataError(f, f"actors.{a}.{kind}.{i}", i,
                                        f"unknown issue; known: {', '.join(issue_ids)}")
        for a, st in self.stances.items():
            if a not in actor_ids:
                raise DataError(f, f"stances.{a}", a, "unknown actor (see `eunato actors`)")
            for kind in ("block", "step_aside"):
                for i in getattr(st, kind):
                    if i not in issue_ids:
                        raise DataError(f, f"stances.{a}.{kind}", i,
                                        f"unknown issue; known: {', '.join(issue_ids)}")
        if self.deals is not None and self.deals.setter is not None \
                and self.deals.setter not in actor_ids:
            raise DataError(f, "deals.setter", self.deals.setter,
                            "unknown actor (see `eunato actors`)")
        if self.deadline is not None and self.deadline < self.start:
            raise DataError(f, "deadline", self.deadline, f"before the start {self.start}")
        for i in self.only_issues:
            if i not in issue_ids:
                raise DataError(f, "only_issues", i,
                                f"unknown issue; known: {', '.join(issue_ids)}")
        for i in self.issues:
            if i not in issue_ids:
                raise DataError(f, f"issues.{i}", i,
                                f"unknown issue; known: {', '.join(issue_ids)}")
        explicit = "blockers" in self.parameters.model_fields_set
        for b in self.parameters.blockers if explicit else ():
            if b not in actor_ids:
                raise DataError(f, "parameters.blockers", b, "unknown actor")
        for k, ev in enumerate(self.events):
            kind, _, name = parse_target(ev.target, actor_ids, where=(f, f"events[{k}].target"))
            check_value(kind, name, ev.value, (f, f"events[{k}].value"))
            if kind == "stance":
                if name.split(".", 1)[1] not in issue_ids:
                    raise DataError(f, f"events[{k}].target", ev.target,
                                    f"unknown issue; known: {', '.join(issue_ids)}")
                if not isinstance(ev.value, bool):
                    raise DataError(f, f"events[{k}].value", ev.value,
                                    "a stance event takes true (hold it) or false (drop it)")
            if ev.round > self.rounds:
                raise DataError(f, f"events[{k}].round", ev.round,
                                f"after the last round ({self.rounds})")


def check_value(kind: str, name: str, value: Any, where: tuple[str, str]) -> Any:
    """``value`` as the field an event (or a model keyword) sets would take it in a
    scenario file: the same validator, the same ranges and types. DataError otherwise."""
    model: type[BaseModel] | None = {"param": ScenarioParameters, "bloc": BlocOverride,
                                     "actor": ActorOverride}.get(kind)
    if model is None:  # a stance: true or false
        if not isinstance(value, bool):
            raise DataError(*where, value, "must be true or false")
        return value
    try:
        return getattr(model.model_validate({name: value}), name)
    except ValidationError as err:
        raise DataError(*where, value, err.errors()[0]["msg"]) from None


def check_keywords(rounds: Any = None, **values: Any) -> None:
    """Model keywords (``us_engagement``, ``participation_blockage``, bloc and actor
    knobs, given as ``{keyword: (kind, field, value)}``) through :func:`check_value`:
    the Python API takes what a scenario file takes, nothing else; ``rounds`` as a
    scenario's (a whole number in [1, MAX_ROUNDS])."""
    if rounds is not None and (isinstance(rounds, bool) or not isinstance(rounds, int)
                               or not 1 <= rounds <= MAX_ROUNDS):
        raise DataError("keyword", "rounds", rounds,
                        f"must be a whole number in [1, {MAX_ROUNDS}]")
    for key, (kind, name, value) in values.items():
        if value is not None:
            check_value(kind, name, value, ("keyword", key))


def parse_target(
    target: str, actor_ids: list[str], where: tuple[str, str] = ("-", "target"),
) -> tuple[str, str | None, str | None]:
    """("param", None, name) | ("bloc", bloc, field) | ("actor", id, field)."""
    parts = target.split(".")
    if parts[0] in ("us_engagement", "participation_blockage") and len(parts) == 1:
        return "param", None, parts[0]
    if parts[0] == "bloc" and len(parts) == 3:
        if parts[1] not in BLOCS:
            raise DataError(*where, target, f"unknown bloc {parts[1]!r}")
        if parts[2] not in BLOC_FIELDS:
            raise DataError(*where, target, f"a bloc event can set {', '.join(BLOC_FIELDS)}")
        return "bloc", parts[1], parts[2]
    if parts[0] == "actor" and len(parts) == 3:
        if parts[1] not in actor_ids:
            raise DataError(*where, target, f"unknown actor {parts[1]!r}")
        if parts[2] not in (*ACTOR_FIELDS, "engagement"):
            raise DataError(*where, target,
                            f"an actor event can set {', '.join(ACTOR_FIELDS)}, engagement")
        return "actor", parts[1], parts[2]
    if parts[0] == "stance" and len(parts) == 4:
        if parts[1] not in actor_ids:
            raise DataError(*where, target, f"unknown actor {parts[1]!r}")
        if parts[2] not in ("block", "step_aside"):
            raise DataError(*where, target, "a stance event sets block or step_aside")
        return "stance", parts[1], f"{parts[2]}.{parts[3]}"
    raise DataError(*where, target, "expected us_engagement, participation_blockage, "
                    "bloc.<bloc>.<field>, actor.<ID>.<field> or stance.<ID>.<block|"
                    "step_aside>.<issue>")


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if k == "events" and isinstance(v, list) and isinstance(base.get(k, []), list):
            out[k] = [*base.get(k, []), *v]
        elif isinstance(v, dict) and isinstance(base.get(k), dict):
            out[k] = _merge(base[k], v)
        else:
            out[k] = v
    return out


def scenario_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return SCENARIO_DIR / f"{name_or_path}.toml"


def _parent_path(parent: str, child: Path) -> str | Path:
    """Where ``extends = parent`` points: a path is read from the child's folder (not the
    working directory); a plain name is a built-in scenario."""
    p = Path(parent)
    if not p.is_absolute() and (p.suffix == ".toml" or len(p.parts) > 1
                                or parent.endswith("/")):
        return child.parent / p
    return parent


def _raw(name_or_path: str | Path, seen: tuple[str, ...] = (),
         top: tuple[Path, str] | None = None) -> tuple[dict, Path]:
    """The merged tables of a scenario and everything it extends; ``top`` is the file
    the user named and its ``extends`` (a chain too long is reported against it)."""
    path = scenario_path(name_or_path)
    if not path.exists():
        known = ", ".join(list_scenarios())
        raise DataError(path, "scenario", str(name_or_path),
                        f"no such scenario file; built-in scenarios: {known}")
    raw = read_toml(path)
    if not raw:  # an empty file would run the defaults as if they were its own
        raise DataError(path, "(file)", None, "the scenario file is empty; give at least "
                        "`extends = \"baseline-2024\"` or its own values")
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise DataError(path, "extends", parent, "must be a scenario name or a path")
        target = _parent_path(parent, path)
        key = str(Path(target).resolve()) if isinstance(target, Path) else target
        if key in seen or str(scenario_path(target).resolve()) == str(path.resolve()):
            raise DataError(path, "extends", parent, "scenarios extend each other in a loop")
        if scenario_path(target).is_dir():
            raise DataError(path, "extends", parent, "is a folder; give a scenario file")
        if not scenario_path(target).is_file():
            raise DataError(path, "extends", parent, "no such scenario or file; built-in "
                            f"scenarios: {', '.join(list_scenarios())}")
        if len(seen) >= MAX_EXTENDS:
            file, value = top or (path, parent)
            raise DataError(file, "extends", value,
                            f"more than {MAX_EXTENDS} scenarios extend one another "
                            f"(the chain reaches {path.name})")
        base, _ = _raw(target, (*seen, key), top or (path, parent))
        base.pop("name", None)
        base.pop("description", None)
        raw = _merge(base, raw)
    return raw, path


def validate_scenario(raw: dict, path: Path) -> Scenario:
    """A scenario from its merged tables; a bad field is one DataError naming ``path``."""
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise DataError(path, field, first.get("input"),
                        first["msg"].removeprefix("Value error, ")) from None
    from model.protocols import check_protocol_params

    for name, params in sc.protocol_parameters.items():
        checked = check_protocol_params(name, params, (str(path), f"protocol_parameters.{name}"))
        # only what the file sets: the engine's own defaults (ENGINE_PROTOCOL_DEFAULTS)
        # stay in force for the rest
        sc.protocol_parameters[name] = {k: checked[k] for k in params}
    sc.source = str(path)
    return sc


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a TOML file by path."""
    raw, path = _raw(name_or_path)
    raw.setdefault("name", path.stem)
    return validate_scenario(raw, path)


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))

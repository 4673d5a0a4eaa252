"""Load the built-in data (actors, issues) into validated records.

Everything about real countries and institutions lives in ``data/*.toml`` with its source
and year beside it; this module only reads and checks it. Errors name the file, the field
and the value (see :class:`DataError`).
"""

from __future__ import annotations

import copy
import math
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from model.inputs.errors import DataError
from model.io.safeio import read_user_toml
from model.reversion import ReversionPath

DATA_DIR = Path(os.environ.get("EUNATO_DATA", Path(__file__).resolve().parents[2] / "data"))

#: the non-state actors' groups whose base roles data/issues.toml codes per issue; states'
#: ideals come from their own indicators and records instead (agents/states.py)
STANCE_GROUPS = ("eu_institution", "nato_institution", "ukraine", "parliament")
#: what a position on record is about (data/positions.toml); issues weight them (topics)
TOPICS = ("ukraine_arms", "eu_money", "european_preference", "eu_nato_arrangement",
          "nato_primacy")
BLOCS = ("eu_core", "eastern_flank", "non_eu_allies", "us", "bureaucracy", "ukraine",
         "eu_institution")
#: who decides the EU's piece of an issue (docs/model.md §4; model/institutions/venues.py)
EU_VENUES = ("cfsp", "olp", "art122", "mff", "none")
NATO_VENUES = ("nac", "none")


def _finite(v: float) -> float:
    if v is not None and not math.isfinite(v):
        raise ValueError("must be a finite number (not NaN or infinity)")
    return v


class ActorRecord(BaseModel):
    """One actor as stored in ``data/actors.toml``."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    type: Literal["state", "us", "bureaucracy", "stakeholder", "parliament"]
    bloc: Literal["eu_core", "eastern_flank", "non_eu_allies", "us", "bureaucracy", "ukraine",
                  "eu_institution"]
    memberships: list[str] = Field(default_factory=list)
    #: the month ("YYYY-MM") a state joined a house it is a member of, where that falls
    #: inside the years the model runs (Finland and Sweden in NATO); before it the state is
    #: not a member (:meth:`member`). ``joined_source`` says where each date comes from.
    joined: dict[Literal["EU", "NATO"], str] = Field(default_factory=dict)
    defence_spending_musd: float | None = Field(default=None, ge=0)
    gdp_busd: float | None = Field(default=None, ge=0)
    population_m: float | None = Field(default=None, ge=0)
    institutional_weight: float | None = Field(default=None, ge=0)
    decoupling_fear: float = Field(ge=0, le=1)
    competition: float = Field(ge=0, le=1)
    risk: float = Field(default=1.0, ge=0.5, le=2.0)
    home_pole: float | None = Field(default=None, ge=0, le=100)
    engagement: float | None = Field(default=None, ge=0, le=1)
    industrial_stance: float | None = Field(default=None, ge=0, le=1)
    industrial_stake: float | None = Field(default=None, ge=0, le=1)
    #: bureaucracies: the venues in which they propose (agents/bureaucracy.py)
    mandate: list[Literal["cfsp", "olp", "art122", "mff", "ec", "nac"]] | None = None

    _f = field_validator(
        "defence_spending_musd", "gdp_busd", "population_m", "institutional_weight",
        "decoupling_fear", "competition", "risk",
    )(_finite)

    @field_validator("joined")
    @classmethod
    def _joined(cls, v: dict[str, str]) -> dict[str, str]:
        for house, month in v.items():
            if not isinstance(month, str) or not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])",
                                                              month):
                raise ValueError(f"joined.{house} must be a month YYYY-MM, got {month!r}")
        return v

    @model_validator(mode="after")
    def _joined_a_house_it_is_in(self) -> ActorRecord:
        for house in self.joined:
            if house not in self.memberships:
                raise ValueError(f"joined.{house} is given but {house} is not among the "
                                 "memberships")
        return self

    @property
    def eu(self) -> bool:
        return "EU" in self.memberships

    @property
    def nato(self) -> bool:
        return "NATO" in self.memberships

    def member(self, house: str, month: str | None = None) -> bool:
        """Whether the actor sits in ``house`` ("EU" or "NATO") in ``month`` (YYYY-MM):
        a member, and from the month it joined (None: today's membership)."""
        if house not in self.memberships:
            return False
        since = self.joined.get(house)
        return since is None or month is None or month >= since

    @property
    def votes(self) -> bool:
        """States vote in the houses they sit in; the Parliament votes in its own house."""
        return self.type in ("state", "us", "parliament")

    @property
    def stance_group(self) -> str:
        if self.type == "parliament":
            return "parliament"
        if self.type == "bureaucracy":
            return "nato_institution" if (self.home_pole or 0) < 50 else "eu_institution"
        return self.bloc


class RolePair(BaseModel):
    """An issue's outcome: the EU's role and NATO's role on the task, each 0–100."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    eu_role: float = Field(ge=0, le=100)
    nato_role: float = Field(ge=0, le=100)
    _f = field_validator("eu_role", "nato_role")(_finite)


def _by_group(v: dict[str, float], lo: float, hi: float, what: str) -> dict[str, float]:
    for k, x in v.items():
        if k not in STANCE_GROUPS:
            raise ValueError(f"unknown stance group {k!r}")
        if isinstance(x, bool) or not (math.isfinite(x) and lo <= x <= hi):
            raise ValueError(f"{what} of {k!r} must lie in [{lo:g}, {hi:g}], got {x}")
    missing = set(STANCE_GROUPS) - set(v)
    if missing:
        raise ValueError(f"missing stance groups {sorted(missing)}")
    return v


def check_bases(eu_venue: str | None, eu_bases: list[str]) -> None:
    """Admissible bases start with the issue's own venue and name each basis once."""
    if not eu_bases:
        return
    if eu_venue == "none":
        raise ValueError("eu_bases is given but the issue has no EU piece (eu_venue none)")
    if eu_venue is not None and eu_bases[0] != eu_venue:
        raise ValueError(f"eu_bases must start with the issue's eu_venue {eu_venue!r}, "
                         f"got {eu_bases[0]!r}")
    if len(set(eu_bases)) != len(eu_bases):
        raise ValueError(f"eu_bases names a basis twice: {eu_bases}")
    if eu_bases[0] == "ec":
        raise ValueError("enhanced cooperation (ec) is a last resort (Art. 20(2) TEU), never "
                         "the issue's own basis: list it after the own one")
    if "ec" in eu_bases and eu_bases[0] == "cfsp":
        raise ValueError("enhanced cooperation in the CFSP needs a unanimous authorisation "
                         "(Art. 329(2) TFEU), so it is no basis around a CFSP veto")
    if "ec" in eu_bases and eu_bases[0] == "mff":
        raise ValueError("the Union's budget is not enacted by some states for all: "
                         "enhanced cooperation's spending falls on its participants "
                         "(Art. 332 TFEU), so it is no basis for an MFF act")


class IssueRecord(BaseModel):
    """One negotiated issue as stored in ``data/issues.toml``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    pillar: Literal["ukraine", "industry", "interoperability"]
    description: str = ""
    status_quo: RolePair
    status_quo_basis: str = ""
    eu_venue: Literal["cfsp", "olp", "art122", "mff", "none"]
    nato_venue: Literal["nac", "none"]
    joint: bool = False
    #: what the joint piece is: a formal EU-NATO ``arrangement`` (Berlin Plus style: the
    #: participation blockage bars it) or a political ``declaration`` of the institutions'
    #: heads (the 2016, 2018 and 2023 Joint Declarations: it does not)
    joint_instrument: Literal["arrangement", "declaration"] = "arrangement"
    legal_basis: str = ""
    #: the EU legal bases the EU piece may be decided under, the issue's own (``eu_venue``)
    #: first; its agenda setter may move a vetoed act to another (docs/model.md §5.4).
    #: Empty: the issue's own alone. ``bases_basis`` cites the treaty articles.
    eu_bases: list[Literal["cfsp", "olp", "art122", "mff", "ec"]] = Field(default_factory=list)
    bases_basis: str = ""
    #: what holds if nothing is agreed, as time passes (model/reversion.py); None: the
    #: status quo stays as it is
    reversion: ReversionPath | None = None
    decoupling: float = Field(ge=0, le=1)
    turf: float = Field(ge=0, le=1)
    #: how far an EU role would substitute for NATO's (targets, command, standards) rather
    #: than complement it (money, law, industrial capacity); decoupling fear acts on it only
    substitution: float = Field(ge=0, le=1)
    substitution_basis: str = ""
    #: how much each topic of the positions on record bears on the issue, in [0, 1]
    topics: dict[str, float] = Field(default_factory=dict)
    #: where a mainstream member state (neutral fear, no stake, no record) wants each role
    #: moved from the status quo, in role points (a judgement per issue)
    ambition: dict[str, float]
    #: a mainstream member state's salience of the issue before its own indicators
    state_salience: float = Field(ge=0, le=1)
    eu_role: dict[str, float]
    nato_role: dict[str, float]
    salience: dict[str, float]

    @model_validator(mode="after")
    def _bases(self) -> IssueRecord:
        check_bases(self.eu_venue, self.eu_bases)
        return self

    @property
    def bases(self) -> list[str]:
        """The admissible EU legal bases, the issue's own first (none without an EU piece)."""
        return [] if self.eu_venue == "none" else (self.eu_bases or [self.eu_venue])

    @field_validator("eu_role", "nato_role")
    @classmethod
    def _roles(cls, v: dict[str, float]) -> dict[str, float]:
        return _by_group(v, 0, 100, "role")

    @field_validator("topics")
    @classmethod
    def _topics(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if k not in TOPICS:
                raise ValueError(f"unknown topic {k!r}; known: {', '.join(TOPICS)}")
            if isinstance(x, bool) or not (math.isfinite(x) and 0 <= x <= 1):
                raise ValueError(f"topic weight of {k!r} must lie in [0, 1], got {x}")
        return v

    @field_validator("ambition")
    @classmethod
    def _ambition(cls, v: Any) -> dict[str, float]:
        v = dict(v)
        if set(v) != {"eu_role", "nato_role"}:
            raise ValueError("ambition takes eu_role and nato_role")
        for k, x in v.items():
            if isinstance(x, bool) or not (math.isfinite(x) and -100 <= x <= 100):
                raise ValueError(f"ambition {k} must lie in [-100, 100], got {x}")
        return v

    @field_validator("salience")
    @classmethod
    def _saliences(cls, v: dict[str, float]) -> dict[str, float]:
        return _by_group(v, 0, 1, "salience")


def raise_data_error(path: str | Path, err: ValidationError, prefix: str = "") -> None:
    """Turn the first pydantic error into one :class:`DataError` naming field and value."""
    first = err.errors()[0]
    field = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
    raise DataError(path, field, first.get("input"), first["msg"]) from None


def read_toml(path: str | Path) -> dict:
    """The parsed file, as a fresh dict the caller may change (bounded size, UTF-8 with or
    without a BOM; a folder, a device or bad bytes are one DataError naming the file)."""
    return copy.deepcopy(_parsed(Path(path)))


#: parsed TOML by (resolved path, mtime, size): a batch builds thousands of models from the
#: same few files, and parsing them was a third of a run (docs/batches.md). An edited file
#: has a new mtime or size and is parsed again.
_PARSED: dict[tuple[str, int, int], dict] = {}


def _parsed(path: Path) -> dict:
    """The parsed file (shared: callers must not change it; :func:`read_toml` copies)."""
    try:
        st = path.stat()
    except OSError:
        return read_user_toml(path)  # raises the one-line DataError
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _PARSED:
        _PARSED[key] = read_user_toml(path)
    return _PARSED[key]


def _load_list(path: Path, key: str, record: type[BaseModel]) -> list:
    raw = _parsed(path)  # validation reads the dicts and builds new records from them
    items = raw.get(key)
    if not isinstance(items, list) or not items:
        raise DataError(path, key, items, f"expected a list of [[{key}]] tables")
    out, seen = [], set()
    for i, item in enumerate(items):
        try:
            rec = record.model_validate(item)
        except ValidationError as err:
            raise_data_error(path, err, prefix=f"{key}[{i}]")
        if rec.id in seen:
            raise DataError(path, f"{key}[{i}].id", rec.id, "duplicate id")
        seen.add(rec.id)
        out.append(rec)
    return out


def load_actors(path: str | Path | None = None) -> list[ActorRecord]:
    """All actors of ``data/actors.toml`` (or another file of the same form)."""
    return _load_list(Path(path) if path else DATA_DIR / "actors.toml", "actor", ActorRecord)


def load_issues(path: str | Path | None = None) -> list[IssueRecord]:
    """All issues of ``data/issues.toml`` (or another file of the same form)."""
    return _load_list(Path(path) if path else DATA_DIR / "issues.toml", "issue", IssueRecord)

"""Episode files (data/episodes/*.toml, the v2 format of docs/validation.md): a scenario for
one real decision plus an ``[episode]`` table stating what happened. :func:`load_episode`
checks a file and that its parts agree; a bad field is one DataError naming the file, the
field and the value. The scoring is validation/backtest.py's; the null rules are
validation/backtest_null.py's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.inputs.data import DATA_DIR, DataError, load_actors, load_issues
from model.inputs.scenario import Scenario, load_scenario
from model.world import World, build_world
from validation.backtest_null import NullCall, Record, council, load_records, null_calls, status_quo

EPISODE_DIR = DATA_DIR / "episodes"
#: the back-test period: the decision dates must fall in it
PERIOD = (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
EU_VENUES = ("cfsp", "olp", "art122", "mff", "ec")


class Stage(BaseModel):
    """An earlier decision on the same issue that the same run must reproduce (``[[episode.
    earlier]]``): e.g. a veto cast at one European Council and bought off at the next."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    result: Literal["blocked"]
    venue: Literal["cfsp", "olp", "art122", "mff", "nac", "joint"]
    blocker: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        return EpisodeSpec._iso(v)

    @field_validator("blocker")
    @classmethod
    def _set(cls, v: list[str]) -> list[str]:
        return EpisodeSpec._set(v)


class EpisodeSpec(BaseModel):
    """The ``[episode]`` table: what really happened."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    issue: str
    result: Literal["adopted", "blocked", "watered_down"]
    venue: Literal["cfsp", "olp", "art122", "mff", "ec", "nac", "joint"]
    blocker: list[str]
    proposed: dict[Literal["eu_role", "nato_role"], float] | None = None
    #: the route the change took where it is scored (``outside``: a coalition of the
    #: willing outside both institutions, model/willing.py) and who acted there
    route: Literal["eu", "nato", "eu+nato", "joint", "outside"] | None = None
    participants: list[str] | None = None
    date: dt.date
    sources: list[str] = Field(min_length=1)
    #: the actors whose vetoes a deal lifted (model/deals.py): scored when given
    deal: list[str] | None = None
    #: earlier decisions on the issue in the same run (a veto cast, later bought off)
    earlier: list[Stage] = Field(default_factory=list)

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError("expected a date YYYY-MM-DD") from None
        return v

    @field_validator("date")
    @classmethod
    def _period(cls, v: dt.date) -> dt.date:
        if not PERIOD[0] <= v <= PERIOD[1]:
            raise ValueError(f"the back-test covers {PERIOD[0]} to {PERIOD[1]}")
        return v

    @field_validator("blocker", "deal")
    @classmethod
    def _set(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if len(set(v)) != len(v):
            raise ValueError("a set of actor ids: each at most once")
        return sorted(v)

    @field_validator("participants")
    @classmethod
    def _group(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (len(set(v)) != len(v) or len(v) < 2):
            raise ValueError("a set of at least two actor ids, each at most once")
        return None if v is None else sorted(v)

    @field_validator("proposed")
    @classmethod
    def _roles(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            if not v:
                raise ValueError("give eu_role and/or nato_role")
            for k, x in v.items():
                if not 0 <= x <= 100:
                    raise ValueError(f"{k} must lie in [0, 100], got {x}")
        return v

    @field_validator("sources")
    @classmethod
    def _sources(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("every source must be a non-empty citation")
        return v


@dataclass
class Episode:
    id: str
    path: Path
    scenario: Scenario
    spec: EpisodeSpec
    nulls: dict[str, NullCall] = field(default_factory=dict)  # N1's and N2's calls


def _world(sc: Scenario) -> World:
    return build_world(load_actors(), load_issues(), sc)


def _check_sources(path: Path, sc: Scenario) -> None:
    """Episodes hold no stances (issue 21: a red line is a declared position), and every
    position an episode overrides says what it rests on."""
    for a in sc.stances:
        raise DataError(path, f"stances.{a}", a, "an episode holds no stances: a declared "
                        "position is an [actors.X] override with a source, or a record in "
                        "data/positions.toml")
    for a, ov in sc.actors.items():
        if (ov.eu_role or ov.nato_role or ov.salience) and not ov.source.strip():
            raise DataError(path, f"actors.{a}.source", ov.source,
                            "a position override in an episode names its source")


def load_episode(path: str | Path, records: list[Record] | None = None) -> Episode:
    """Read and check one episode file: the scenario, its ``[episode]`` table, and that the
    two agree (the issue is run, the venue is the issue's, the deadline is the decision's
    month, the blockers sit in that house). A bad field raises one DataError naming the
    file, the field and the value. ``records``: the positions on record N2 reads (default:
    data/positions.toml)."""
    path = Path(path)
    sc = load_scenario(path)
    if sc.episode is None:
        raise DataError(path, "episode", None, "an episode file needs an [episode] table")
    try:
        spec = EpisodeSpec.model_validate(sc.episode)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataError(path, f"episode.{where}", first.get("input"),
                        first["msg"].removeprefix("Value error, ")) from None
    _check_sources(path, sc)
    w = _world(sc)  # also checks the scenario's references
    if spec.issue not in w.issue_ids:
        raise DataError(path, "episode.issue", spec.issue,
                        "not an issue of this run (check only_issues and data/issues.toml)")
    j = w.issue_ids.index(spec.issue)
    ov = sc.issues.get(spec.issue)
    if ov is not None and ov.eu_venue not in (None, "none"):
        # the engine chooses the basis (issue 22): the file lists what is admissible
        raise DataError(path, f"issues.{spec.issue}.eu_venue", ov.eu_venue,
                        "an episode does not state the EU legal basis; list the admissible "
                        "ones (eu_bases) and the agenda setter chooses")
    if spec.venue in EU_VENUES and spec.venue not in w.eu_bases[j]:
        raise DataError(path, "episode.venue", spec.venue,
                        "not among the issue's admissible EU legal bases in this file "
                        f"({', '.join(w.eu_bases[j]) or 'none'})")
    if spec.venue == "nac" and w.nato_venue[j] != "nac":
        raise DataError(path, "episode.venue", spec.venue, "the issue has no NATO venue here")
    if spec.venue == "joint" and not w.joint[j]:
        raise DataError(path, "episode.venue", spec.venue, "the issue is not joint here")
    y, m = (int(x) for x in sc.start.split("-"))
    if dt.date(y, m, 1) > spec.date:
        raise DataError(path, "start", sc.start, f"after the decision date {spec.date}")
    if sc.deadline != spec.date.strftime("%Y-%m"):
        raise DataError(path, "deadline", sc.deadline, "an episode's deadline is the month "
                        f"of its decision date ({spec.date.strftime('%Y-%m')})")
    if spec.result == "blocked" and not spec.blocker:
        raise DataError(path, "episode.blocker", spec.blocker,
                        "a blocked episode names its blockers")
    if spec.result == "adopted" and spec.blocker:
        raise DataError(path, "episode.blocker", spec.blocker, "an adopted one has none")
    if spec.result == "watered_down" and spec.proposed is None:
        raise DataError(path, "episode.proposed", None,
                        "a watered-down episode gives the role proposed")
    if (spec.route == "outside") != (spec.participants is not None):
        raise DataError(path, "episode.participants", spec.participants,
                        'participants go with route = "outside" (who acted outside both)')
    if spec.route == "outside" and spec.result != "blocked":
        raise DataError(path, "episode.result", spec.result, 'route = "outside" is where the '
                        "institutions did not deliver: the result is blocked")
    for p in spec.participants or []:
        if p not in w.actor_ids:
            raise DataError(path, "episode.participants", p, "unknown actor")
    sq = status_quo(w, j)
    for k, v in (spec.proposed or {}).items():
        on = w.joint[j] or (w.eu_venue[j] if k == "eu_role" else w.nato_venue[j]) != "none"
        if not on:
            raise DataError(path, f"episode.proposed.{k}", v, "no venue decides that role here")
        if v == sq[k]:
            raise DataError(path, f"episode.proposed.{k}", v, "equals the status quo")
    eu, nato = council(w)
    for b in spec.blocker:
        if b not in w.actor_ids:
            raise DataError(path, "episode.blocker", b, "unknown actor")
        k = w.actor_ids.index(b)
        member = (nato[k] if spec.venue == "nac" else eu[k] if spec.venue in EU_VENUES
                  else eu[k] or nato[k])
        if not member:
            raise DataError(path, "episode.blocker", b,
                            f"does not sit in the house of venue {spec.venue!r}")
    for k, st in enumerate(spec.earlier):
        if not dt.date(y, m, 1) <= st.date < spec.date:
            raise DataError(path, f"episode.earlier[{k}].date", st.date.isoformat(),
                            f"must fall between the start {sc.start} and the decision "
                            f"{spec.date}")
        for b in st.blocker:
            if b not in w.actor_ids:
                raise DataError(path, f"episode.earlier[{k}].blocker", b, "unknown actor")
    if spec.deal and spec.result != "adopted":
        raise DataError(path, "episode.deal", spec.deal, "a deal lifts a veto: the "
                        "episode's result is adopted")
    for b in spec.deal or []:
        if b not in w.actor_ids:
            raise DataError(path, "episode.deal", b, "unknown actor")
    ep = Episode(path.stem, path, sc, spec)
    ep.nulls = null_calls(ep, w, load_records() if records is None else records)
    return ep


def load_episodes(folder: str | Path = EPISODE_DIR) -> list[Episode]:
    folder = Path(folder)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise DataError(folder, "episodes", str(folder), "no episode files (*.toml) here")
    records = load_records()
    return [load_episode(p, records) for p in files]



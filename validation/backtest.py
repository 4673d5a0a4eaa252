"""`eunato backtest`: the model against real EU and NATO decisions of 2023-2025.

Each file in ``data/episodes/`` is a scenario (model/inputs/scenario.py) for one real decision, with
its starting positions sourced, plus an ``[episode]`` table stating what really happened:
the scored ``issue``, the ``result`` (adopted or blocked), the ``venue`` that decided (an EU
venue code, ``nac`` or ``joint``), the ``blocker`` (an actor id, or "" if none), the ``date``
and the ``sources``.

Scoring (one run): the issue's status gives the result (``agreed`` -> adopted, ``blocked`` ->
blocked, ``status quo holds`` -> neither, so it misses both); the venue is the set of venues
the change passed through (its route: ``eu`` -> the issue's EU venue, ``nato`` -> ``nac``,
``joint`` -> ``joint``) or, for a blocked issue, the venues of the houses that vetoed; the
blocker is the set of vetoing actors of a blocked issue (none for an adopted one). A run
reproduces the episode when all three equal the real ones exactly (one venue, one blocker or
none).

Aggregation over seeds: an episode is *reproduced* when more than half of its seeds
reproduce it; the table shows the share and the most frequent model outcome.
:func:`backtest` is the one engine function the CLI and the tests call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.inputs.data import DATA_DIR, DataError, load_actors, load_issues
from model.inputs.scenario import Scenario, load_scenario
from model.io.output import Output, Tab, add_format_option
from model.io.safeio import MAX_SEED, int_in, writable_file, write_text_atomic
from model.protocols import protocol_arg
from model.world import World, build_world

EPISODE_DIR = DATA_DIR / "episodes"
#: the back-test period: the decision dates must fall in it
PERIOD = (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
EU_VENUES = ("cfsp", "olp", "art122", "mff")
HOUSES_EU = ("eu_council", "european_parliament")


class EpisodeSpec(BaseModel):
    """The ``[episode]`` table: what really happened."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    issue: str
    result: Literal["adopted", "blocked"]
    venue: Literal["cfsp", "olp", "art122", "mff", "nac", "joint"]
    blocker: str = ""
    date: dt.date
    sources: list[str] = Field(min_length=1)

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


@dataclass
class Outcome:
    """What one run says about the scored issue."""

    result: str  # adopted | blocked | status quo holds
    venue: tuple[str, ...]
    blocker: tuple[str, ...]
    date: str | None  # month the model agreed it, if it did

    def label(self) -> str:
        return (f"{self.result} · {'+'.join(self.venue) or '—'} · "
                f"{'+'.join(self.blocker) or 'no blocker'}")


@dataclass
class EpisodeResult:
    episode: Episode
    seeds: list[int]
    outcomes: list[Outcome]
    checks: list[dict[str, bool]] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of seeds that reproduce result, venue and blocker."""
        return sum(all(c.values()) for c in self.checks) / len(self.checks)

    @property
    def reproduced(self) -> bool:
        return self.share > 0.5

    def modal(self) -> Outcome:
        counts = Counter(o.label() for o in self.outcomes)
        top = counts.most_common(1)[0][0]
        return next(o for o in self.outcomes if o.label() == top)

    def months_off(self) -> int | None:
        """Model month of agreement minus the real month (most frequent outcome; shown, not
        scored); None when the model did not agree it."""
        d = self.modal().date
        if d is None:
            return None
        y, m = (int(x) for x in d.split("-"))
        real = self.episode.spec.date
        return (y - real.year) * 12 + (m - real.month)

    def check_shares(self) -> dict[str, float]:
        return {k: sum(c[k] for c in self.checks) / len(self.checks)
                for k in ("result", "venue", "blocker")}

    def row(self) -> dict[str, Any]:
        ep, mo = self.episode, self.modal()
        return {
            "episode": ep.id, "issue": ep.spec.issue, "date": ep.spec.date.isoformat(),
            "real": {"result": ep.spec.result, "venue": ep.spec.venue,
                     "blocker": ep.spec.blocker},
            "model": {"result": mo.result, "venue": "+".join(mo.venue),
                      "blocker": "+".join(mo.blocker), "date": mo.date,
                      "months_off": self.months_off()},
            "checks": {k: round(v, 3) for k, v in self.check_shares().items()},
            "share": round(self.share, 3), "reproduced": self.reproduced,
            "seeds": self.seeds,
        }


@dataclass
class Backtest:
    results: list[EpisodeResult]
    protocol: str | None

    @property
    def reproduced(self) -> int:
        return sum(r.reproduced for r in self.results)

    @property
    def line(self) -> str:
        return f"{self.reproduced} of {len(self.results)} episodes reproduced"

    def to_dict(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "episodes": [r.row() for r in self.results],
                "reproduced": self.reproduced, "total": len(self.results), "line": self.line}


def _world(sc: Scenario) -> World:
    return build_world(load_actors(), load_issues(), sc)


def load_episode(path: str | Path) -> Episode:
    """Read and check one episode file: the scenario, its ``[episode]`` table, and that the
    two agree (the issue is run, the venue is the issue's, the blocker sits in that house).
    A bad field raises one DataError naming the file, the field and the value."""
    path = Path(path)
    sc = load_scenario(path)
    if sc.episode is None:
        raise DataError(path, "episode", None, "an episode file needs an [episode] table")
    try:
        spec = EpisodeSpec.model_validate(sc.episode)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataError(path, f"episode.{where}", first.get("input"), first["msg"]) from None
    w = _world(sc)  # also checks the scenario's references
    if spec.issue not in w.issue_ids:
        raise DataError(path, "episode.issue", spec.issue,
                        "not an issue of this run (check only_issues and data/issues.toml)")
    j = w.issue_ids.index(spec.issue)
    if spec.venue in EU_VENUES and w.eu_venue[j] != spec.venue:
        raise DataError(path, "episode.venue", spec.venue,
                        f"the issue's EU venue in this file is {w.eu_venue[j]!r}")
    if spec.venue == "nac" and w.nato_venue[j] != "nac":
        raise DataError(path, "episode.venue", spec.venue, "the issue has no NATO venue here")
    if spec.venue == "joint" and not w.joint[j]:
        raise DataError(path, "episode.venue", spec.venue, "the issue is not joint here")
    y, m = (int(x) for x in sc.start.split("-"))
    if dt.date(y, m, 1) > spec.date:
        raise DataError(path, "start", sc.start, f"after the decision date {spec.date}")
    if (spec.result == "blocked") != bool(spec.blocker):
        raise DataError(path, "episode.blocker", spec.blocker,
                        "a blocked episode names its blocker; an adopted one has none")
    if spec.blocker:
        if spec.blocker not in w.actor_ids:
            raise DataError(path, "episode.blocker", spec.blocker, "unknown actor")
        k = w.actor_ids.index(spec.blocker)
        member = (w.nato_member[k] if spec.venue == "nac" else
                  w.eu_member[k] if spec.venue in EU_VENUES else
                  w.eu_member[k] or w.nato_member[k])
        if not member:
            raise DataError(path, "episode.blocker", spec.blocker,
                            f"does not sit in the house of venue {spec.venue!r}")
    return Episode(path.stem, path, sc, spec)


def load_episodes(folder: str | Path = EPISODE_DIR) -> list[Episode]:
    folder = Path(folder)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise DataError(folder, "episodes", str(folder), "no episode files (*.toml) here")
    return [load_episode(p) for p in files]


def outcome(summary: dict[str, Any], issue: str) -> Outcome:
    """The scored issue's result, venue(s) and blocker(s) in one run's summary."""
    rec = next(i for i in summary["issues"] if i["issue"] == issue)
    codes = rec["venues"]
    result = {"agreed": "adopted", "blocked": "blocked"}.get(rec["status"], rec["status"])
    if result == "adopted":
        pieces = (rec["route"] or "").split("+")
        venue = tuple(sorted({"joint" if p == "joint" else codes[p] for p in pieces if p}))
        return Outcome(result, venue, (), rec["date"])
    venue, blocker = (), ()
    if result == "blocked":
        venue = tuple(sorted({codes["eu"] if v["house"] in HOUSES_EU else codes["nato"]
                              for v in rec["vetoes"]}))
        blocker = tuple(sorted({v["actor"] for v in rec["vetoes"]}))
    return Outcome(result, venue, blocker, None)


def check(o: Outcome, spec: EpisodeSpec) -> dict[str, bool]:
    return {"result": o.result == spec.result, "venue": o.venue == (spec.venue,),
            "blocker": o.blocker == ((spec.blocker,) if spec.blocker else ())}


def run_episode(ep: Episode, seeds: list[int], protocol: str | None = None) -> EpisodeResult:
    from model.ensemble.core import run_ensemble
    from model.model import EuNatoModel

    res = EpisodeResult(ep, list(seeds), [])
    # lean runs played as one ensemble: each summary is the one the run gives alone
    models = run_ensemble([EuNatoModel(scenario_name=ep.scenario, protocol=protocol, rng=s,
                                       lean=True) for s in seeds])
    for model in models:
        o = outcome(model.summary(), ep.spec.issue)
        res.outcomes.append(o)
        res.checks.append(check(o, ep.spec))
    return res


def backtest(folder: str | Path = EPISODE_DIR, seeds: int = 5, first_seed: int = 1,
             protocol: str | None = None) -> Backtest:
    """Run every episode in ``folder`` over ``seeds`` seeds (from ``first_seed``) with its
    own protocol (or ``protocol``) and score it (see the module docstring)."""
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    eps = load_episodes(folder)
    run = list(range(first_seed, first_seed + seeds))
    return Backtest([run_episode(e, run, protocol) for e in eps], protocol)


def _months(r: EpisodeResult) -> str:
    k = r.months_off()
    return "same month" if k == 0 else f"{k:+d} month{'' if abs(k) == 1 else 's'}"


def tables(bt: Backtest, title: str) -> tuple[Tab, Tab]:
    """The back-test for reading (real and model outcome in one cell each) and tidy (one
    value per column, for csv and json)."""
    wide = Tab(title, ["episode", "real", "model (most frequent)",
                       "right: result/venue/blocker", "reproduced"])
    tidy = Tab(title, ["episode", "issue", "real_date", "real_result", "real_venue",
                       "real_blocker", "model_result", "model_venue", "model_blocker",
                       "model_date", "months_off", "right_result", "right_venue",
                       "right_blocker", "share", "reproduced"])
    for r in bt.results:
        sp, mo, sh = r.episode.spec, r.modal(), r.check_shares()
        wide.add(r.episode.id,
                 f"{sp.result} · {sp.venue} · {sp.blocker or 'no blocker'} ({sp.date})",
                 mo.label() + (f" ({mo.date}, {_months(r)})" if mo.date else ""),
                 " / ".join(f"{sh[k]:.0%}" for k in ("result", "venue", "blocker")),
                 f"{'yes' if r.reproduced else 'no'} ({r.share:.0%})")
        tidy.add(r.episode.id, sp.issue, sp.date.isoformat(), sp.result, sp.venue,
                 sp.blocker or "", mo.result, "+".join(mo.venue), "+".join(mo.blocker),
                 mo.date, r.months_off(), round(sh["result"], 3), round(sh["venue"], 3),
                 round(sh["blocker"], 3), round(r.share, 3), r.reproduced)
    return wide, tidy


def _cli(args: argparse.Namespace) -> int:
    from model.io.provenance import provenance

    to_stdout = args.json == "-"  # the JSON document is then stdout's data: the table aside
    if args.json and not to_stdout:
        writable_file(args.json, "--json")
    bt = backtest(args.dir, seeds=args.seeds, first_seed=args.seed, protocol=args.protocol)
    out = Output(args.format, sys.stderr if to_stdout else None)
    with out:
        out.table(*tables(bt, f"back-test on real episodes · seeds {args.seed}.."
                          f"{args.seed + args.seeds - 1} · protocol "
                          f"{args.protocol or 'per episode'}"))
    if args.json:
        seeds = list(range(args.seed, args.seed + args.seeds))
        prov = provenance([r.episode.scenario for r in bt.results], seeds,
                          settings={"dir": str(args.dir), "seeds": args.seeds,
                                    "seed": args.seed, "protocol": args.protocol})
        doc = json.dumps({**bt.to_dict(), "provenance": prov}, indent=2)
        if to_stdout:
            print(doc)
        else:
            write_text_atomic(args.json, doc)
    out.note(bt.line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="run the real 2023-2025 episodes (data/episodes) and "
                       "score result, venue and blocker")
    p.add_argument("--dir", default=str(EPISODE_DIR), help="folder of episode files")
    p.add_argument("--seeds", type=int, default=5, help="seeds per episode (majority counts)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED - 10_000), default=1, help="first seed")
    p.add_argument("--protocol", type=protocol_arg, default=None,
                   help="default: each episode's own")
    p.add_argument("--json", default=None,
                   help="write the table to this JSON file; - for stdout")
    add_format_option(p)
    p.set_defaults(func=_cli)

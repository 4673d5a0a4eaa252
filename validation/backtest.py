"""`eunato backtest`: the model against real EU and NATO decisions of 2023-2025.

Each file in ``data/episodes/`` is a scenario (model/scenario.py) for one real decision, with
its starting positions sourced and its ``deadline`` the month of the decision, plus an
``[episode]`` table stating what really happened (the v2 format): the scored ``issue``, the
``result`` (adopted, blocked or watered_down), the ``venue`` that decided (an EU venue code,
``nac`` or ``joint``), the ``blocker`` (a set of actor ids: who voted no in the house that
failed, or who forced the cut; [] if none), the role ``proposed`` (required for a watered-down
episode), the ``date`` and the ``sources``. No episode holds a stance: a declared position is
an actor override with its ``source``, or a position on record (data/positions.toml).

Scoring (one run): not agreed (blocked, or the status quo holds at the deadline) -> blocked;
agreed -> adopted, unless ``proposed`` is given and the agreed role on the scored piece falls
short of the midpoint from the status quo to it -> watered_down. The venue is the set of
venues the change passed through (its route: ``eu`` -> the issue's EU venue, ``nato`` ->
``nac``, ``joint`` -> ``joint``) or, for a blocked issue, the venues of the houses that
vetoed (``joint`` for a joint issue); the blocker is the set of vetoing actors of a blocked
issue (none otherwise). Each is compared as a set; a run reproduces the episode when all
three are right, and the two below where the episode states them.

An episode may also state the ``route`` the change took (``outside``: a coalition of the
willing acted outside both institutions, model/willing.py) and its ``participants``: the
route is right when the run's route is the same; the participants are right when the
run's and the real sets overlap by at least ``PARTICIPANTS_OVERLAP`` (Jaccard index: shared
over either). Judgement on 0.5: the real lists of such coalitions are reported piecemeal
(who had announced money by a date), so set equality would score the press coverage as much
as the model; half the union shared says the model found the core of the group.

Aggregation over seeds: a check is right for an episode when more than half of its seeds
get it right; the episode is *reproduced* when more than half reproduce all three. The two
null rules (validation/backtest_null.py) are scored the same way beside it.
:func:`backtest` is the one engine function the CLI and the tests call.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.io.output import Output, Tab, add_format_option
from model.io.safeio import (
    MAX_SEED,
    int_in,
    is_stdout,
    json_text,
    writable_file,
    write_text_atomic,
)
from model.protocols import protocol_arg
from validation.backtest_null import NullCall
from validation.episodes import EPISODE_DIR, Episode, EpisodeSpec, load_episodes

HOUSES_EU = ("eu_council", "european_parliament")


@dataclass
class Outcome:
    """What one run says about the scored issue."""

    result: str  # adopted | watered_down | blocked
    venue: tuple[str, ...]
    blocker: tuple[str, ...]
    date: str | None  # month the model agreed it, if it did
    route: str | None = None  # the route the change took (``outside``: model/willing.py)
    participants: tuple[str, ...] = ()  # who acted outside both institutions

    def label(self) -> str:
        return (f"{self.result} · {'+'.join(self.venue) or '—'} · "
                f"{'+'.join(self.blocker) or 'no blocker'}"
                + (f" · outside: {len(self.participants)} states" if self.route == "outside"
                   else ""))


CHECKS = ("result", "venue", "blocker")
#: checks scored only on episodes that state them (the module docstring)
EXTRA_CHECKS = ("route", "participants")
#: the Jaccard overlap from which the participants count as right (judgement, docstring)
PARTICIPANTS_OVERLAP = 0.5
RULES = ("model", "N1", "N2")


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
        """Per check (result, venue, blocker, and an episode's earlier decisions and deal
        where it has them), the share of seeds that get it right."""
        keys = [*CHECKS, *(k for k in self.checks[0] if k not in CHECKS)]
        return {k: sum(c[k] for c in self.checks) / len(self.checks) for k in keys}

    def right(self) -> dict[str, dict[str, bool]]:
        """Per rule (the model by majority of seeds, N1, N2): each check and all three."""
        sh = self.check_shares()
        out = {"model": {**{k: v > 0.5 for k, v in sh.items()}, "all": self.reproduced}}
        for name, call in self.episode.nulls.items():
            c = {**check(call, self.episode.spec), **null_stages(call, self.episode.spec)}
            out[name] = {**c, "all": all(c.values())}
        return out

    def row(self) -> dict[str, Any]:
        ep, mo = self.episode, self.modal()
        right = self.right()
        return {
            "episode": ep.id, "issue": ep.spec.issue, "date": ep.spec.date.isoformat(),
            "real": {"result": ep.spec.result, "venue": ep.spec.venue,
                     "blocker": ep.spec.blocker, "proposed": ep.spec.proposed,
                     "route": ep.spec.route, "participants": ep.spec.participants},
            "model": {"result": mo.result, "venue": "+".join(mo.venue),
                      "blocker": list(mo.blocker), "date": mo.date,
                      "months_off": self.months_off(), "route": mo.route,
                      "participants": list(mo.participants)},
            "checks": {k: round(v, 3) for k, v in self.check_shares().items()},
            "share": round(self.share, 3), "reproduced": self.reproduced,
            "null_rules": {n: {"result": c.result, "venue": "+".join(c.venue),
                               "blocker": list(c.blocker), "right": right[n]}
                           for n, c in ep.nulls.items()},
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

    def extra_checks(self) -> list[str]:
        """The checks beyond the three that some episode states (route, participants)."""
        return [k for k in EXTRA_CHECKS if any(k in r.checks[0] for r in self.results)]

    def score(self) -> dict[str, dict[str, int]]:
        """Per rule, the episodes it gets right on each check and on all three (and on
        route and participants, of the episodes that state them)."""
        rights = [r.right() for r in self.results]
        keys = (*CHECKS, "all", *self.extra_checks())
        return {rule: {k: sum(x[rule].get(k, False) for x in rights) for k in keys}
                for rule in RULES}

    @property
    def score_line(self) -> str:
        n, sc = len(self.results), self.score()
        return "; ".join(f"{rule} result {sc[rule]['result']}/{n}, venue "
                         f"{sc[rule]['venue']}/{n}, blocker {sc[rule]['blocker']}/{n}"
                         for rule in RULES)

    def to_dict(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "episodes": [r.row() for r in self.results],
                "reproduced": self.reproduced, "total": len(self.results), "line": self.line,
                "score": self.score(), "score_line": self.score_line}


def _short(rec: dict[str, Any], proposed: dict[str, float] | None) -> bool:
    """An agreed change that stops short of the midpoint from the status quo to the role
    proposed, on any role the proposal names."""
    for k, v in (proposed or {}).items():
        sq = rec["status_quo"][k]
        if (rec[k] - (sq + v) / 2) * (v - sq) < 0:
            return True
    return False


def outcome(summary: dict[str, Any], issue: str,
            proposed: dict[str, float] | None = None) -> Outcome:
    """The scored issue's result, venue(s) and blocker(s) in one run's summary."""
    rec = next(i for i in summary["issues"] if i["issue"] == issue)
    codes = rec["venues"]
    if rec["status"] == "agreed":
        pieces = (rec["route"] or "").split("+")
        venue = tuple(sorted({"joint" if p == "joint" else codes[p] for p in pieces if p}))
        result = "watered_down" if _short(rec, proposed) else "adopted"
        return Outcome(result, venue, (), rec["date"], rec["route"])
    # not agreed: vetoed, or the status quo holds at the deadline
    if codes.get("joint") and rec["vetoes"]:
        venue = ("joint",)
    else:
        venue = tuple(sorted({codes["eu"] if v["house"] in HOUSES_EU else codes["nato"]
                              for v in rec["vetoes"]}))
    outside = rec.get("outside") or {}
    return Outcome("blocked", venue, tuple(sorted({v["actor"] for v in rec["vetoes"]})), None,
                   rec.get("route"), tuple(sorted(outside.get("participants", []))))


def overlap(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]) -> float:
    """Jaccard index of two sets of actors (1 when both are empty)."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def check(o: Outcome | NullCall, spec: EpisodeSpec) -> dict[str, bool]:
    """Result, venue and blocker, each compared as a set with the real one; route and
    participants where the episode states them (a null rule names neither)."""
    out = {"result": o.result == spec.result, "venue": set(o.venue) == {spec.venue},
           "blocker": set(o.blocker) == set(spec.blocker)}
    if spec.route is not None:
        out["route"] = getattr(o, "route", None) == spec.route
    if spec.participants is not None:
        got = getattr(o, "participants", ())
        out["participants"] = overlap(got, spec.participants) >= PARTICIPANTS_OVERLAP
    return out


def stages(summary: dict[str, Any], spec: EpisodeSpec) -> dict[str, bool]:
    """The checks of an episode with earlier decisions or a deal, in the same run:
    ``earlier``: at each earlier date the issue was not yet agreed and the vetoes on record
    (those a later deal lifted, or that still stand) are that date's blockers, in its
    venue (a veto lasts: votes follow ideals, which only events move, so the no on record
    at the final vote is the one cast before it in a file without events); ``deal``: the
    actors whose vetoes a deal lifted. Empty for a one-decision episode."""
    rec = next(i for i in summary["issues"] if i["issue"] == spec.issue)
    out: dict[str, bool] = {}
    if spec.earlier:
        ok = True
        for st in spec.earlier:
            month = st.date.strftime("%Y-%m")
            later = rec["status"] != "agreed" or (rec["date"] or "") > month
            got = outcome({**summary, "issues": [{**rec, "status": "blocked"}]}, spec.issue)
            ok &= later and set(got.blocker) == set(st.blocker) and set(got.venue) == {
                st.venue}
        out["earlier"] = bool(ok)
    if spec.deal is not None:
        bought = {v["actor"] for d in summary.get("deals", []) if d["issue"] == spec.issue
                  for v in d["veto_players"]}
        out["deal"] = bought == set(spec.deal)
    return out


def null_stages(call: NullCall, spec: EpisodeSpec) -> dict[str, bool]:
    """:func:`stages` for a null rule: its one call holds at every date, and it makes no
    deals."""
    out: dict[str, bool] = {}
    if spec.earlier:
        out["earlier"] = all(call.result == st.result and set(call.blocker) == set(st.blocker)
                             and set(call.venue) == {st.venue} for st in spec.earlier)
    if spec.deal is not None:
        out["deal"] = not spec.deal
    return out


def run_episode(ep: Episode, seeds: list[int], protocol: str | None = None) -> EpisodeResult:
    from model.ensemble.core import run_ensemble
    from model.model import EuNatoModel

    res = EpisodeResult(ep, list(seeds), [])
    # lean runs played as one ensemble: each summary is the one the run gives alone
    models = run_ensemble([EuNatoModel(scenario_name=ep.scenario, protocol=protocol, rng=s,
                                       lean=True) for s in seeds])
    for model in models:
        summary = model.summary()
        o = outcome(summary, ep.spec.issue, ep.spec.proposed)
        res.outcomes.append(o)
        res.checks.append({**check(o, ep.spec), **stages(summary, ep.spec)})
    return res


def backtest(folder: str | Path = EPISODE_DIR, seeds: int = 5, first_seed: int = 1,
             protocol: str | None = None) -> Backtest:
    """Run every episode in ``folder`` over ``seeds`` seeds (from ``first_seed``) with its
    own protocol (or ``protocol``) and score it and the null rules (module docstring)."""
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    eps = load_episodes(folder)
    run = list(range(first_seed, first_seed + seeds))
    return Backtest([run_episode(e, run, protocol) for e in eps], protocol)


def _months(r: EpisodeResult) -> str:
    k = r.months_off()
    return "same month" if k == 0 else f"{k:+d} month{'' if abs(k) == 1 else 's'}"


def _real(sp: EpisodeSpec) -> str:
    return (f"{sp.result} · {sp.venue} · {'+'.join(sp.blocker) or 'no blocker'}"
            + (f" · outside: {len(sp.participants or [])} states" if sp.route == "outside"
               else "") + f" ({sp.date})")


def tables(bt: Backtest, title: str) -> tuple[Tab, Tab, Tab]:
    """The back-test for reading (real and model outcome in one cell each), tidy (one value
    per column, for csv and json), and the score of the model beside N1 and N2."""
    wide = Tab(title, ["episode", "real", "model (most frequent)",
                       "right: result/venue/blocker", "reproduced", "N1", "N2"])
    tidy = Tab(title, ["episode", "issue", "real_date", "real_result", "real_venue",
                       "real_blocker", "model_result", "model_venue", "model_blocker",
                       "model_date", "months_off", "right_result", "right_venue",
                       "right_blocker", "share", "reproduced", "n1_result", "n1_venue",
                       "n1_blocker", "n2_result", "n2_venue", "n2_blocker", "real_route",
                       "real_participants", "model_route", "model_participants",
                       "right_route", "right_participants"], key="episodes")
    for r in bt.results:
        sp, mo, sh, nl = r.episode.spec, r.modal(), r.check_shares(), r.episode.nulls
        wide.add(r.episode.id, _real(sp),
                 mo.label() + (f" ({mo.date}, {_months(r)})" if mo.date else ""),
                 " / ".join(f"{sh[k]:.0%}" for k in CHECKS)
                 + "".join(f" · {k} {sh[k]:.0%}" for k in EXTRA_CHECKS if k in sh),
                 f"{'yes' if r.reproduced else 'no'} ({r.share:.0%})", nl["N1"].label(),
                 nl["N2"].label())
        tidy.add(r.episode.id, sp.issue, sp.date.isoformat(), sp.result, sp.venue,
                 "+".join(sp.blocker), mo.result, "+".join(mo.venue), "+".join(mo.blocker),
                 mo.date, r.months_off(), round(sh["result"], 3), round(sh["venue"], 3),
                 round(sh["blocker"], 3), round(r.share, 3), r.reproduced,
                 *(x for n in ("N1", "N2") for x in (nl[n].result, "+".join(nl[n].venue),
                                                      "+".join(nl[n].blocker))),
                 sp.route, "+".join(sp.participants or []), mo.route,
                 "+".join(mo.participants),
                 *(round(sh[k], 3) if k in sh else None for k in EXTRA_CHECKS))
    n = len(bt.results)
    extra = bt.extra_checks()
    stated = {k: sum(k in r.checks[0] for r in bt.results) for k in extra}
    score = Tab(f"score: episodes right of {n}, the model (majority of seeds) beside the null "
                "rules N1 (adopt everything) and N2 (adopt unless a veto house holds a "
                "declared opponent)", ["rule", "result", "venue", "blocker", "all three",
                                       *(f"{k} (of {stated[k]})" for k in extra)],
                key="score")
    for rule, c in bt.score().items():
        score.add(rule, c["result"], c["venue"], c["blocker"], c["all"],
                  *(c[k] for k in extra))
    return wide, tidy, score


def _cli(args: argparse.Namespace) -> int:
    from model.io.provenance import provenance

    # the JSON document is then stdout's data: the table aside
    to_stdout = bool(args.json) and is_stdout(args.json)
    if args.json and not to_stdout:
        writable_file(args.json, "--json")
    bt = backtest(args.dir, seeds=args.seeds, first_seed=args.seed, protocol=args.protocol)
    out = Output(args.format, sys.stderr if to_stdout else None)
    with out:
        wide, tidy, score = tables(bt, f"back-test on real episodes · seeds {args.seed}.."
                                   f"{args.seed + args.seeds - 1} · protocol "
                                   f"{args.protocol or 'per episode'}")
        out.table(wide, tidy)
        out.table(score)
    if args.json:
        seeds = list(range(args.seed, args.seed + args.seeds))
        prov = provenance([r.episode.scenario for r in bt.results], seeds,
                          settings={"dir": str(args.dir), "seeds": args.seeds,
                                    "seed": args.seed, "protocol": args.protocol})
        doc = json_text({**bt.to_dict(), "provenance": prov}, indent=2)
        if to_stdout:
            print(doc)
        else:
            write_text_atomic(args.json, doc)
    out.note(bt.score_line)
    out.note(bt.line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="run the real 2023-2025 episodes (data/episodes) and "
                       "score result, venue and blocker beside the null rules N1 and N2")
    p.add_argument("--dir", default=str(EPISODE_DIR), help="folder of episode files")
    p.add_argument("--seeds", type=int, default=5, help="seeds per episode (majority counts)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED - 10_000), default=1, help="first seed")
    p.add_argument("--protocol", type=protocol_arg, default=None,
                   help="default: each episode's own")
    p.add_argument("--json", default=None,
                   help="write the table to this JSON file; - for stdout")
    add_format_option(p)
    p.set_defaults(func=_cli)

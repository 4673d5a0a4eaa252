"""Score every protocol on every DEU III issue: errors by Council rule and procedure.

Capability comes from the data, never typed in: the file's GDP row, population, or a
voting-power index (Banzhaf, Shapley-Shubik) computed from the Council rule in force when
the proposal was introduced (:mod:`validation.eras`); under unanimity every member
has equal power. The Commission and the Parliament do not vote in the Council; they get the
largest member's capability (the convention of the GDP row, which gives them Germany's).
Issues of one proposal are played together (the exchange model needs several issues);
each protocol plays ``rounds`` rounds with a seeded generator and its final forecast is
scored against the outcome.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.protocols import get_protocol
from model.state import BargainingState
from validation.deu import INSTITUTIONS, DeuIssue
from validation.eras import banzhaf, era_for, population, shapley_shubik

CAPABILITIES = ("gdp", "population", "banzhaf", "shapley", "equal")


def capability(issue: DeuIssue, kind: str) -> np.ndarray:
    """(k,) capability of the issue's actors under ``kind`` (see module docstring)."""
    if kind == "gdp":
        return issue.gdp.copy()
    if kind == "equal":
        return np.ones(len(issue.actors))
    if kind == "population":
        table = population()
    elif kind in ("banzhaf", "shapley"):
        era = era_for(issue.intro)
        if issue.rule == "unanimity":
            table = {a: 1.0 / len(era.members) for a in era.members}
        else:
            table = _index(era.name, kind)
    else:
        raise ValueError(f"capability must be one of {', '.join(CAPABILITIES)}, got {kind!r}")
    big = max(table.values())
    return np.array([big if a in INSTITUTIONS else table.get(a, 0.0) for a in issue.actors])


_CACHE: dict[tuple[str, str], dict[str, float]] = {}


def _index(era_name: str, kind: str) -> dict[str, float]:
    key = (era_name, kind)
    if key not in _CACHE:
        from validation.eras import load_eras
        era = next(e for e in load_eras() if e.name == era_name)
        _CACHE[key] = banzhaf(era) if kind == "banzhaf" else shapley_shubik(era)
    return _CACHE[key]


def proposal_state(issues: list[DeuIssue], cap: str, cap_power: float = 1.0,
                   sal_power: float = 1.0) -> BargainingState:
    """All issues of one proposal as one multi-issue state (absent actors: salience 0).

    ``cap_power``/``sal_power`` calibrate capability and salience as ``c**a``, ``s**b``
    (1, 1 = as read); they are tuned under cross-validation in :mod:`validation.tune`.
    """
    actors: list[str] = []
    for iss in issues:
        actors += [a for a in iss.actors if a not in actors]
    n, m = len(actors), len(issues)
    pos = np.zeros((n, m))
    sal = np.zeros((n, m))
    capv = np.zeros(n)
    for j, iss in enumerate(issues):
        pos[:, j] = float(np.mean(iss.position))
        c = capability(iss, cap) ** cap_power
        sv = iss.salience ** sal_power
        for a, p, s, cc in zip(iss.actors, iss.position, sv, c, strict=True):
            i = actors.index(a)
            pos[i, j], sal[i, j], capv[i] = p, s, max(capv[i], cc)
    sq = [iss.reference if iss.reference is not None else float(np.median(iss.position))
          for iss in issues]
    return BargainingState(actor_ids=actors, issue_ids=[i.issue_id for i in issues],
                           position=pos, ideal=pos, salience=sal, capability=capv, risk=1.0,
                           voting=True, status_quo=sq, lo=0.0, hi=100.0)


@dataclass
class Score:
    """Absolute errors of one protocol × capability choice, with the issues' groups."""

    protocol: str
    capability: str
    errors: np.ndarray
    rule: list[str]
    procedure: list[str]
    seconds: float
    forecasts: np.ndarray = field(default=None)  # type: ignore[assignment]

    def summary(self, mask: np.ndarray | None = None) -> dict[str, float]:
        e = self.errors if mask is None else self.errors[mask]
        if e.size == 0:
            return {"n": 0, "mae": float("nan"), "median": float("nan"), "within10": float("nan")}
        return {"n": int(e.size), "mae": float(e.mean()), "median": float(np.median(e)),
                "within10": float((e <= 10).mean())}

    def groups(self) -> dict[str, dict[str, float]]:
        out = {"all": self.summary()}
        for label, vals in (("rule", self.rule), ("procedure", self.procedure)):
            for v in sorted(set(vals)):
                out[f"{label}={v}"] = self.summary(np.array([x == v for x in vals]))
        return out


def score(issues: list[DeuIssue], protocol: str, cap: str = "gdp", rounds: int = 10,
          seed: int = 0, cap_power: float = 1.0, sal_power: float = 1.0,
          **params: Any) -> Score:
    """Play ``protocol`` on every proposal (all its issues at once) and score each issue."""
    t0 = time.perf_counter()
    by_prop: dict[str, list[DeuIssue]] = defaultdict(list)
    for iss in issues:
        by_prop[iss.proposal].append(iss)
    fc: dict[str, float] = {}
    rng = np.random.default_rng(seed)
    for group in by_prop.values():
        state = proposal_state(group, cap, cap_power, sal_power)
        proto = get_protocol(protocol, **params)
        f = proto.forecast(state)
        for _ in range(rounds):
            f = proto.step(state, rng).forecast
            np.clip(state.position, state.lo, state.hi, out=state.position)
        for iss, v in zip(group, f, strict=True):
            fc[iss.issue_id] = float(v)
    forecasts = np.array([fc[i.issue_id] for i in issues])
    errors = np.abs(forecasts - np.array([i.outcome for i in issues]))
    return Score(protocol, cap, errors, [i.rule for i in issues], [i.procedure for i in issues],
                 time.perf_counter() - t0, forecasts)


def rule_constrained(issue: DeuIssue, forecast: float, tol: float = 0.0,
                     grid: int = 101) -> float:
    """Move ``forecast`` to the nearest outcome that passes the Council rule of its era.

    Member states vote for ``x`` against the reference point if they weakly prefer it
    (within ``tol``); members that took no position go along (count as yes). Under QMV the
    era's rule decides (:meth:`~validation.eras.Era.wins`), under unanimity every
    member must say yes. Without a reference point, or if nothing passes, the forecast is
    kept. This is the engine's vote-against-the-status-quo logic (``model.rules``) with the
    rule of the issue's era.
    """
    if issue.reference is None:
        return forecast
    era = era_for(issue.intro)
    sq = issue.reference
    pos = dict(zip(issue.actors, issue.position, strict=True))
    xs = np.linspace(0.0, 100.0, grid)
    members = list(era.members)
    p = np.array([pos.get(a, np.nan) for a in members])[:, None]
    yes = np.where(np.isnan(p), True, np.abs(xs[None, :] - p) <= np.abs(sq - p) + tol)
    if issue.rule == "unanimity":
        ok = yes.all(axis=0)
    else:
        ok = np.array([era.wins(yes[:, g]) for g in range(grid)])
    if not ok.any():
        return forecast
    k = int(np.argmin(np.abs(xs - forecast)))
    if ok[k]:
        return forecast
    cand = xs[ok]
    return float(cand[np.argmin(np.abs(cand - forecast))])


def score_rule_constrained(issues: list[DeuIssue], base: Score, tol: float = 0.0) -> Score:
    """``base``'s forecasts pushed into the era's win-set (see :func:`rule_constrained`)."""
    t0 = time.perf_counter()
    f = np.array([rule_constrained(i, float(x), tol)
                  for i, x in zip(issues, base.forecasts, strict=True)])
    errors = np.abs(f - np.array([i.outcome for i in issues]))
    return Score(f"{base.protocol} + era rule", base.capability, errors, base.rule,
                 base.procedure, base.seconds + time.perf_counter() - t0, f)

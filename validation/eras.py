"""Council voting rules of each era (Amsterdam, Nice, double majority) and voting power.

The era weights live in ``data/validation/council_votes.toml`` with their treaty sources.
Voting power is computed from the era's rule, not typed in: the normalised Banzhaf index
and the Shapley-Shubik index, exactly, by dynamic programming over (number of members,
votes or population) -- polynomial, so EU-28 takes milliseconds.
The double majority is :func:`model.rules.qmv_passes` (55% of members, 65% of population,
blocking minority of at least four); the same thresholds are reused from ``model.rules``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from model.inputs.data import DATA_DIR, DataError, read_toml
from model.institutions.venues import QMV_MIN_BLOCKERS, QMV_POPULATION, QMV_STATES

ERA_FILE = DATA_DIR / "validation" / "council_votes.toml"


@dataclass(frozen=True)
class Era:
    """One Council rule: weighted votes with a threshold, or the double majority."""

    name: str
    start: dt.date
    kind: str  # "weighted" | "double_majority"
    members: tuple[str, ...]
    weights: tuple[int, ...]  # votes (weighted) or population in 0.1 million (double)
    threshold: int = 0
    majority_of_members: bool = False

    def wins(self, coalition: np.ndarray) -> bool:
        """True if the members marked in ``coalition`` (bool, len = members) pass a QMV act."""
        c = np.asarray(coalition, dtype=bool)
        w = np.asarray(self.weights)
        return bool(self._win_table(int(c.sum()), int(w[c].sum())))

    def _win_table(self, count: np.ndarray | int, weight: np.ndarray | int) -> np.ndarray:
        n, total = len(self.members), sum(self.weights)
        if self.kind == "weighted":
            ok = np.asarray(weight) >= self.threshold
            if self.majority_of_members:
                ok = ok & (np.asarray(count) * 2 > n)
            return ok
        states = np.asarray(count) >= QMV_STATES * n - 1e-9
        pop = np.asarray(weight) >= QMV_POPULATION * total - 1e-9
        return states & (pop | (n - np.asarray(count) < QMV_MIN_BLOCKERS))


@lru_cache(maxsize=4)
def load_eras(path: str | None = None) -> tuple[Era, ...]:
    """All eras of the data file, oldest first (errors name file, field and value)."""
    p = Path(path) if path else ERA_FILE
    raw = read_toml(p)
    pop = raw.get("population")
    if not isinstance(pop, dict) or not pop:
        raise DataError(p, "population", pop, "expected a [population] table")
    eras = []
    for i, e in enumerate(raw.get("era", [])):
        start = e.get("start")
        if not isinstance(start, dt.date):
            raise DataError(p, f"era[{i}].start", start, "expected a date (YYYY-MM-DD)")
        kind = e.get("kind")
        if kind == "weighted":
            votes = e.get("votes", {})
            for k, v in votes.items():
                if not isinstance(v, int) or v <= 0:
                    raise DataError(p, f"era[{i}].votes.{k}", v, "votes must be positive integers")
            members = tuple(votes)
            weights = tuple(votes.values())
            eras.append(Era(e["name"], start, kind, members, weights, int(e["threshold"]),
                            bool(e.get("majority_of_members", False))))
        elif kind == "double_majority":
            members = tuple(pop)
            for k, v in pop.items():
                if not isinstance(v, int | float) or v <= 0:
                    raise DataError(p, f"population.{k}", v, "must be a positive number")
            eras.append(Era(e["name"], start, kind, members,
                            tuple(int(round(10 * pop[k])) for k in members)))
        else:
            raise DataError(p, f"era[{i}].kind", kind, "must be weighted or double_majority")
    if not eras:
        raise DataError(p, "era", None, "no [[era]] tables")
    return tuple(sorted(eras, key=lambda e: e.start))


@lru_cache(maxsize=4)
def population(path: str | None = None) -> dict[str, float]:
    """Member populations (millions) of the data file."""
    p = Path(path) if path else ERA_FILE
    return {k: float(v) for k, v in read_toml(p)["population"].items()}


def era_for(date: dt.date, eras: tuple[Era, ...] | None = None) -> Era:
    """The Council rule in force on ``date`` (the last era starting on or before it)."""
    eras = eras or load_eras()
    cur = eras[0]
    for e in eras:
        if e.start <= date:
            cur = e
    return cur


def _swing_counts(count_w: np.ndarray, era: Era, wi: int) -> np.ndarray:
    """For each coalition size s of the others: how many swings player i has."""
    n_o, tot = count_w.shape
    s = np.arange(n_o)[:, None]
    w = np.arange(tot)[None, :]
    lose = ~era._win_table(s, w)
    win_with = era._win_table(s + 1, w + wi)
    return (count_w * (lose & win_with)).sum(axis=1)


def _others_table(weights: list[int], skip: int) -> np.ndarray:
    """(n, W+1) number of coalitions of the others with k members and total weight w."""
    tot = sum(weights) + 1
    n = len(weights)
    t = np.zeros((n, tot), dtype=float)
    t[0, 0] = 1.0
    for j, wj in enumerate(weights):
        if j == skip:
            continue
        t[1:, wj:] = t[1:, wj:] + t[:-1, : tot - wj]
    return t


def banzhaf(era: Era) -> dict[str, float]:
    """Normalised Banzhaf index of every member under ``era``'s rule (sums to 1)."""
    w = list(era.weights)
    raw = np.array([_swing_counts(_others_table(w, i), era, w[i]).sum()
                    for i in range(len(w))])
    return dict(zip(era.members, (raw / raw.sum()).tolist(), strict=True))


def shapley_shubik(era: Era) -> dict[str, float]:
    """Shapley-Shubik index of every member under ``era``'s rule (sums to 1)."""
    w = list(era.weights)
    n = len(w)
    coef = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
                     for s in range(n)])
    val = np.array([(coef * _swing_counts(_others_table(w, i), era, w[i])).sum()
                    for i in range(n)])
    return dict(zip(era.members, val.tolist(), strict=True))

"""Calibrate capability and salience exponents under cross-validation (shipped half only).

The compromise model weights positions by ``capability * salience``; the literature's
variants differ in how much each counts. Here a protocol's state uses ``c**a * s**b`` and
``(a, b)`` is picked on a grid by k-fold cross-validation with folds by *proposal* (issues
of one proposal share actors and context, so splitting them would leak). The reported error
is out-of-fold: every issue is forecast with exponents tuned without its proposal. The
fold assignment comes from a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from validation.deu import DeuIssue
from validation.run import score

GRID_A = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
GRID_B = (0.0, 0.5, 1.0, 2.0)


@dataclass
class CvResult:
    """Out-of-fold absolute errors and the exponents each fold chose."""

    errors: np.ndarray
    chosen: list[tuple[float, float]]
    in_sample_best: tuple[float, float]

    @property
    def mae(self) -> float:
        return float(self.errors.mean())


def cross_validate(issues: list[DeuIssue], protocol: str = "compromise", cap: str = "gdp",
                   folds: int = 5, seed: int = 0, rounds: int = 0,
                   grid_a: tuple[float, ...] = GRID_A,
                   grid_b: tuple[float, ...] = GRID_B) -> CvResult:
    """Out-of-fold MAE of ``protocol`` with (a, b) tuned on the other folds."""
    props = sorted({i.proposal for i in issues})
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(props, rng.permutation(len(props)) % folds, strict=True))
    fold = np.array([fold_of[i.proposal] for i in issues])
    # errors of every grid point on every issue (each grid point is one cheap run)
    table = {(a, b): score(issues, protocol, cap, rounds=rounds, seed=seed, cap_power=a,
                           sal_power=b).errors
             for a in grid_a for b in grid_b}
    errors = np.empty(len(issues))
    chosen = []
    for k in range(folds):
        train, test = fold != k, fold == k
        best = min(table, key=lambda ab: table[ab][train].mean())
        chosen.append(best)
        errors[test] = table[best][test]
    in_sample = min(table, key=lambda ab: table[ab].mean())
    return CvResult(errors, chosen, in_sample)

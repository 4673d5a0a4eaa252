"""The stated DEU protocol (session 6): the equal-weight mean of the compromise model (static)
and the exchange model (``rounds`` rounds), both on the table as read, one capability.

Pre-registered, not chosen: the rule was written down (this module and docs/validation.md)
before its score on the shared half was computed, and nothing in it is fitted. The weights
are equal because estimated combination weights rarely beat equal ones out of sample (the
"forecast combination puzzle": Clemen 1989; Stock & Watson 2004; Timmermann 2006); the two
models are the oldest two of the EU-decision literature (Thomson et al. 2006), the weighted
mean and Stokman's exchange of voting positions, so the pair is not picked from a list.

Why it cannot lose much, on any data: per issue |(a + b)/2 - y| <= (|a - y| + |b - y|)/2,
so the rule's MAE is at most the mean of the two models' MAEs on *every* set of issues, and
it beats compromise wherever exchange does. What it can gain beyond that bound (the
*diversity gain*, where the two forecasts fall on opposite sides of the outcome) is measured
here with a bootstrap over proposals, which is the honest expected out-of-sample figure of a
rule with nothing fitted (:func:`expected_gain`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from validation.deu import DeuIssue
from validation.run import Score, score

#: the row of `eunato validate deu3` that carries the stated protocol
STATED_RULE = "equal-weight mean of compromise (static) and exchange (the stated protocol)"


def score_combined(issues: list[DeuIssue], cap: str = "gdp", rounds: int = 10,
                   seed: int = 0) -> tuple[Score, Score, Score]:
    """(rule, compromise, exchange): the stated protocol's score and its two parts'."""
    t0 = time.perf_counter()
    comp = score(issues, "compromise", cap, rounds=0)
    exch = score(issues, "exchange", cap, rounds=rounds, seed=seed)
    f = (comp.forecasts + exch.forecasts) / 2
    errors = np.abs(f - np.array([i.outcome for i in issues]))
    rule = Score(STATED_RULE, cap, errors, comp.rule, comp.procedure,
                 time.perf_counter() - t0, f)
    return rule, comp, exch


@dataclass
class Gain:
    """A gain in MAE (positive: the rule is better) with its bootstrap intervals."""

    gain: float
    lo90: float
    hi90: float
    lo95: float
    hi95: float
    p_better: float  # share of the bootstrap draws in which the gain is positive


@dataclass
class Expected:
    """What the shared half says about the stated protocol out of sample."""

    over_compromise: Gain
    over_exchange: Gain
    diversity: Gain  # mean of the two MAEs minus the rule's (>= 0 on every issue set)
    both_halves: float  # share of random splits by proposal where it beats compromise on both
    splits: int


def _draws(d: np.ndarray, pidx: np.ndarray, n_props: int, draws: int,
           rng: np.random.Generator) -> np.ndarray:
    sums = np.bincount(pidx, d, n_props)
    cnt = np.bincount(pidx, None, n_props)
    w = rng.multinomial(n_props, np.full(n_props, 1 / n_props), size=draws)
    return (w @ sums) / (w @ cnt)


def _gain(d: np.ndarray, pidx: np.ndarray, n_props: int, draws: int, seed: int) -> Gain:
    g = _draws(d, pidx, n_props, draws, np.random.default_rng(seed))
    q = np.quantile(g, [0.05, 0.95, 0.025, 0.975])
    return Gain(float(d.mean()), *map(float, q), float((g > 0).mean()))


def expected_gain(issues: list[DeuIssue], rule: Score, comp: Score, exch: Score,
                  draws: int = 4000, splits: int = 1000, seed: int = 0) -> Expected:
    """Gains over compromise and exchange with bootstrap intervals over *proposals* (issues
    of one proposal are not independent), the diversity gain, and the share of random
    half/half splits of the proposals in which the rule beats compromise on both halves.

    Nothing is fitted, so these in-sample figures carry no selection optimism: they are the
    expected out-of-sample figures on issues drawn like these ones."""
    props = sorted({i.proposal for i in issues})
    pidx = np.array([props.index(i.proposal) for i in issues])
    n = len(props)
    mean_parts = (comp.errors + exch.errors) / 2
    out = [_gain(base - rule.errors, pidx, n, draws, seed)
           for base in (comp.errors, exch.errors, mean_parts)]
    rng = np.random.default_rng(seed + 1)
    d = comp.errors - rule.errors
    sums = np.bincount(pidx, d, n)
    wins = 0
    for _ in range(splits):
        half = rng.permutation(n) < n // 2
        a, b = half[pidx], ~half[pidx]
        wins += bool(sums[half].sum() / a.sum() > 0 and sums[~half].sum() / b.sum() > 0)
    return Expected(*out, wins / splits, splits)


__all__ = ["STATED_RULE", "Expected", "Gain", "expected_gain", "score_combined"]

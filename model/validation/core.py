"""The Council's qualified-majority core: a procedure-aware rule for DEU forecasts.

Under QMV an outcome can only stand if no qualified majority of member states prefers to
move it, on one dimension: it must lie between the two *QMV pivots*. The left pivot is the
largest position x such that the members at or right of x still form a qualified majority
(they would all vote to move any outcome left of x up to x); the right pivot likewise from
the other side. Between the pivots lies the core of the Council game (Krehbiel's pivots;
Tsebelis & Garrett's analysis of the Council). Under unanimity the pivots are the two most
extreme members, so the rule changes nothing.

The rule used here ("compromise in the QMV core"): take the compromise model's forecast
(the capability × salience weighted mean of all actors, Commission and Parliament
included) and, under QMV, move it to the nearest pivot if it lies outside the core. The
pivots come from the member states that took a position and the Council rule in force when
the proposal was introduced (:mod:`model.validation.eras`: Amsterdam/Nice weighted votes,
double majority); members without a position join neither side. There is no fitted
parameter: the thresholds are the treaties'.
"""

from __future__ import annotations

import time

import numpy as np

from model.validation.deu import DeuIssue
from model.validation.eras import era_for
from model.validation.run import Score


def qmv_core(issue: DeuIssue) -> tuple[float, float] | None:
    """(left pivot, right pivot) of the issue's Council under QMV; None under unanimity or
    with fewer than two member states positioned (then the forecast is left alone)."""
    if issue.rule != "qmv":
        return None
    era = era_for(issue.intro)
    pos = dict(zip(issue.actors, issue.position, strict=True))
    p = np.array([pos.get(a, np.nan) for a in era.members])
    have = np.isfinite(p)
    if have.sum() < 2:
        return None
    xs = np.unique(p[have])
    lo, hi = float(xs[0]), float(xs[-1])
    for x in xs:  # ascending: the last x whose right side still wins is the left pivot
        if era.wins(have & (p >= x)):
            lo = float(x)
    for x in xs[::-1]:
        if era.wins(have & (p <= x)):
            hi = float(x)
    return (min(lo, hi), max(lo, hi))


def in_core(issue: DeuIssue, forecast: float) -> float:
    """``forecast`` moved to the nearest QMV pivot when it lies outside the core."""
    core = qmv_core(issue)
    return forecast if core is None else float(np.clip(forecast, *core))


def score_core(issues: list[DeuIssue], base: Score) -> Score:
    """``base``'s forecasts moved into the QMV core (see :func:`in_core`)."""
    t0 = time.perf_counter()
    f = np.array([in_core(i, float(x)) for i, x in zip(issues, base.forecasts, strict=True)])
    errors = np.abs(f - np.array([i.outcome for i in issues]))
    return Score(f"{base.protocol} in the QMV core", base.capability, errors, base.rule,
                 base.procedure, base.seconds + time.perf_counter() - t0, f)

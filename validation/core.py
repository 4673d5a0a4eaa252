"""The Council's core: a procedure-aware rule for DEU forecasts.

An outcome can only stand if no coalition of member states that can pass a change under the
Council's rule prefers to move it, on one dimension: it must lie between the two *pivots*.
Under QMV the left pivot is the largest position x such that the members at or right of x
still form a qualified majority (they would all vote to move any outcome left of x up to x);
the right pivot likewise from the other side (Krehbiel's pivots; Tsebelis & Garrett's
analysis of the Council). Under unanimity every member is a pivot, so the pivots are the
two most extreme members: any outcome outside the members' range is one they would all
move. The compromise model's weighted mean includes the Commission and the Parliament, so
it can lie outside that range (all members on one side, the institutions on the other).

The rule used here ("compromise in the Council core"): take the compromise model's forecast
and move it to the nearest pivot if it lies outside the core. The pivots come from the
member states that took a position and the Council rule in force when the proposal was
introduced (:mod:`validation.eras`: Amsterdam/Nice weighted votes, double majority);
members without a position join neither side. There is no fitted parameter: the thresholds
are the treaties'. ``unanimity=False`` gives the earlier, QMV-only rule (unanimity issues
left alone), kept so its figures can be reproduced.
"""

from __future__ import annotations

import time

import numpy as np

from validation.deu import DeuIssue
from validation.eras import era_for
from validation.run import Score


def council_core(issue: DeuIssue, unanimity: bool = True) -> tuple[float, float] | None:
    """(left pivot, right pivot) of the issue's Council under its rule; None with fewer than
    two member states positioned, or under unanimity when ``unanimity`` is False (then the
    forecast is left alone)."""
    if issue.rule != "qmv" and not unanimity:
        return None
    era = era_for(issue.intro)
    pos = dict(zip(issue.actors, issue.position, strict=True))
    p = np.array([pos.get(a, np.nan) for a in era.members])
    have = np.isfinite(p)
    if have.sum() < 2:
        return None
    xs = np.unique(p[have])
    lo, hi = float(xs[0]), float(xs[-1])
    if issue.rule != "qmv":  # unanimity: every member is a pivot
        return (lo, hi)
    for x in xs:  # ascending: the last x whose right side still wins is the left pivot
        if era.wins(have & (p >= x)):
            lo = float(x)
    for x in xs[::-1]:
        if era.wins(have & (p <= x)):
            hi = float(x)
    return (min(lo, hi), max(lo, hi))


def qmv_core(issue: DeuIssue) -> tuple[float, float] | None:
    """The pivots under QMV only (None under unanimity): the earlier rule."""
    return council_core(issue, unanimity=False)


def in_core(issue: DeuIssue, forecast: float, unanimity: bool = True) -> float:
    """``forecast`` moved to the nearest pivot when it lies outside the Council's core."""
    core = council_core(issue, unanimity)
    return forecast if core is None else float(np.clip(forecast, *core))


def score_core(issues: list[DeuIssue], base: Score, unanimity: bool = True) -> Score:
    """``base``'s forecasts moved into the Council core (see :func:`in_core`)."""
    t0 = time.perf_counter()
    f = np.array([in_core(i, float(x), unanimity)
                  for i, x in zip(issues, base.forecasts, strict=True)])
    errors = np.abs(f - np.array([i.outcome for i in issues]))
    where = "Council core" if unanimity else "QMV core (unanimity left alone)"
    return Score(f"{base.protocol} in the {where}", base.capability, errors, base.rule,
                 base.procedure, base.seconds + time.perf_counter() - t0, f)

"""Asymmetric Nash bargaining solution with the status quo as disagreement point.

As used in the EU decision-making literature (Achen 2006 in Thomson et al., *The European
Union Decides*; Schneider, Finke & Bailer 2010, "Bargaining power in the European Union",
Political Studies 58(1): 85-103): the outcome maximises the weighted Nash product
``prod_i (u_i(x) - u_i(sq)) ** w_i`` with bargaining weights ``w_i = capability_i *
salience_i``, over the outcomes ``x`` that every actor weakly prefers to the status quo
``sq`` (individual rationality). Utility is quadratic, ``u_i(x) = -(x - x_i)**2``, by default
(``utility="quadratic"``), or linear, ``u_i(x) = -|x - x_i|`` (``utility="linear"``). The
product is maximised in logs on a grid of ``grid`` points per issue; a small floor
(``1e-9`` of the squared scale) keeps actors with zero gain from zeroing the product.
When actors sit on both sides of ``sq`` the individually rational set is ``{sq}`` and the
forecast is the status quo: this is the model's known gridlock property, reported honestly.
Each round actors move ``concession`` of the way towards the solution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean, weighted_median
from model.state import BargainingState


def nash_solution(
    position: np.ndarray, weight: np.ndarray, status_quo: float, lo: float, hi: float,
    *, utility: str = "quadratic", grid: int = 401,
) -> float:
    """The asymmetric Nash bargaining outcome on one issue (positions, weights: (n,))."""
    if utility not in ("quadratic", "linear"):
        raise ValueError(f"nash: utility must be 'quadratic' or 'linear', got {utility!r}")
    xs = np.union1d(np.linspace(lo, hi, grid), np.clip([status_quo], lo, hi))
    p = np.asarray(position, dtype=float)[:, None]
    w = np.asarray(weight, dtype=float)[:, None]
    if utility == "quadratic":
        gain = (status_quo - p) ** 2 - (xs[None, :] - p) ** 2
    else:
        gain = np.abs(status_quo - p) - np.abs(xs[None, :] - p)
    scale = (hi - lo) ** 2 if utility == "quadratic" else (hi - lo)
    tol = 1e-12 * scale
    feasible = (gain >= -tol).all(axis=0)
    if not feasible.any() or w.sum() <= 0:
        return float(status_quo)
    obj = (w * np.log(np.maximum(gain, 0.0) + 1e-9 * scale)).sum(axis=0)
    obj = np.where(feasible, obj, -np.inf)
    best = np.flatnonzero(obj >= obj.max() - 1e-12)
    return float(xs[best].mean())


class Nash(Protocol):
    name = "nash"
    summary = "asymmetric Nash bargaining solution (capability×salience weights, sq = threat)"
    reference = ("Achen (2006) in Thomson et al., The European Union Decides; "
                 "Schneider, Finke & Bailer (2010), Political Studies 58(1): 85-103")

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {"utility": "quadratic", "concession": 0.2, "grid": 401}

    def forecast(self, state: BargainingState) -> np.ndarray:
        w = state.capability[:, None] * state.salience
        return np.array([
            nash_solution(state.position[:, j], w[:, j], float(state.status_quo[j]),
                          float(state.lo[j]), float(state.hi[j]),
                          utility=self.params["utility"], grid=int(self.params["grid"]))
            for j in range(state.m)])

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        target = self.forecast(state)
        state.position += self.params["concession"] * (target[None, :] - state.position)
        return RoundReport(forecast=self.forecast(state), median=weighted_median(state),
                           mean=weighted_mean(state))

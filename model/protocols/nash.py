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

``threat = "worst"`` measures gains from each actor's worst point on the scale instead of
the status quo (a conflict point, so no individual-rationality constraint). The simulation
engine uses it (``model.model.ENGINE_PROTOCOL_DEFAULTS``): there the venues already enforce
the status quo as the reversion point through their votes, and counting it twice would
return the status quo wherever actors sit on both sides of it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from model.io.safeio import MAX_NASH_GRID
from model.protocols.base import (
    STRICT_PARAMS,
    Protocol,
    RoundReport,
    weighted_mean,
    weighted_median,
)
from model.state import BargainingState


class NashParams(BaseModel):
    model_config = STRICT_PARAMS
    utility: Literal["quadratic", "linear"] = "quadratic"
    concession: float = Field(default=0.2, ge=0, le=1)
    grid: int = Field(default=401, ge=3, le=MAX_NASH_GRID)
    threat: Literal["status_quo", "worst"] = "status_quo"


def nash_solution(
    position: np.ndarray, weight: np.ndarray, status_quo: float, lo: float, hi: float,
    *, utility: str = "quadratic", grid: int = 401, threat: str = "status_quo",
) -> float:
    """The asymmetric Nash bargaining outcome on one issue (positions, weights: (n,))."""
    if utility not in ("quadratic", "linear"):
        raise ValueError(f"nash: utility must be 'quadratic' or 'linear', got {utility!r}")
    if threat not in ("status_quo", "worst"):
        raise ValueError(f"nash: threat must be 'status_quo' or 'worst', got {threat!r}")
    xs = np.union1d(np.linspace(lo, hi, grid), np.clip([status_quo], lo, hi))
    p = np.asarray(position, dtype=float)[:, None]
    w = np.asarray(weight, dtype=float)[:, None]
    # the disagreement point: the status quo, or each actor's worst end of the scale
    d = status_quo if threat == "status_quo" else np.where(p - lo > hi - p, lo, hi)
    if utility == "quadratic":
        gain = (d - p) ** 2 - (xs[None, :] - p) ** 2
    else:
        gain = np.abs(d - p) - np.abs(xs[None, :] - p)
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

    Params = NashParams

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        g = int(params.get("grid", 401))
        return float(n) * m * g, float(n) * g, "n·m·grid"

    def forecast(self, state: BargainingState) -> np.ndarray:
        w = state.capability[:, None] * state.salience
        return np.array([
            nash_solution(state.position[:, j], w[:, j], float(state.status_quo[j]),
                          float(state.lo[j]), float(state.hi[j]),
                          utility=self.params["utility"], grid=int(self.params["grid"]),
                          threat=self.params["threat"])
            for j in range(state.m)])

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        target = self.forecast(state)
        state.position += self.params["concession"] * (target[None, :] - state.position)
        return RoundReport(forecast=self.forecast(state), median=weighted_median(state),
                           mean=weighted_mean(state))

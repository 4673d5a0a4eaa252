"""How decoupling fear, competition and US engagement shape ideal points and saliences.

One documented formula (docs/model.md §3), used by the engine, the app and the tests; no
other module adjusts preferences. All inputs are arrays (actors × issues), so a scenario
event or a slider that changes a parameter just re-evaluates :func:`derive_preferences`.

For actor i and issue j (scale 0 = NATO alone leads … 100 = EU alone leads):

    x0_ij  = base position of i's stance group on j (or the actor's own override)
    x1_ij  = x0_ij − δ · r_j · (d_i − ½)                       decoupling fear pulls to NATO
                  + η · r_j · (e_ref − e) · (1 − d_i)          [not the US] hedging when the
                                                               US disengages
    x_ij   = clip(x1_ij, 0, 100) + γ · c_i · t_j · (h_i − clip(x1_ij))   competition pulls to
                                                               the actor's own pole h_i
    s_ij   = clip(s0_ij · (1 + σ_c · c_i · t_j · [h_i set] + σ_d · d_i · r_j), 0, 1)
    US:      s_ij ← s_ij · (½ + ½ e)

with d_i decoupling fear, c_i competition, h_i the pole of i's own institution (0 NATO,
100 EU; unset for actors without turf), r_j the issue's decoupling relevance, t_j its turf
relevance, e the US engagement level. Hence: ∂x/∂d ≤ 0 (more fear, more NATO-led);
|x − h| falls as c rises; s rises with c (for actors with a pole) and with d.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class PreferenceModel:
    """Coefficients of the preference formula (points on the 0–100 scale or factors)."""

    fear_shift: float = 40.0  # δ: shift of an r=1 issue per unit of fear above ½
    hedge_shift: float = 40.0  # η: shift towards the EU per unit of lost US engagement
    engagement_ref: float = 0.8  # e_ref: US engagement at which nobody hedges (2024)
    turf_pull: float = 0.5  # γ: share of the way to the own pole at c = t = 1
    turf_salience: float = 0.5  # σ_c
    fear_salience: float = 0.3  # σ_d

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def derive_preferences(
    base_position: np.ndarray,
    base_salience: np.ndarray,
    decoupling_fear: np.ndarray,
    competition: np.ndarray,
    home_pole: np.ndarray,
    is_us: np.ndarray,
    issue_decoupling: np.ndarray,
    issue_turf: np.ndarray,
    us_engagement: float,
    coef: PreferenceModel = PreferenceModel(),
) -> tuple[np.ndarray, np.ndarray]:
    """Ideal points (n, m) and saliences (n, m) from base values and the parameters.

    ``home_pole`` is (n,) with NaN for actors that have no institution of their own.
    """
    d = np.asarray(decoupling_fear, dtype=float)[:, None]
    c = np.asarray(competition, dtype=float)[:, None]
    h = np.asarray(home_pole, dtype=float)[:, None]
    us = np.asarray(is_us, dtype=bool)[:, None]
    r = np.asarray(issue_decoupling, dtype=float)[None, :]
    t = np.asarray(issue_turf, dtype=float)[None, :]

    x = base_position - coef.fear_shift * r * (d - 0.5)
    hedge = coef.hedge_shift * r * (coef.engagement_ref - us_engagement) * (1.0 - d)
    x = np.clip(x + np.where(us, 0.0, hedge), 0.0, 100.0)
    has_pole = ~np.isnan(h)
    pull = coef.turf_pull * c * t
    x = np.where(has_pole, x + pull * (np.nan_to_num(h) - x), x)

    boost = 1.0 + coef.turf_salience * c * t * has_pole + coef.fear_salience * d * r
    s = np.clip(base_salience * boost, 0.0, 1.0)
    s = np.where(us, s * (0.5 + 0.5 * us_engagement), s)
    return x, s


def capability_index(
    spending: np.ndarray, gdp: np.ndarray, population: np.ndarray,
    institutional_weight: np.ndarray,
    weights: tuple[float, float, float] = (0.6, 0.25, 0.15),
) -> np.ndarray:
    """Capability of each actor: a weighted sum of its shares of defence spending, GDP and
    population among the actors that have them; bureaucracies (NaN data) get their
    ``institutional_weight`` instead. Arrays are (n,), NaN where an actor has no figure."""
    parts = []
    for arr in (spending, gdp, population):
        a = np.nan_to_num(np.asarray(arr, dtype=float))
        tot = a.sum()
        parts.append(a / tot if tot > 0 else a)
    cap = weights[0] * parts[0] + weights[1] * parts[1] + weights[2] * parts[2]
    iw = np.asarray(institutional_weight, dtype=float)
    return np.where(np.isnan(iw), cap, iw)


def us_capability_factor(us_engagement: float) -> float:
    """Share of its capability the US brings to European bargaining at engagement e."""
    return 0.2 + 0.8 * us_engagement

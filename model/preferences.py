"""Coefficients of the actors' decision rules, and the capability index.

The rules themselves are the actor types' own (``agents/``): how a member state, the US, a
bureaucracy, the Parliament or Ukraine forms its ideal roles. This module holds the shared
coefficients they read (one dataclass, so tuning and the docs see one list) and the
capability index that gives states their bargaining influence (docs/model.md §3-4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class PreferenceModel:
    """Coefficients (role points on the 0–100 scale, or factors). Judgements, documented in
    docs/model.md §3 with what each rests on."""

    position_shift: float = 25.0  # ρ: role points per unit of lean on a topic of weight 1
    fear_shift: float = 40.0  # δ: EU role points per unit of fear above ½ at r = 1
    fear_nato_shift: float = 30.0  # δ_N: NATO role points per unit of fear above ½
    hedge_shift: float = 60.0  # η: EU role points per unit of lost US engagement
    engagement_ref: float = 0.8  # e_ref: US engagement at which nobody hedges (2024)
    turf_shift: float = 20.0  # γ: EU role points at competition = turf = stake = 1
    stake_floor: float = 0.25  # k₀: a state with no arms industry still has some stake
    turf_pull: float = 0.3  # β: a bureaucracy's share of the way to its pole at c = t = 1
    turf_salience: float = 0.5  # σ_c: salience boost from competition on turf issues
    fear_salience: float = 0.3  # σ_d: salience boost from fear on decoupling issues
    leverage: float = 0.6  # λ: US leverage, share of the way to the US ideal at e=d=r=s=1

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


#: voice of an actor on a role it has no seat for (a non-member lobbying the EU, an EU-only
#: state on NATO business): a judgement, docs/model.md §4
OUTSIDE_VOICE = 0.3
#: the US's capability at the table as a multiple of the largest European ally's, before
#: engagement scaling: a judgement (one voice in the NAC; its weight comes as leverage)
US_WEIGHT = 1.5


def capability_index(
    spending: np.ndarray, gdp: np.ndarray, population: np.ndarray,
    institutional_weight: np.ndarray, include: np.ndarray | None = None,
    weights: tuple[float, float, float] = (0.6, 0.25, 0.15),
) -> np.ndarray:
    """Capability of each actor: a weighted sum of its shares of defence spending, GDP and
    population among the ``include``d actors that have them (default: all); actors with an
    ``institutional_weight`` (bureaucracies, judgement) get it instead. Arrays are (n,), NaN
    where an actor has no figure."""
    inc = np.ones(len(spending), bool) if include is None else np.asarray(include, bool)
    parts = []
    for arr in (spending, gdp, population):
        a = np.nan_to_num(np.asarray(arr, dtype=float))
        tot = a[inc].sum()
        parts.append(a / tot if tot > 0 else a)
    cap = weights[0] * parts[0] + weights[1] * parts[1] + weights[2] * parts[2]
    iw = np.asarray(institutional_weight, dtype=float)
    return np.where(np.isnan(iw), cap, iw)


def us_capability_factor(us_engagement: float) -> float:
    """Share of its capability the US brings to European bargaining at engagement e."""
    return 0.2 + 0.8 * us_engagement

"""The run summary: what was agreed, by whom, how fast, and at what cost.

Indices (docs/model.md §6):
- label: NATO-led below 35, joint 35–65, EU-led above 65 on the 0–100 scale.
- utility of actor i: Σ_j s_ij (1 − |ideal_ij − x_j| / 100) / Σ_j s_ij, with x_j the agreed
  outcome or, on a deadlock, the status quo. A bloc's utility is its capability-weighted mean.
- duplication (per issue): the capability×salience weighted share of demand that the
  arrangement leaves more than τ = 25 points from an actor's ideal, scaled to [0, 1]; those
  actors are the ones likely to build parallel structures (duplication of effort).
- gap (per issue): 1 on a deadlock (no agreed arrangement: an asset gap); otherwise the NATO
  share of the arrangement (1 − x/100) times the US assets it can no longer count on,
  (1 − e) × the US share of allied capability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from model import coalitions
from model.rules import JOINT_BAND

if TYPE_CHECKING:
    from model.model import EuNatoModel

DUPLICATION_TAU = 25.0


def label(x: float) -> str:
    if np.isnan(x):
        return "deadlock"
    if x < JOINT_BAND[0]:
        return "NATO-led"
    if x > JOINT_BAND[1]:
        return "EU-led"
    return "joint"


def realised(model: EuNatoModel) -> np.ndarray:
    """(m,) the arrangement in force at the end: agreed outcome, else the status quo."""
    return np.where(np.isnan(model.outcome), model.state.status_quo, model.outcome)


def utilities(model: EuNatoModel) -> np.ndarray:
    st = model.state
    x = realised(model)
    s = st.salience
    return (s * (1 - np.abs(st.ideal - x[None, :]) / st.width[None, :])).sum(axis=1) / (
        np.maximum(s.sum(axis=1), 1e-12))


def duplication_gap(model: EuNatoModel) -> tuple[np.ndarray, np.ndarray]:
    st = model.state
    x = realised(model)
    w = st.capability[:, None] * st.salience
    far = np.maximum(np.abs(st.ideal - x[None, :]) - DUPLICATION_TAU, 0) / (100 - DUPLICATION_TAU)
    dup = (w * far).sum(axis=0) / np.maximum(w.sum(axis=0), 1e-12)
    nato = model.houses.nato
    us_share = float(st.capability[model.world.is_us & nato].sum()
                     / max(st.capability[nato].sum(), 1e-12))
    gap = (1 - x / 100) * (1 - model.world.us_engagement) * us_share
    gap = np.where(np.isnan(model.outcome), 1.0, gap)
    return dup, gap


def partition_stability(model: EuNatoModel) -> float:
    """Mean Rand index of consecutive partitions: the share of actor pairs whose
    together/apart status did not change from one round to the next (1 = nobody moved)."""
    parts = model.partitions
    if len(parts) < 2:
        return 1.0
    n = len(parts[0])
    iu = np.triu_indices(n, 1)
    together = [(p[:, None] == p[None, :])[iu] for p in parts]
    return float(np.mean([(a == b).mean() for a, b in zip(together[:-1], together[1:],
                                                          strict=True)]))


def summarize(model: EuNatoModel) -> dict[str, Any]:
    st = model.state
    dup, gap = duplication_gap(model)
    util = utilities(model)
    blocs = model.world.blocs
    issues = []
    for j, rec in enumerate(model.world.issues):
        agreed = model.settled_round[j] >= 0
        issues.append({
            "issue": rec.id, "name": rec.name, "pillar": rec.pillar,
            "status": "agreed" if agreed else "deadlock",
            "outcome": round(float(model.outcome[j]), 2) if agreed else None,
            "division_of_labour": label(float(model.outcome[j])),
            "round": int(model.settled_round[j]) if agreed else None,
            "status_quo": float(st.status_quo[j]),
            "forecast": round(float(model.forecast[j]), 2),
            "eu_rule": model.houses.eu_rule[j],
            "vetoed_by": [] if agreed else list(model.vetoers[j]),
            "duplication": round(float(dup[j]), 4), "gap": round(float(gap[j]), 4),
        })
    agreed_rounds = [i["round"] for i in issues if i["round"] is not None]
    bloc_util = {}
    for b in sorted(set(blocs)):
        mask = blocs == b
        w = st.capability[mask]
        bloc_util[b] = round(float(np.average(util[mask], weights=w if w.sum() > 0 else None)),
                             4)
    coal = coalitions.describe(st, model.houses)
    return {
        "scenario": model.spec.name,
        "protocol": model.protocol_name,
        "seed": None if model.seed is None else int(model.seed),
        "rounds_run": int(model.steps),
        "max_rounds": model.max_rounds,
        "issues": issues,
        "agreed": sum(i["status"] == "agreed" for i in issues),
        "deadlocks": sum(i["status"] == "deadlock" for i in issues),
        "rounds_to_agreement": max(agreed_rounds) if len(agreed_rounds) == len(issues) else None,
        "coalitions": {
            "count": len(coal),
            "stability": round(partition_stability(model), 4),
            "final": coal,
        },
        "utility": {a: round(float(u), 4) for a, u in zip(st.actor_ids, util, strict=True)},
        "bloc_utility": bloc_util,
        "duplication_index": round(float(dup.mean()), 4),
        "gap_index": round(float(gap.mean()), 4),
        "us_engagement": model.world.us_engagement,
        "participation_blockage": model.world.participation_blockage,
    }

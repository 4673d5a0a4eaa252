"""Coalition formation: actors join or leave coalitions when coordinating pays.

Each round a random share (``activity``) of actors reconsiders where it stands. For actor i
and coalition K (every current coalition, or going alone):

    dist_iK  = Σ_j s_ij |ideal_ij − X_Kj| / w_j  /  Σ_j s_ij      (cost of moving to K's line)
    pooled_K = (C_K + c_i · [i ∉ K]) / C                           (share of all capability)
    U_i(K)   = β · pooled_K · (θ − dist_iK)

where X_K is K's capability×salience weighted position and θ the alignment threshold: pooling
capability pays only with partners within θ of one's own ideal (on average, salience-weighted),
and pays more the more capability they bring. Going alone is worth β · (c_i / C) · θ. An actor
moves to its best option if it beats its current one by ``margin`` (hysteresis against
flip-flopping). Coalitions then act together: members move ``cohesion`` of the way towards
X_K before the protocol's round. A coalition's label is the index of its most capable member,
so it keeps its name (and colour in the app) while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.rules import Houses, can_block_qmv
from model.state import BargainingState


@dataclass(frozen=True)
class CoalitionRule:
    benefit: float = 1.0  # β
    threshold: float = 0.15  # θ, as a share of the scale
    margin: float = 0.002
    activity: float = 0.3
    cohesion: float = 0.25


def relabel(labels: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Name each coalition by its most capable member's index (ties: lowest index)."""
    labels = np.asarray(labels)
    out = np.empty_like(labels)
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        out[members] = members[np.argmax(capability[members])]
    return out


def coalition_positions(state: BargainingState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels K,), X (K, m) weighted positions, C (K,) pooled capability."""
    labs, inv = np.unique(state.coalition, return_inverse=True)
    w = state.capability[:, None] * state.salience + 1e-12
    num = np.zeros((len(labs), state.m))
    den = np.zeros((len(labs), state.m))
    np.add.at(num, inv, w * state.position)
    np.add.at(den, inv, w)
    cap = np.bincount(inv, weights=state.capability, minlength=len(labs))
    return labs, num / den, cap


def _distances(state: BargainingState, X: np.ndarray, chunk: int = 256) -> np.ndarray:
    """(n, K) salience-weighted mean distance of each actor's ideal to each coalition."""
    n = state.n
    s = state.salience
    ssum = np.maximum(s.sum(axis=1), 1e-12)
    out = np.empty((n, X.shape[0]))
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        diff = np.abs(state.ideal[a:b, None, :] - X[None, :, :]) / state.width[None, None, :]
        out[a:b] = (diff * s[a:b, None, :]).sum(axis=2) / ssum[a:b, None]
    return out


def update(state: BargainingState, rng: np.random.Generator, rule: CoalitionRule) -> int:
    """One round of coalition moves; updates ``state.coalition``; returns how many moved."""
    labs, X, C = coalition_positions(state)
    total = max(state.capability.sum(), 1e-12)
    inv = np.searchsorted(labs, state.coalition)
    dist = _distances(state, X)
    member = np.zeros((state.n, len(labs)), dtype=bool)
    member[np.arange(state.n), inv] = True
    pooled = (C[None, :] + np.where(member, 0.0, state.capability[:, None])) / total
    payoff = rule.benefit * pooled * (rule.threshold - dist)
    alone = rule.benefit * state.capability / total * rule.threshold
    current = payoff[np.arange(state.n), inv]
    # a singleton's "current" option is going alone
    size = np.bincount(inv, minlength=len(labs))
    current = np.where(size[inv] == 1, alone, current)
    payoff[np.arange(state.n), inv] = -np.inf  # staying is `current`
    best = np.argmax(payoff, axis=1)
    best_val = payoff[np.arange(state.n), best]
    active = rng.random(state.n) < rule.activity
    join = active & (best_val > np.maximum(current, alone) + rule.margin)
    leave = active & ~join & (size[inv] > 1) & (alone > current + rule.margin)
    new = state.coalition.copy()
    new[join] = labs[best[join]]
    # leaving: a fresh label (own index may be the coalition's name, so offset, then relabel)
    new[leave] = state.n + np.flatnonzero(leave)
    state.coalition = relabel(new, state.capability)
    return int(join.sum() + leave.sum())


def coordinate(state: BargainingState, rule: CoalitionRule) -> None:
    """Coalition members move ``cohesion`` of the way towards their coalition's position."""
    labs, X, _ = coalition_positions(state)
    inv = np.searchsorted(labs, state.coalition)
    size = np.bincount(inv, minlength=len(labs))
    pull = np.where(size[inv] > 1, rule.cohesion, 0.0)[:, None]
    state.position += pull * (X[inv] - state.position)


def describe(state: BargainingState, houses: Houses) -> list[dict]:
    """Coalitions of two or more: members, pooled capability, position, blocking power."""
    labs, X, C = coalition_positions(state)
    out = []
    for k, lab in enumerate(labs):
        members = state.coalition == lab
        if members.sum() < 2:
            continue
        out.append({
            "label": state.actor_ids[int(lab)],
            "members": [a for a, x in zip(state.actor_ids, members, strict=True) if x],
            "capability": float(C[k]),
            "position": [float(v) for v in X[k]],
            "can_block_nato": bool((members & houses.nato & state.voting).any()),
            "can_block_eu_unanimity": bool((members & houses.eu & state.voting).any()),
            "can_block_eu_qmv": can_block_qmv(members & state.voting, houses.eu,
                                              houses.population),
        })
    out.sort(key=lambda c: -c["capability"])
    return out

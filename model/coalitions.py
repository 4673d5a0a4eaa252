"""Coalition formation: actors join or leave coalitions when coordinating pays.

Each round a random share (``activity``) of actors reconsiders where it stands. For actor i
and coalition K (every current coalition, or going alone):

    dist_iK  = Σ_j s_ij |ideal_ij − X_Kj| / w_j  /  Σ_j s_ij      (cost of moving to K's line)
    pooled_K = (C_K + c_i · [i ∉ K]) / C                           (share of all capability)
    U_i(K)   = β · pooled_K · (θ − dist_iK)

where X_K is K's capability×salience weighted position and θ the alignment threshold: pooling
capability pays only with partners within θ of one's own ideal (on average, salience-weighted),
and pays more the more capability they bring. Going alone is worth β · (c_i / C) · θ. An actor
moves to its best option if it beats its current one by ``margin`` × its value of going
alone (hysteresis against flip-flopping). Coalitions then act together: members move
``cohesion`` of the way towards X_K before the protocol's round. A coalition's label is the
index of its most capable member, so it keeps its name (and colour in the app) while it lasts.
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
    margin: float = 0.25  # hysteresis, as a share of the mover's value of going alone
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


def update(state: BargainingState, rng: np.random.Generator, rule: CoalitionRule) -> int:
    """One round of coalition moves; updates ``state.coalition``; returns how many moved.

    Active actors move one at a time in a random order (from ``rng``), each seeing the
    coalitions as the previous movers left them: simultaneous moves would let two
    singletons swap places forever instead of meeting."""
    n, m = state.n, state.m
    total = max(state.capability.sum(), 1e-12)
    w = state.capability[:, None] * state.salience + 1e-12
    lab = state.coalition.copy()
    # running sums per coalition slot (slots are actor indices)
    num = np.zeros((n, m))
    den = np.zeros((n, m))
    np.add.at(num, lab, w * state.position)
    np.add.at(den, lab, w)
    cap = np.bincount(lab, weights=state.capability, minlength=n)
    size = np.bincount(lab, minlength=n)
    s = state.salience
    ssum = np.maximum(s.sum(axis=1), 1e-12)
    moved = 0
    for i in rng.permutation(np.flatnonzero(rng.random(n) < rule.activity)):
        cur = lab[i]
        # take i out, then value every coalition as the others form it
        num[cur] -= w[i] * state.position[i]
        den[cur] -= w[i]
        cap[cur] -= state.capability[i]
        size[cur] -= 1
        slots = np.flatnonzero(size > 0)
        X = num[slots] / np.maximum(den[slots], 1e-300)
        dist = (np.abs(state.ideal[i] - X) / state.width * s[i]).sum(axis=1) / ssum[i]
        pay = rule.benefit * (cap[slots] + state.capability[i]) / total * (rule.threshold - dist)
        alone = rule.benefit * state.capability[i] / total * rule.threshold
        here = np.flatnonzero(slots == cur)
        current = pay[here[0]] if here.size else alone
        best = int(np.argmax(pay)) if slots.size else -1
        target = cur
        margin = rule.margin * alone
        if best >= 0 and slots[best] != cur and pay[best] > max(current, alone) + margin:
            target = slots[best]
        elif here.size and alone > current + margin:
            target = int(np.flatnonzero(size == 0)[0])  # a free slot: go alone
        num[target] += w[i] * state.position[i]
        den[target] += w[i]
        cap[target] += state.capability[i]
        size[target] += 1
        if target != cur:
            lab[i] = target
            moved += 1
    state.coalition = relabel(lab, state.capability)
    return moved


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

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
``cohesion`` of the way towards X_K before the protocol's round, and vote together in the
houses (model/venues.py). Coalitions form per pillar, on that pillar's EU and NATO roles. A
coalition's label is the index of its most capable member, so it keeps its name (and colour
in the app) while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.venues import Electorate, qmv


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
    # sort by (label, −capability, index): each label's first row is its most capable
    # member (ties: the lowest index), as argmax over the members would pick
    order = np.lexsort((np.arange(labels.size), -capability, labels))
    lab = labels[order]
    first = np.r_[True, lab[1:] != lab[:-1]]
    leader = order[first][np.cumsum(first) - 1]
    out = np.empty_like(labels)
    out[order] = leader
    return out


def coalition_positions(
    labels: np.ndarray, position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels K,), X (K, k) weighted positions, C (K,) pooled capability."""
    labs, inv = np.unique(labels, return_inverse=True)
    w = capability[:, None] * salience + 1e-12
    num = np.zeros((len(labs), position.shape[1]))
    den = np.zeros((len(labs), position.shape[1]))
    np.add.at(num, inv, w * position)
    np.add.at(den, inv, w)
    cap = np.bincount(inv, weights=capability, minlength=len(labs))
    return labs, num / den, cap


def update(
    labels: np.ndarray, position: np.ndarray, ideal: np.ndarray, salience: np.ndarray,
    capability: np.ndarray, rng: np.random.Generator, rule: CoalitionRule,
    width: float = 100.0,
) -> tuple[np.ndarray, int]:
    """One round of coalition moves over the columns given (one pillar's roles); returns
    the new labels and how many moved.

    Active actors move one at a time in a random order (from ``rng``), each seeing the
    coalitions as the previous movers left them: simultaneous moves would let two
    singletons swap places forever instead of meeting."""
    n, m = position.shape
    total = max(capability.sum(), 1e-12)
    w = capability[:, None] * salience + 1e-12
    wp = w * position
    lab = labels.copy()
    # running sums per coalition slot (slots are actor indices), side by side in one array
    # so that a move is two row updates: [Σ w·x (m) | Σ w (m) | capability | members]
    acc = np.zeros((n, 2 * m + 2))
    np.add.at(acc[:, :m], lab, wp)
    np.add.at(acc[:, m:2 * m], lab, w)
    acc[:, 2 * m] = np.bincount(lab, weights=capability, minlength=n)
    acc[:, 2 * m + 1] = np.bincount(lab, minlength=n)
    row = np.hstack([wp, w, capability[:, None], np.ones((n, 1))])  # what actor i adds
    s = salience
    ssum = np.maximum(s.sum(axis=1), 1e-12)
    # Every slot is valued, empty ones then ruled out: the values of the occupied slots
    # are the same numbers as when only they are valued, with fewer NumPy calls.
    movers = rng.permutation(np.flatnonzero(rng.random(n) < rule.activity)).tolist()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # empty slots
        moved = _moves(movers, lab, acc, row, ideal, s, ssum, capability, total, width, rule)
    return relabel(lab, capability), moved


def _moves(movers: list[int], lab: np.ndarray, acc: np.ndarray, row: np.ndarray,
           ideal: np.ndarray, s: np.ndarray, ssum: np.ndarray, capability: np.ndarray,
           total: float, width: float, rule: CoalitionRule) -> int:
    """The sequential moves of :func:`update` (labels and running sums changed in place)."""
    moved = 0
    n, m = len(lab), s.shape[1]
    num, den, cap, size = acc[:, :m], acc[:, m:2 * m], acc[:, 2 * m], acc[:, 2 * m + 1]
    for i in movers:
        cur = lab[i]
        acc[cur] -= row[i]  # take i out, then value every coalition as the others form it
        X = num / np.maximum(den, 1e-300)
        dist = (np.abs(ideal[i] - X) / width * s[i]).sum(axis=1) / ssum[i]
        pay = rule.benefit * (cap + capability[i]) / total * (rule.threshold - dist)
        alone = rule.benefit * capability[i] / total * rule.threshold
        here = size[cur] > 0
        current = pay[cur] if here else alone
        target = cur
        margin = rule.margin * alone
        if n > 1:  # someone else is in some slot
            pay[size <= 0] = -np.inf
            best = int(np.argmax(pay))
            if best != cur and pay[best] > max(current, alone) + margin:
                target = best
            elif here and alone > current + margin:
                target = int(np.argmin(size > 0))  # the first free slot: go alone
        acc[target] += row[i]
        if target != cur:
            lab[i] = target
            moved += 1
    return moved


def coordinate(
    labels: np.ndarray, position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
    rule: CoalitionRule,
) -> np.ndarray:
    """(n, k) the move of each member ``cohesion`` of the way towards its coalition's
    position (zero for singletons)."""
    labs, X, _ = coalition_positions(labels, position, salience, capability)
    inv = np.searchsorted(labs, labels)
    size = np.bincount(inv, minlength=len(labs))
    pull = np.where(size[inv] > 1, rule.cohesion, 0.0)[:, None]
    return pull * (X[inv] - position)


def describe(labels: np.ndarray, actor_ids: list[str], capability: np.ndarray,
             position: np.ndarray, salience: np.ndarray, el: Electorate) -> list[dict]:
    """Coalitions of two or more: members, pooled capability, position, blocking power."""
    labs, X, C = coalition_positions(labels, position, salience, capability)
    out = []
    for k, lab in enumerate(labs):
        members = labels == lab
        if members.sum() < 2:
            continue
        out.append({
            "label": actor_ids[int(lab)],
            "members": [a for a, x in zip(actor_ids, members, strict=True) if x],
            "capability": float(C[k]),
            "position": [round(float(v), 2) for v in X[k]],
            "can_block_nato": bool((members & el.nato).any()),
            "can_block_eu_unanimity": bool((members & el.eu).any()),
            "can_block_eu_qmv": bool(not qmv((el.eu & ~members)[:, None], el.eu,
                                              el.population)[0]),
        })
    out.sort(key=lambda c: (-c["capability"], c["label"]))
    return out


def co_membership(partitions: np.ndarray, groups: dict[str, list[int]]) -> dict[str, float]:
    """The stated measure of docs/model.md §5: for each real format (a list of rows), the
    share of its member pairs that sit in the same coalition, averaged over ``partitions``
    (R, n) label arrays; ``"all pairs"`` gives the base rate over every pair."""
    parts = np.atleast_2d(partitions)
    out = {}
    n = parts.shape[1]
    for name, rows in {**groups, "all pairs": list(range(n))}.items():
        rows = np.asarray(rows)
        if rows.size < 2:
            continue
        iu = np.triu_indices(rows.size, 1)
        same = [(p[rows][:, None] == p[rows][None, :])[iu].mean() for p in parts]
        out[name] = float(np.mean(same))
    return out

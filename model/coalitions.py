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
    width: float = 100.0, canonical: bool = False,
) -> tuple[np.ndarray, int]:
    """One round of coalition moves over the columns given (one pillar's roles); returns
    the new labels and how many moved. ``canonical``: the labels are already named by
    :func:`relabel` with this capability (then, if nobody moves, they are returned as
    they are).

    Active actors move one at a time in a random order (from ``rng``), each seeing the
    coalitions as the previous movers left them: simultaneous moves would let two
    singletons swap places forever instead of meeting. A mover values each coalition as
    the others form it: each coalition's sums over its members in index order, computed
    afresh (a value depends on the labels only, not on the history of moves), and the
    mover's own coalition's less the mover's share.

    The order is kept without a loop over movers: every remaining mover's choice is valued
    at once against the current labels; the movers before the first one that moves did
    not change the labels, so their choices stand, and the valuing starts again after the
    one that moved. Most rounds need one pass (few actors move once coalitions settle);
    the result is the sequential rule's exactly (tests/test_speed_equivalence.py)."""
    n, m = position.shape
    total = max(capability.sum(), 1e-12)
    w = capability[:, None] * salience + 1e-12
    # what each actor adds to a coalition's sums: [w·x (m) | w (m) | capability | 1]
    row = np.hstack([w * position, w, capability[:, None], np.ones((n, 1))])
    ssum = np.maximum(salience.sum(axis=1), 1e-12)
    lab = np.array(labels, copy=True)
    pending = rng.permutation(np.flatnonzero(rng.random(n) < rule.activity))
    moved = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # empty slots
        while pending.size:
            target = _targets(lab, pending, row, ideal, salience, ssum, capability, total,
                              width, rule)
            change = np.flatnonzero(target != lab[pending])
            if not change.size:
                break
            q = int(change[0])
            lab[pending[q]] = target[q]
            moved += 1
            pending = pending[q + 1:]
    if canonical and not moved:
        return lab, 0
    return relabel(lab, capability), moved


def _sums(keys: np.ndarray, rows: np.ndarray, bins: int) -> np.ndarray:
    """(bins, width) the rows added up per key, in index order (bincount's order)."""
    width = rows.shape[1]
    flat = (keys[:, None] * width + np.arange(width)).ravel()
    return np.bincount(flat, rows.ravel(), bins * width).reshape(bins, width)


def _targets(lab: np.ndarray, movers: np.ndarray, row: np.ndarray, ideal: np.ndarray,
             s: np.ndarray, ssum: np.ndarray, capability: np.ndarray, total: float,
             width: float, rule: CoalitionRule) -> np.ndarray:
    """(k,) where each of ``movers`` would go, each valuing the coalitions of ``lab`` with
    itself taken out (a move of one mover, the others staying where they are)."""
    n, m = ideal.shape
    k = len(movers)
    r = np.arange(k)
    cur = lab[movers]
    acc = _sums(lab, row, n)  # every slot with its members (the movers' own included)
    held = acc[:, 2 * m + 1] > 0
    occ = np.flatnonzero(held)  # only held slots can be joined (a handful once settled)
    at = np.searchsorted(occ, cur)  # each mover's own slot among them
    own = acc[cur] - row[movers]  # each mover's own slot without it
    cap = np.repeat(acc[None, occ, 2 * m], k, axis=0)
    size = np.repeat(acc[None, occ, 2 * m + 1], k, axis=0)
    cap[r, at], size[r, at] = own[:, 2 * m], own[:, 2 * m + 1]
    im, sm = ideal[movers], s[movers]
    X = acc[occ, :m] / np.maximum(acc[occ, m:2 * m], 1e-300)
    dist = (np.abs(im[:, None, :] - X[None]) / width * sm[:, None, :]).sum(axis=2)
    Xo = own[:, :m] / np.maximum(own[:, m:2 * m], 1e-300)
    dist[r, at] = (np.abs(im - Xo) / width * sm).sum(axis=1)
    dist /= ssum[movers][:, None]
    ci = capability[movers]
    pay = rule.benefit * (cap + ci[:, None]) / total * (rule.threshold - dist)
    alone = rule.benefit * ci / total * rule.threshold
    here = size[r, at] > 0
    current = np.where(here, pay[r, at], alone)
    if n == 1:  # nobody else: nowhere to go
        return cur
    margin = rule.margin * alone
    pay[size <= 0] = -np.inf
    pick = np.argmax(pay, axis=1)  # the first best held slot, as over every slot
    best = occ[pick]
    join = (best != cur) & (pay[r, pick] > np.maximum(current, alone) + margin)
    leave = ~join & here & (alone > current + margin)
    # going alone: the first free slot (one is, as a leaver shares its own with others)
    return np.where(join, best, np.where(leave, np.argmin(held), cur))


def coordinate(
    labels: np.ndarray, position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
    rule: CoalitionRule,
) -> np.ndarray:
    """(n, k) the move of each member ``cohesion`` of the way towards its coalition's
    position (zero for singletons). ``labels`` is (n,), or (n, k): each column's own (every
    pillar's columns at once); a coalition's position is its members' weighted mean, added
    up in index order as :func:`coalition_positions` does."""
    n, k = position.shape
    lab = np.broadcast_to(labels.reshape(n, -1), (n, k))
    w = capability[:, None] * salience + 1e-12
    keys = (lab * k + np.arange(k)).ravel()
    num = np.bincount(keys, (w * position).ravel(), n * k)
    den = np.bincount(keys, w.ravel(), n * k)
    size = np.bincount(keys, None, n * k)
    at = keys.reshape(n, k)
    with np.errstate(invalid="ignore", divide="ignore"):  # labels nobody holds
        X = num / den
    return np.where(size[at] > 1, rule.cohesion, 0.0) * (X[at] - position)


def changes(old: np.ndarray, new: np.ndarray, ids: list[str]) -> list[str]:
    """The coalitions (of two or more) whose members changed from ``old`` to ``new``
    labels, as ``"LEADER+ = A, B, …"`` lines for the model's log."""
    changed = old != new
    if not changed.any():
        return []
    size = np.bincount(new, minlength=len(new))
    out = []
    # a coalition's members changed iff someone left or joined its label
    for lab in np.unique(np.concatenate([new[changed], old[changed]])).tolist():
        if size[lab] >= 2:
            mem = np.flatnonzero(new == lab).tolist()
            out.append(f"{ids[lab]}+ = {', '.join(ids[i] for i in mem)}")
    return out


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

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
houses (model/institutions/venues.py). Coalitions form per pillar, on that pillar's EU and
NATO roles. A
coalition's label is the index of its most capable member, so it keeps its name (and colour
in the app) while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.institutions.venues import Electorate, qmv


@dataclass(frozen=True)
class CoalitionRule:
    benefit: float = 1.0  # β
    threshold: float = 0.15  # θ, as a share of the scale
    margin: float = 0.25  # hysteresis, as a share of the mover's value of going alone
    activity: float = 0.3
    cohesion: float = 0.25


def relabel(labels: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Name each coalition by its most capable member's index (ties: lowest index)."""
    return relabel_many(np.asarray(labels)[None], np.asarray(capability)[None])[0]


def relabel_many(labels: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """:func:`relabel` of R replicates at once: ``labels`` and ``capability`` are (R, n)."""
    r, n = labels.shape
    rep = np.repeat(np.arange(r), n)
    key = rep * n + labels.ravel()  # a coalition is a label within its replicate
    # sort by (replicate, label, −capability, index): each coalition's first row is its
    # most capable member (ties: the lowest index), as argmax over the members would pick
    order = np.lexsort((np.tile(np.arange(n), r), -capability.ravel(), key))
    k = key[order]
    first = np.r_[True, k[1:] != k[:-1]]
    leader = order[first][np.cumsum(first) - 1] % n
    out = np.empty(r * n, dtype=labels.dtype)
    out[order] = leader
    return out.reshape(r, n)


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
    width: float = 100.0, canonical: bool = False, stay: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """One round of coalition moves over the columns given (one pillar's roles); returns
    the new labels and how many moved. ``canonical``: the labels are already named by
    :func:`relabel` with this capability (then, if nobody moves, they are returned as
    they are). ``stay``: (n,) memory of who was valued as staying (see
    :func:`update_many`). The rule is :func:`update_many`'s, for one replicate."""
    lab, moved = update_many(np.asarray(labels)[None], position[None], ideal[None],
                             salience[None], np.asarray(capability)[None], [rng], rule,
                             width, np.array([canonical]),
                             stay=None if stay is None else stay.reshape(1, -1))
    return lab[0], int(moved[0])


def update_many(
    labels: np.ndarray, position: np.ndarray, ideal: np.ndarray, salience: np.ndarray,
    capability: np.ndarray, rngs: list[np.random.Generator], rule: CoalitionRule,
    width: float = 100.0, canonical: np.ndarray | None = None,
    terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    stay: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One round of coalition moves in R independent replicates at once (the ensemble
    engine; one replicate is :func:`update`): ``labels`` (R, n), ``position``, ``ideal``,
    ``salience`` (R, n, k), ``capability`` (R, n), one generator per replicate, ``canonical``
    (R,), ``terms`` :func:`valuation_terms` of these arrays if already at hand (they
    change only when preferences do). Returns the (R, n) labels and (R,) how many moved.

    ``stay`` (R, n), kept by the caller from round to round and cleared when preferences
    change: which actors were valued as staying under the replicate's current labels. A
    valuation depends only on the labels and the preferences, so such an actor stays
    again without being valued anew; the memory of a replicate is dropped whenever its
    labels change. Once coalitions settle most movers are known stayers.

    Active actors move one at a time in a random order (from each replicate's generator),
    each seeing the coalitions as the previous movers left them: simultaneous moves would
    let two singletons swap places forever instead of meeting. A mover values each
    coalition as the others form it: each coalition's sums over its members in index
    order, computed afresh (a value depends on the labels only, not on the history of
    moves), and the mover's own coalition's less the mover's share.

    The order is kept without a loop over movers: every remaining mover's choice is valued
    at once against the current labels; the movers before the first one that moves did
    not change the labels, so their choices stand, and the valuing starts again after the
    one that moved. Each replicate's sums and reductions run over the same axes in the
    same order whatever R is, so a replicate's result is the same alone or in an ensemble
    (tests/test_ensemble.py), and the sequential rule's exactly
    (tests/test_speed_equivalence.py)."""
    r_all, n, m = position.shape
    row, ssum, total = terms if terms is not None else valuation_terms(position, salience,
                                                                        capability)
    lab = np.array(labels, copy=True)
    queues = [_active(rng, n, rule.activity) for rng in rngs]
    length = np.array([q.size for q in queues])
    slot = np.arange(max(length.max(initial=0), 1))
    pending = np.full((r_all, slot.size), -1)
    pending[slot < length[:, None]] = np.concatenate(queues)  # row by row, in order
    start = np.zeros(r_all, int)
    moved = np.zeros(r_all, int)
    live = length > 0
    if stay is not None:
        # a replicate whose movers all are known stayers moves nobody: no valuing at all
        live &= ~np.where(pending >= 0, stay[np.arange(r_all)[:, None], pending], True).all(1)
    live = np.flatnonzero(live)
    val = _Valuation(lab, live, row, ideal, salience, ssum, capability, total, width, rule,
                     slot.size) if live.size else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # empty slots
        while live.size:
            rr, qq = np.nonzero((slot >= start[live, None]) & (slot < length[live, None]))
            reps = live[rr]
            movers = pending[reps, qq]
            cur = lab[reps, movers]
            ask = np.ones(reps.size, bool) if stay is None else ~stay[reps, movers]
            new = ask & ~val.valued[reps, qq]  # known stayers are not valued again
            if new.any():
                val.value(reps[new], qq[new], movers[new], cur[new])
            target = cur.copy()
            if ask.any():
                target[ask] = val.decide(reps[ask], qq[ask], movers[ask], cur[ask])
            change = np.flatnonzero(target != cur)
            # each replicate's first mover that moves (np.nonzero's order: by replicate)
            rc = reps[change]
            pick = change[np.r_[True, rc[1:] != rc[:-1]]] if change.size else change
            who = reps[pick]
            if stay is not None:
                # a replicate where nobody moved: everyone valued now stays, under labels
                # that hold; where someone moved, the labels change
                now = np.zeros(r_all, bool)
                now[who] = True
                quiet = ~now[reps]
                stay[reps[quiet], movers[quiet]] = True
                stay[who] = False
            lab[who, movers[pick]] = target[pick]
            moved[who] += 1
            start[who] = qq[pick] + 1
            live = who[start[who] < length[who]]
            if live.size:
                # the move changed two coalitions (left and joined): the movers still to
                # come value those two anew, the others as they did
                val.moved(lab, who, cur[pick], target[pick], start, length, pending)
    keep = np.zeros(r_all, bool) if canonical is None else canonical & (moved == 0)
    if keep.all():
        return lab, moved
    out = np.where(keep[:, None], lab, relabel_many(lab, capability))
    if stay is not None:  # renamed labels: what was learnt names other slots
        stay[(out != lab).any(axis=1)] = False
    return out, moved


def _active(rng: np.random.Generator, n: int, activity: float) -> np.ndarray:
    """Who reconsiders this round, in the order they move: ``rng.permutation`` of the
    active, shuffled in place (the same draws, without permutation's copy)."""
    active = np.nonzero(rng.random(n) < activity)[0]
    rng.shuffle(active)
    return active


def valuation_terms(position: np.ndarray, salience: np.ndarray, capability: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`update_many` values coalitions with: per actor what it adds to a
    coalition's sums, [w·x (k) | w (k) | capability | 1] (R, n, 2k + 2) with w its
    capability × salience; its salience total (R, n); the capability total (R,)."""
    r_all, n, _ = position.shape
    w = capability[:, :, None] * salience + 1e-12
    row = np.concatenate([w * position, w, capability[:, :, None], np.ones((r_all, n, 1))],
                         axis=2)
    return (row, np.maximum(salience.sum(axis=2), 1e-12),
            np.maximum(capability.sum(axis=1), 1e-12))


def _sums(keys: np.ndarray, rows: np.ndarray, bins: int) -> np.ndarray:
    """(bins, width) the rows added up per key, in index order (bincount's order)."""
    width = rows.shape[1]
    flat = (keys[:, None] * width + np.arange(width)).ravel()
    return np.bincount(flat, rows.ravel(), bins * width).reshape(bins, width)


class _Valuation:
    """What the movers of one round of :func:`update_many` make of each coalition: per
    queue entry (replicate, place in the queue) a row of pay-offs over the slots (−inf
    where the slot is not held in its replicate), the value of staying put and whether the
    mover has company where it is. A move changes the sums of two slots only, so after it
    the movers still to come have those two slots valued again; every pay-off is computed
    by the same arithmetic from sums taken afresh from the labels, whichever pass computes
    it, so it is the one a fresh valuation gives."""

    def __init__(self, lab: np.ndarray, live: np.ndarray, row: np.ndarray,
                 ideal: np.ndarray, s: np.ndarray, ssum: np.ndarray, capability: np.ndarray,
                 total: np.ndarray, width: float, rule: CoalitionRule, places: int) -> None:
        r_all, n, m = ideal.shape
        self.n, self.m, self.row, self.ideal, self.s = n, m, row, ideal, s
        self.ssum, self.capability, self.total = ssum, capability, total
        self.width, self.rule = width, rule
        self.acc = np.zeros((r_all, n, row.shape[2]))
        self._sums(lab, live)
        self.pay = np.full((r_all, places, n), -np.inf)
        self.current = np.zeros((r_all, places))
        self.here = np.zeros((r_all, places), bool)
        self.valued = np.zeros((r_all, places), bool)

    def _sums(self, lab: np.ndarray, reps: np.ndarray) -> None:
        """Every slot of replicates ``reps`` with its members, added up in index order."""
        n = self.n
        keys = (np.arange(reps.size)[:, None] * n + lab[reps]).ravel()
        acc = _sums(keys, self.row[reps].reshape(reps.size * n, -1), reps.size * n)
        self.acc[reps] = acc.reshape(reps.size, n, -1)

    def _pairs(self, reps: np.ndarray, movers: np.ndarray, cur: np.ndarray,
               slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pay-offs (and the slots' sizes without the mover) of (mover, slot) pairs."""
        m, rule = self.m, self.rule
        at = self.acc[reps, slots]
        mine = slots == cur  # the mover's own slot, without it
        at[mine] -= self.row[reps[mine], movers[mine]]
        X = at[:, :m] / np.maximum(at[:, m:2 * m], 1e-300)
        d = self.ideal[reps, movers]  # |ideal − X| / width × salience, summed, in place
        d -= X
        np.abs(d, out=d)
        d /= self.width
        d *= self.s[reps, movers]
        dist = d.sum(axis=1) / self.ssum[reps, movers]
        ci = self.capability[reps, movers]
        pay = rule.benefit * (at[:, 2 * m] + ci) / self.total[reps] * (rule.threshold - dist)
        pay[at[:, 2 * m + 1] <= 0] = -np.inf  # the mover's own slot, if it held it alone
        return pay, at[:, 2 * m + 1]

    def _store(self, reps: np.ndarray, qq: np.ndarray, movers: np.ndarray, cur: np.ndarray,
               e: np.ndarray, slots: np.ndarray) -> None:
        """Value pairs (entry ``e``, slot) and keep them; the own slot sets ``current``."""
        pay, size = self._pairs(reps[e], movers[e], cur[e], slots)
        self.pay[reps[e], qq[e], slots] = pay
        own = np.flatnonzero(slots == cur[e])
        r, q, k = reps[e[own]], qq[e[own]], movers[e[own]]
        here = size[own] > 0
        alone = self.rule.benefit * self.capability[r, k] / self.total[r] * self.rule.threshold
        self.here[r, q] = here
        self.current[r, q] = np.where(here, pay[own], alone)

    def value(self, reps: np.ndarray, qq: np.ndarray, movers: np.ndarray,
              cur: np.ndarray) -> None:
        """Value every slot held in its replicate for each entry."""
        e, slots = np.nonzero(self.acc[reps, :, 2 * self.m + 1] > 0)
        self.pay[reps, qq] = -np.inf
        self._store(reps, qq, movers, cur, e, slots)
        self.valued[reps, qq] = True

    def moved(self, lab: np.ndarray, who: np.ndarray, left: np.ndarray, joined: np.ndarray,
              start: np.ndarray, length: np.ndarray, pending: np.ndarray) -> None:
        """Replicates ``who`` saw one move each (``left`` → ``joined``): new sums there,
        and the two slots valued again for the valued movers still to come."""
        self._sums(lab, who)
        places = np.arange(self.valued.shape[1])
        later = (places >= start[who, None]) & (places < length[who, None])
        w, q = np.nonzero(later & self.valued[who])
        if not w.size:
            return
        reps = who[w]
        movers = pending[reps, q]
        cur = lab[reps, movers]
        e = np.repeat(np.arange(w.size), 2)
        slots = np.stack([left[w], joined[w]], axis=1).ravel()
        self._store(reps, q, movers, cur, e, slots)

    def decide(self, reps: np.ndarray, qq: np.ndarray, movers: np.ndarray,
               cur: np.ndarray) -> np.ndarray:
        """(k,) where each valued entry goes: the best coalition if it beats staying (and
        going alone) by the margin, alone if that does, else where it is."""
        rule = self.rule
        pay = self.pay[reps, qq]
        current, here = self.current[reps, qq], self.here[reps, qq]
        ci = self.capability[reps, movers]
        alone = rule.benefit * ci / self.total[reps] * rule.threshold
        margin = rule.margin * alone
        best = np.argmax(pay, axis=1)  # the first best held slot
        top = pay[np.arange(best.size), best]
        join = (best != cur) & (top > np.maximum(current, alone) + margin)
        leave = ~join & here & (alone > current + margin)
        if self.n == 1:  # nobody else: nowhere to go
            return cur
        # going alone: the first free slot (one is, as a leaver shares its own with others)
        free = np.argmin(self.acc[reps, :, 2 * self.m + 1] > 0, axis=1)
        return np.where(join, best, np.where(leave, free, cur))


def coordinate(
    labels: np.ndarray, position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
    rule: CoalitionRule,
) -> np.ndarray:
    """(n, k) the move of each member ``cohesion`` of the way towards its coalition's
    position (zero for singletons). ``labels`` is (n,), or (n, k): each column's own (every
    pillar's columns at once); a coalition's position is its members' weighted mean, added
    up in index order as :func:`coalition_positions` does. With a leading replicate axis
    (``position`` (R, n, k), ``labels`` (R, n[, k]), ``capability`` (R, n)) every replicate
    is done at once, each as it would be alone."""
    *lead, n, k = position.shape
    r = int(np.prod(lead, dtype=int))
    lab = np.broadcast_to(labels.reshape(r, n, -1), (r, n, k))
    w = capability.reshape(r, n, 1) * salience.reshape(r, n, k) + 1e-12
    keys = ((np.arange(r)[:, None, None] * n + lab) * k + np.arange(k)).ravel()
    bins = r * n * k
    num = np.bincount(keys, (w * position.reshape(r, n, k)).ravel(), bins)
    den = np.bincount(keys, w.ravel(), bins)
    size = np.bincount(keys, None, bins)
    at = keys.reshape(position.shape)
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
    # whether the EU members outside each coalition still reach a qualified majority
    qmv_without = qmv(el.eu[:, None] & (labels[:, None] != labs[None, :]), el.eu,
                      el.population)
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
            "can_block_eu_qmv": bool(not qmv_without[k]),
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

"""The Equal Gain exchange model as the decide-exchange-model program (2022.1.28) plays it.

The rules, written from that program's documented model and its reading of Stokman & van
Oosten (1994) and Dijkstra et al. (2008); no code is copied. Positions are on 0-100 (each
issue's scale mapped there), the expected outcome of an issue is its NBS, the capability ×
salience weighted mean (``w = c·s``, ``D = Σ w``). One *iteration*:

1. Every pair of issues (p, q), and every pair of actors on opposite sides of both NBSs
   (right of both with left of both, left on p and right on q with the reverse; "left" is
   ``x ≤ NBS``), is an exchange. The actor with the relatively lower salience on p (by the
   ratio s_p / s_q) supplies on p (moves there), the other on q.
2. *Equal gain.* The supplier on p (J) moves all the way to the demander's position on p;
   that shifts the NBS of p by r_p = |Δx| w_J / D_p, and the other's shift on q is
   r_q = r_p (s_Ip + s_Jp) / (s_Iq + s_Jq), which gives both the same gain
   |r_q s_Iq - r_p s_Ip|. If I's move on q would pass J's position, the roles of the two
   issues swap (I moves to J's position, J's move follows). A move must stay within 0-100,
   exceed 1e-10, and keep the direction of the actor's earlier moves in this exchange.
3. *The NBS may not pass the demander's position*: if the supplier's move would carry the
   NBS (with the moves already known to this exchange) past it, the move is cut to the one
   that puts the NBS exactly there, and the other side's move follows from the ratio.
4. The exchange with the highest gain is made; every exchange that shares a supplier's
   issue with it is recalculated from the supplier's new (voting) position, and every one
   whose demander waits on one of its issues records the move. Until none is left.
5. The iteration's result is the NBS of the voting positions. The next iteration starts
   from ``x + (0.1 + 0.4 (1 - s)) (y - x)``, the program's partial adoption of the voting
   position y (fixed weight 0.1, salience weight 0.4).

Of two exactly equal gains the program makes either first with probability 1/2; so does
this one with the round's generator (without one, the first in table order).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import Any

import numpy as np

#: the program's weights for the next iteration's start (AbstractModel's constants)
FIXED_WEIGHT, SALIENCE_WEIGHT = 0.1, 0.4
#: relative difference under which two gains are equal (the program: 1e-20 in 28-digit
#: decimals; in doubles the same tie can differ in the last bits)
TIE = 1e-12
#: a supplier move at most this (on 0-100) is none: the program's own threshold
AT = 1e-10


class _Iteration:
    """One iteration on 0-100 positions ``x`` (n, m); absent actors have salience 0."""

    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray) -> None:
        self.x0, self.s = x, s
        self.w = c[:, None] * s
        self.D = self.w.sum(axis=0)
        self.N = (self.w * x).sum(axis=0)
        nbs = np.divide(self.N, self.D, out=np.zeros_like(self.D), where=self.D > 0)
        rows = []
        n, m = x.shape
        present = s > 0
        left = x <= nbs[None, :]
        for p in range(m):
            for q in range(p + 1, m):
                both = present[:, p] & present[:, q]
                code = left[:, p].astype(int) + 2 * left[:, q].astype(int)
                groups = [np.flatnonzero(both & (code == g)) for g in range(4)]
                for ga, gd in ((0, 3), (1, 2)):
                    for i in groups[ga]:
                        for j in groups[gd]:
                            if s[i, p] / s[i, q] < s[j, p] / s[j, q]:
                                rows.append((j, i, p, q))
                            else:
                                rows.append((i, j, p, q))
        e = np.array(rows, dtype=int).reshape(-1, 4)
        self.I, self.J, self.p, self.q = e.T.copy()
        self.xI, self.xJ = x[self.I, self.q], x[self.J, self.p]  # supply positions (move)
        self.dI, self.dJ = x[self.I, self.p], x[self.J, self.q]  # demand positions (fixed)
        self.startI, self.startJ = self.xI.copy(), self.xJ.copy()
        k = len(self.I)
        self.mI, self.mJ, self.yI, self.yJ, self.gain = (np.zeros(k) for _ in range(5))
        self.valid = np.zeros(k, bool)
        # earlier moves of each side in this exchange: their sum and signs
        self.hsI, self.hsJ = np.zeros(k), np.zeros(k)
        self.hpI, self.hnI, self.hpJ, self.hnJ = (np.zeros(k, bool) for _ in range(4))
        # moves of third actors this exchange knows of, as NBS numerator offsets on p and q,
        # and the supplier's own recorded position where it is among them (NaN: it is not)
        self.off_p, self.off_q = np.zeros(k), np.zeros(k)
        # the recorded positions themselves, by exchange and actor (NaN: none recorded)
        self.up, self.uq = np.full((k, n), np.nan), np.full((k, n), np.nan)
        # the exchanges in which an (actor, issue) supplies or demands, for step 4
        sup: dict[tuple[int, int], list[int]] = defaultdict(list)
        dem: dict[tuple[int, int], list[int]] = defaultdict(list)
        for eid, (i, j, p, q) in enumerate(e.tolist()):
            sup[i, q].append(eid)
            sup[j, p].append(eid)
            dem[i, p].append(eid)
            dem[j, q].append(eid)
        self.by_supply = {key: np.array(v) for key, v in sup.items()}
        self.by_demand = {key: np.array(v) for key, v in dem.items()}
        if k:
            self._calculate(np.arange(k))

    def _ok(self, x: np.ndarray, mv: np.ndarray, hs: np.ndarray, hp: np.ndarray,
            hn: np.ndarray) -> np.ndarray:
        a = np.abs(mv)
        return ((a <= 100) & (a > 1e-10) & (x + mv >= 0) & (x + mv <= 100) & (hs + mv <= 100)
                & np.where(mv > 0, ~hn, ~hp))

    def _nbs(self, ix: np.ndarray, side: str, pos: np.ndarray) -> np.ndarray:
        """NBS of the supplier's issue with the moves this exchange knows and the supplier
        at ``pos`` (its own recorded move, if any, replaced)."""
        a, k, off, u = ((self.I[ix], self.q[ix], self.off_q[ix], self.uq[ix, self.I[ix]])
                        if side == "I" else
                        (self.J[ix], self.p[ix], self.off_p[ix], self.up[ix, self.J[ix]]))
        w, x0 = self.w[a, k], self.x0[a, k]
        own = np.where(np.isnan(u), 0.0, w * (u - x0))
        return (self.N[k] + off - own + w * (pos - x0)) / self.D[k]

    def _cut(self, ix: np.ndarray, side: str) -> None:
        """Rule 3 for the supplier ``side`` of the exchanges ``ix``."""
        if side == "I":
            a, k, o, ko = self.I[ix], self.q[ix], self.J[ix], self.p[ix]
            xs, ys, xo_dem, xo_sup, x_dem = self.xI[ix], self.yI[ix], self.dJ[ix], \
                self.xJ[ix], self.dI[ix]
            off, u = self.off_q[ix], self.uq[ix, self.I[ix]]
        else:
            a, k, o, ko = self.J[ix], self.p[ix], self.I[ix], self.q[ix]
            xs, ys, xo_dem, xo_sup, x_dem = self.xJ[ix], self.yJ[ix], self.dI[ix], \
                self.xI[ix], self.dJ[ix]
            off, u = self.off_p[ix], self.up[ix, self.J[ix]]
        n0, n1 = self._nbs(ix, side, xs), self._nbs(ix, side, ys)
        # an NBS within a null move of the demander's position (an earlier cut put it
        # there) has reached it, so the cut leaves a null move; the program's 28-digit
        # decimals decide this case by the sign of their last digit
        cross = ~(((xo_dem - n0 >= 0) & (xo_dem - n1 >= 0)) | ((xo_dem - n0 <= 0)
                                                              & (xo_dem - n1 <= 0)))
        # an NBS that an earlier cut put at the demander's position is there exactly: the
        # program's test then lets the move pass (both differences <= 0 or >= 0). In
        # doubles it misses by rounding, as the program's decimals do by their 28th digit
        cross &= np.abs(xo_dem - n0) > AT * self.D[k] / np.maximum(self.w[a, k], 1e-300)
        if not cross.any():
            return
        sel = ix[cross]
        a, k, o, ko = a[cross], k[cross], o[cross], ko[cross]
        xs, xo_dem, xo_sup, x_dem = xs[cross], xo_dem[cross], xo_sup[cross], x_dem[cross]
        off, u = off[cross], u[cross]
        w, x0 = self.w[a, k], self.x0[a, k]
        # every position known to the exchange, the supplier at xs unless it is recorded
        total = self.N[k] + off + np.where(np.isnan(u), w * (xs - x0), 0.0)
        delta = np.abs((xo_dem * self.D[k] - total) / w)
        r_k = delta * w / self.D[k]
        s = self.s
        r_o = (s[a, k] + s[o, k]) / (s[a, ko] + s[o, ko]) * r_k
        m_o = np.abs(r_o * self.D[ko] / self.w[o, ko])
        m_o = np.where(xo_sup > x_dem, -m_o, m_o)
        m_s = np.where(xs > xo_dem, -delta, delta)
        gain = np.abs(r_o * s[o, ko] - r_k * s[o, k])
        if side == "I":
            self.mI[sel], self.mJ[sel] = m_s, m_o
        else:
            self.mJ[sel], self.mI[sel] = m_s, m_o
        self.yI[sel], self.yJ[sel] = self.xI[sel] + self.mI[sel], self.xJ[sel] + self.mJ[sel]
        self.gain[sel] = gain
        self.valid[sel] = self._valid(sel)

    def _valid(self, ix: np.ndarray) -> np.ndarray:
        return (self._ok(self.xI[ix], self.mI[ix], self.hsI[ix], self.hpI[ix], self.hnI[ix])
                & self._ok(self.xJ[ix], self.mJ[ix], self.hsJ[ix], self.hpJ[ix],
                           self.hnJ[ix]))

    def _calculate(self, ix: np.ndarray) -> None:
        """Rules 2 and 3 for the exchanges ``ix`` at their current positions."""
        ai, aj, p, q, D, s = self.I[ix], self.J[ix], self.p[ix], self.q[ix], self.D, self.s
        xI, xJ, dI, dJ = self.xI[ix], self.xJ[ix], self.dI[ix], self.dJ[ix]
        wJp, wIq = self.w[aj, p], self.w[ai, q]
        sIp, sIq, sJp, sJq = s[ai, p], s[ai, q], s[aj, p], s[aj, q]
        rp = np.abs(dI - xJ) * wJp / D[p]
        rq = (sJp + sIp) / (sJq + sIq) * rp
        mI, mJ = rq * D[q] / wIq, np.abs(dI - xJ)
        over = np.abs(mI) > np.abs(dJ - xI)  # I would pass J's position: the issues swap
        rq2 = np.abs(dJ - xI) * wIq / D[q]
        rp2 = (sIq + sJq) / (sIp + sJp) * rq2
        rp, rq = np.where(over, rp2, rp), np.where(over, rq2, rq)
        mI = np.where(over, np.abs(dJ - xI), mI)
        mJ = np.where(over, rp2 * D[p] / wJp, mJ)
        self.mI[ix] = np.where(xI > dJ, -mI, mI)
        self.mJ[ix] = np.where(xJ > dI, -mJ, mJ)
        self.yI[ix], self.yJ[ix] = xI + self.mI[ix], xJ + self.mJ[ix]
        self.gain[ix] = np.abs(rq * sIq - rp * sIp)
        ok = self._valid(ix) & (self.gain[ix] >= 1e-10)
        self.valid[ix] = ok
        live = ix[ok]
        if live.size:
            self._cut(live, "I")
            self._cut(live, "J")
            self.valid[live] = self._valid(live)

    def _record(self, ix: np.ndarray, k: int, a: int, y: float, start: float) -> None:
        """The exchanges ``ix`` learn that actor ``a`` now stands at ``y`` on issue ``k``
        (its start ``start``); a second record of the same actor and issue is merged by
        the program's rule: the one nearer the start of the two, seen from the start."""
        on_p = self.p[ix] == k
        old = np.where(on_p, self.up[ix, a], self.uq[ix, a])
        merged = np.where(start <= old, np.where(old < y, old, y), np.where(old > y, old, y))
        new = np.where(np.isnan(old), y, merged)
        shift = self.w[a, k] * (new - np.where(np.isnan(old), self.x0[a, k], old))
        self.off_p[ix] += np.where(on_p, shift, 0.0)
        self.off_q[ix] += np.where(on_p, 0.0, shift)
        self.up[ix[on_p], a] = new[on_p]
        self.uq[ix[~on_p], a] = new[~on_p]

    def _after(self, e: int) -> np.ndarray:
        """Rule 4's bookkeeping once exchange ``e`` is made; the exchanges to recalculate."""
        iE, jE, pE, qE = int(self.I[e]), int(self.J[e]), int(self.p[e]), int(self.q[e])
        none = np.empty(0, int)
        ix = np.unique(np.concatenate([self.by_supply.get((iE, qE), none),
                                       self.by_supply.get((jE, pE), none),
                                       self.by_demand.get((jE, qE), none),
                                       self.by_demand.get((iE, pE), none)]))
        ix = ix[self.valid[ix] & (ix != e)]
        if not ix.size:
            return ix
        ai, aj, p, q = self.I[ix], self.J[ix], self.p[ix], self.q[ix]
        i_ei, i_ej = (ai == iE) & (q == qE), (ai == jE) & (q == pE)
        j_ei, j_ej = (aj == iE) & (p == qE), (aj == jE) & (p == pE)
        inv_i, inv_j = i_ei | i_ej, j_ei | j_ej
        for side, inv in (("I", inv_i), ("J", inv_j)):
            hs, hp, hn, mv = ((self.hsI, self.hpI, self.hnI, self.mI) if side == "I" else
                              (self.hsJ, self.hpJ, self.hnJ, self.mJ))
            keep = ix[inv]  # a supplier that moved keeps its stale move in its history
            hs[keep] += mv[keep]
            hp[keep] |= mv[keep] > 0
            hn[keep] |= mv[keep] < 0
        self.xI[ix] = np.where(i_ei, self.yI[e], np.where(i_ej, self.yJ[e], self.xI[ix]))
        self.xJ[ix] = np.where(j_ei, self.yI[e], np.where(j_ej, self.yJ[e], self.xJ[ix]))
        dem_q = ((aj == jE) & (q == qE)) | ((ai == jE) & (p == qE))  # waits on E's issue q
        dem_p = ((aj == iE) & (q == pE)) | ((ai == iE) & (p == pE))  # waits on E's issue p
        for sel, k, a, y, start in ((dem_q, qE, iE, self.yI[e], self.startI[e]),
                                    (dem_p, pE, jE, self.yJ[e], self.startJ[e])):
            if sel.any():
                self._record(ix[sel], k, a, float(y), float(start))
        self._calculate(ix)
        return ix

    def _pop(self, heap: list[tuple[float, int]]) -> tuple[float, int] | None:
        while heap:
            g, e = heapq.heappop(heap)
            if self.valid[e] and -g == self.gain[e]:
                return g, e
        return None  # the rest was made impossible or recalculated since it was queued

    def run(self, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                   list[int]]:
        """(voting positions, next start positions, the exchanges made in order). With
        ``rng``, of two exchanges with equal gains either is made first with probability
        1/2, as the program does; without it the first in table order."""
        heap = [(-g, eid) for eid, g in enumerate(self.gain.tolist()) if self.valid[eid]]
        heapq.heapify(heap)
        made = []
        while (top := self._pop(heap)) is not None:
            g, e = top
            if rng is not None and (nxt := self._pop(heap)) is not None:
                if abs(nxt[0] - g) <= TIE * -g and rng.random() >= 0.5:
                    top, nxt = nxt, top
                heapq.heappush(heap, nxt)
                g, e = top
            self.valid[e] = False
            made.append(e)
            ix = self._after(e)
            for x in ix[self.valid[ix]].tolist():
                heapq.heappush(heap, (-float(self.gain[x]), x))
        vote, start = self.x0.copy(), self.x0.copy()
        for e in made:
            for a, k, y, x in ((self.I[e], self.q[e], self.yI[e], self.startI[e]),
                               (self.J[e], self.p[e], self.yJ[e], self.startJ[e])):
                vote[a, k] = y
                t = FIXED_WEIGHT + SALIENCE_WEIGHT * (1 - self.s[a, k])
                start[a, k] = t * y + (1 - t) * x
        return vote, start, made

    def deal(self, e: int) -> dict[str, Any]:
        return {"kind": "exchange", "actors": [int(self.I[e]), int(self.J[e])],
                "issues": [int(self.q[e]), int(self.p[e])], "gain": float(self.gain[e])}


def equal_gain_iteration(x: np.ndarray, s: np.ndarray, c: np.ndarray,
                         rng: np.random.Generator | None = None,
                         ) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """One iteration on 0-100 positions ``x`` (n, m), saliences ``s`` (0 = absent) and
    capabilities ``c`` (n,): (voting positions, next start positions, exchanges made, each
    with its supplier indices on [q, p], the issues it supplies on, and its gain). Ties
    are broken with ``rng`` (see :meth:`_Iteration.run`)."""
    it = _Iteration(x, s, c)
    vote, start, made = it.run(rng)
    return vote, start, [it.deal(e) for e in made]


def nbs(x: np.ndarray, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(m,) the capability × salience weighted mean of each issue."""
    w = c[:, None] * s
    return (w * x).sum(axis=0) / w.sum(axis=0)


__all__ = ["equal_gain_iteration", "nbs"]

"""The Equal Gain exchange model as the decide-exchange-model program (2022.1.28) plays it.

The rules, written from that program's documented model and its observed behaviour; no code
is copied. Positions are on 0-100, the expected outcome of an issue is its NBS, the
capability × salience weighted mean (``w = c·s``, ``D = Σ w``). One *iteration*:

1. Every pair of issues (p, q) in table order, and every pair of actors on opposite sides
   of both NBSs (right of both with left of both, then left on p only with left on q only;
   "left" is ``x ≤ NBS``), is an exchange, listed in that order. The actor with the
   relatively lower salience on p (by s_p / s_q) supplies on q (I), the other on p (J).
2. *Equal gain.* J moves all the way to I's position on p, which shifts the NBS of p by
   r_p = |Δx| w_J / D_p; I's shift on q is r_q = r_p (s_Jp + s_Ip) / (s_Jq + s_Iq), so both
   gain |r_q s_Iq − r_p s_Ip|. If I's move would pass J's position, the issues swap. A move
   must stay within 0-100, exceed 1e-10, keep its history's sum ≤ 100 and its history's sign.
3. *The NBS may not pass the demander's position*: if a supplier's move carries the NBS
   (with the third-party moves this exchange knows) past it, the move is cut to the one that
   puts the NBS exactly there, and the other side's move follows from the ratio.
4. The list is sorted by gain (stably, highest first) and its head is made. Every exchange in
   the list that shares a supplier's (actor, issue) with it moves that supplier to its new
   position (the supplier's stale move stays in its history), every one whose actor demands
   one of its issues records the move (a second record merged as the program does), and all
   those are recalculated in list order; invalid ones leave the list. Until it is empty.
5. The result is the NBS of the voting positions; the next iteration starts from
   ``x + (0.1 + 0.4 (1 - s)) (y - x)`` (the program's fixed and salience weights).

*Ties* (``tie_rule="peer"``, the default, what the program does): when the head and the next
have equal gains, a coin (``rng.random() >= 0.5``) makes the next instead and puts the head
at the end of the list; otherwise the head is made and the next is put at the end *as well*,
so it stands in the list twice: it is recalculated twice at every step, and once made, its
second copy is recalculated against itself (its voting position can move again). That is a
quirk of the program's list handling; ``tie_rule="once"`` keeps each exchange once.

*An NBS at the demander's position* (an earlier cut put it there): the program computes in
28-digit decimals and its rule 3 test then turns on the sign of the last digit. Here a
difference within ``AT_NBS`` counts as zero, so the test passes (its exact-arithmetic reading).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal, Protocol

import numpy as np

#: the program's weights for the next iteration's start (its model's constants)
FIXED_WEIGHT, SALIENCE_WEIGHT = 0.1, 0.4
#: relative difference under which two gains are equal (the program: 1e-20 absolute in
#: 28-digit decimals, i.e. equal but for rounding; doubles round at about 1e-16)
TIE = 1e-12
#: a move at most this (on 0-100) is none: the program's own threshold
AT = 1e-10
#: an NBS this near (0-100) to a demander's position is at it (see the module's note)
AT_NBS = 1e-9
#: slack on the 0-100 bounds for a move that lands on them (x + |d - x| = d exactly in the
#: program's decimals, not always in doubles)
EDGE = 1e-9


class Coin(Protocol):
    def random(self) -> float: ...


class Exchange:
    """One exchange: I supplies on q and demands p, J supplies on p and demands q."""

    __slots__ = ("k", "I", "J", "p", "q", "xI", "xJ", "dI", "dJ", "startI", "startJ", "mI",
                 "mJ", "yI", "yJ", "hI", "hJ", "gain", "valid", "up", "uq", "offp", "offq",
                 "kI", "kJ", "iI", "iJ", "rat", "rat2", "sIp", "sIq", "sJp", "sJq")

    def __init__(self, ai: int, aj: int, p: int, q: int, x0: list[list[float]],
                 s: list[list[float]], w: list[list[float]], D: list[float]) -> None:
        self.k = -1
        self.I, self.J, self.p, self.q = ai, aj, p, q
        # the constants of rules 2 and 3: NBS shift per unit move and its inverse, the
        # two ratios of shifts that give equal gains, the four saliences
        self.kI, self.iI = w[ai][q] / D[q], D[q] / w[ai][q]
        self.kJ, self.iJ = w[aj][p] / D[p], D[p] / w[aj][p]
        self.sIp, self.sIq, self.sJp, self.sJq = s[ai][p], s[ai][q], s[aj][p], s[aj][q]
        self.rat = (self.sJp + self.sIp) / (self.sJq + self.sIq)  # r_q / r_p
        self.rat2 = (self.sIq + self.sJq) / (self.sIp + self.sJp)  # r_p / r_q
        self.xI = self.startI = x0[ai][q]
        self.xJ = self.startJ = x0[aj][p]
        self.dI, self.dJ = x0[ai][p], x0[aj][q]
        self.mI = self.mJ = self.yI = self.yJ = self.gain = 0.0
        # each side's earlier moves in this exchange (its current one is mI, mJ): their
        # sum, and whether any was >= 0 and any <= 0
        self.hI = [0.0, False, False]
        self.hJ = [0.0, False, False]
        self.valid = False
        self.up: dict[int, float] = {}  # third-party positions recorded on p and on q
        self.uq: dict[int, float] = {}
        self.offp = self.offq = 0.0  # their NBS numerator shifts


def _ok(x: float, mv: float, hist: list) -> bool:
    """A move within 0-100, not null, its history's sum at most 100, all of one sign."""
    a = abs(mv)
    if a > 100 or a <= AT or x + mv < -EDGE or x + mv > 100 + EDGE or hist[0] + mv > 100:
        return False
    return not hist[1] if mv > 0 else not hist[2]


def _past(hist: list, mv: float) -> None:
    """The current move ``mv`` joins the history (its supplier moved on)."""
    hist[0] += mv
    hist[1] = hist[1] or mv <= 0  # "any <= 0" blocks positive moves
    hist[2] = hist[2] or mv >= 0


class _Iteration:
    """One iteration on 0-100 positions ``x`` (n, m); absent actors have salience 0."""

    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray) -> None:
        x, s = np.asarray(x, float), np.asarray(s, float)
        w = np.asarray(c, float)[:, None] * s
        D, N = w.sum(axis=0), (w * x).sum(axis=0)
        self.nbs0 = np.divide(N, D, out=np.zeros_like(D), where=D > 0)
        self.x0, self.s, self.w = x.tolist(), s.tolist(), w.tolist()
        self.D, self.N = D.tolist(), N.tolist()
        n, m = x.shape
        left = (x <= self.nbs0[None, :] + AT_NBS).tolist()
        present = (s > 0).tolist()
        self.ex: list[Exchange] = []
        self.g: list[float] = []  # each exchange's gain, by index (the sort's key)
        self.sup: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.dem: dict[tuple[int, int], list[int]] = defaultdict(list)
        sl = self.s
        for p in range(m):
            for q in range(p + 1, m):
                g: list[list[int]] = [[], [], [], []]
                for a in range(n):
                    if present[a][p] and present[a][q]:
                        g[left[a][p] + 2 * left[a][q]].append(a)
                for ga, gd in ((0, 3), (1, 2)):
                    for i in g[ga]:
                        for j in g[gd]:
                            if sl[i][p] / sl[i][q] < sl[j][p] / sl[j][q]:
                                i2, j2 = j, i
                            else:
                                i2, j2 = i, j
                            self._add(Exchange(i2, j2, p, q, self.x0, sl, self.w,
                                               self.D))

    def _add(self, e: Exchange) -> None:
        e.k = k = len(self.ex)
        self.ex.append(e)
        self.g.append(0.0)
        self.sup[e.I, e.q].append(k)
        self.sup[e.J, e.p].append(k)
        self.dem[e.I, e.p].append(k)
        self.dem[e.J, e.q].append(k)
        self._calculate(e)

    def _calculate(self, e: Exchange) -> None:
        """Rules 2 and 3 at the exchange's current positions."""
        xI, xJ, dI, dJ = e.xI, e.xJ, e.dI, e.dJ
        move_j = abs(dI - xJ)
        rp = move_j * e.kJ
        rq = e.rat * rp
        move_i = rq * e.iI
        room_i = abs(dJ - xI)
        if move_i > room_i:  # I would pass J's position: the issues swap
            rq = room_i * e.kI
            rp = e.rat2 * rq
            move_i, move_j = room_i, rp * e.iJ
        if xI > dJ:
            move_i = -move_i
        if xJ > dI:
            move_j = -move_j
        e.mI, e.mJ, e.yI, e.yJ = move_i, move_j, xI + move_i, xJ + move_j
        e.gain = gain = abs(rq * e.sIq - rp * e.sIp)
        e.valid = gain >= AT and _ok(xI, move_i, e.hI) and _ok(xJ, move_j, e.hJ)
        if e.valid:
            self._cut(e, True)
            self._cut(e, False)
            e.valid = _ok(e.xI, e.mI, e.hI) and _ok(e.xJ, e.mJ, e.hJ)
        self.g[e.k] = e.gain

    def _cut(self, e: Exchange, side_i: bool) -> None:
        """Rule 3 for the supplier I (``side_i``) or J of ``e``."""
        if side_i:
            a, k, pos, y, target, upd, off = e.I, e.q, e.xI, e.yI, e.dJ, e.uq, e.offq
        else:
            a, k, pos, y, target, upd, off = e.J, e.p, e.xJ, e.yJ, e.dI, e.up, e.offp
        w, x0, D = self.w[a][k], self.x0[a][k], self.D[k]
        own = w * (upd[a] - x0) if a in upd else 0.0
        base = self.N[k] + off - own
        d0 = target - (base + w * (pos - x0)) / D
        d1 = target - (base + w * (y - x0)) / D
        if abs(d0) <= AT_NBS:
            d0 = 0.0
        if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
            return
        # the supplier's move that puts the NBS at the target, its own record (if any)
        # standing for it
        total = self.N[k] + off + (0.0 if a in upd else w * (pos - x0))
        delta = abs((target * D - total) / w)
        r_k = delta * w / D
        if side_i:  # the other (J) follows: its shift on p and move there
            r_o = e.rat2 * r_k
            m_i, m_j = delta, abs(r_o * e.iJ)
            e.gain = abs(r_o * e.sJp - r_k * e.sJq)
        else:
            r_o = e.rat * r_k
            m_i, m_j = abs(r_o * e.iI), delta
            e.gain = abs(r_o * e.sIq - r_k * e.sIp)
        if e.xI > e.dJ:
            m_i = -m_i
        if e.xJ > e.dI:
            m_j = -m_j
        e.mI, e.mJ, e.yI, e.yJ = m_i, m_j, e.xI + m_i, e.xJ + m_j
        e.valid = _ok(e.xI, e.mI, e.hI) and _ok(e.xJ, e.mJ, e.hJ)

    def _record(self, e: Exchange, k: int, a: int, y: float, start: float) -> None:
        """``e`` learns that actor ``a`` stands at ``y`` on issue ``k`` (it started at
        ``start``); a second record is merged by the program's rule."""
        upd = e.up if k == e.p else e.uq
        old = upd.get(a)
        if old is None:
            new, was = y, self.x0[a][k]
        else:
            new = (old if old < y else y) if start <= old else (old if old > y else y)
            was = old
        upd[a] = new
        shift = self.w[a][k] * (new - was)
        if k == e.p:
            e.offp += shift
        else:
            e.offq += shift

    def _recalculate(self, e: Exchange, r: Exchange) -> None:
        """Rule 4 for ``e`` once ``r`` is made."""
        # a supplier that r moved starts from its new position and keeps its own stale
        # move in its history (r's move does not enter it)
        ry_i, ry_j = r.yI, r.yJ
        moved = False
        if (e.I == r.I and e.q == r.q) or (e.I == r.J and e.q == r.p):
            _past(e.hI, e.mI)
            e.xI = ry_i if e.I == r.I else ry_j
            moved = True
        if (e.J == r.I and e.p == r.q) or (e.J == r.J and e.p == r.p):
            _past(e.hJ, e.mJ)
            e.xJ = ry_i if e.J == r.I else ry_j
            moved = True
        for dem_actor, k, a, y, start in ((r.J, r.q, r.I, ry_i, r.startI),
                                          (r.I, r.p, r.J, ry_j, r.startJ)):
            if (e.J == dem_actor and e.q == k) or (e.I == dem_actor and e.p == k):
                self._record(e, k, a, y, start)
                moved = True
        if moved:
            self._calculate(e)

    def _related(self, r: Exchange) -> set[int]:
        return {*self.sup.get((r.I, r.q), ()), *self.sup.get((r.J, r.p), ()),
                *self.dem.get((r.J, r.q), ()), *self.dem.get((r.I, r.p), ())}

    def run(self, rng: Coin | None = None,
            tie_rule: Literal["peer", "once"] = "peer") -> tuple[np.ndarray, np.ndarray,
                                                                 list[int]]:
        """(voting positions, next start positions, the exchanges made in order). With
        ``rng``, ties are broken by its ``random()`` as the module's note says; without
        it the head is made and nothing is appended."""
        ex, g = self.ex, self.g
        lst = list(range(len(ex)))
        copies = [1] * len(ex)
        made: list[int] = []
        first = True
        while lst:
            lst.sort(key=g.__getitem__, reverse=True)
            top = lst.pop(0)
            copies[top] -= 1
            if lst and rng is not None:
                nxt = lst[0]
                if g[top] - g[nxt] <= TIE * g[top]:
                    if rng.random() >= 0.5:
                        lst.append(top)
                        copies[top] += 1
                        top = lst.pop(0)
                        copies[top] -= 1
                    elif tie_rule == "peer":
                        lst.append(nxt)
                        copies[nxt] += 1
            r = ex[top]
            if not r.valid:
                continue
            rel = self._related(r)
            if copies[top] == 0 and all(copies[k] <= 1 for k in rel):
                # each related exchange once: the list order does not matter
                dropped = first  # before the first made, the list holds invalid ones
                for k in rel:
                    if copies[k] and ex[k].valid:
                        self._recalculate(ex[k], r)
                        dropped = dropped or not ex[k].valid
                if dropped:
                    keep = [k for k in lst if ex[k].valid]
                    for k in lst:
                        if not ex[k].valid:
                            copies[k] = 0
                    lst = keep
            else:  # copies, or the made one itself, in the list: in list order
                keep = []
                for k in lst:
                    if ex[k].valid and k in rel:
                        self._recalculate(ex[k], r)
                    if ex[k].valid:
                        keep.append(k)
                for k in lst:
                    copies[k] = 0
                for k in keep:
                    copies[k] += 1
                lst = keep
            first = False
            made.append(top)
        vote = np.array(self.x0)
        start = vote.copy()
        for k in made:
            e = ex[k]
            for a, iss, y, x in ((e.I, e.q, e.yI, e.startI), (e.J, e.p, e.yJ, e.startJ)):
                vote[a, iss] = y
                t = FIXED_WEIGHT + SALIENCE_WEIGHT * (1 - self.s[a][iss])
                start[a, iss] = t * y + (1 - t) * x
        return vote, start, made

    def deal(self, k: int) -> dict[str, Any]:
        e = self.ex[k]
        return {"kind": "exchange", "actors": [e.I, e.J], "issues": [e.q, e.p],
                "gain": float(e.gain)}


def equal_gain_iteration(x: np.ndarray, s: np.ndarray, c: np.ndarray,
                         rng: Coin | None = None, tie_rule: Literal["peer", "once"] = "peer",
                         ) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """One iteration on 0-100 positions ``x`` (n, m), saliences ``s`` (0 = absent) and
    capabilities ``c`` (n,): (voting positions, next start positions, exchanges made, each
    with its supplier indices on [q, p], the issues it supplies on, and its gain). Ties
    are broken with ``rng`` (anything with ``random()``: a NumPy generator, or Python's
    ``random.Random`` to follow the program's own draws)."""
    it = _Iteration(x, s, c)
    vote, start, made = it.run(rng, tie_rule)
    return vote, start, [it.deal(k) for k in made]


def nbs(x: np.ndarray, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(m,) the capability × salience weighted mean of each issue (0 where none weighs)."""
    w = c[:, None] * s
    d = w.sum(axis=0)
    return np.divide((w * x).sum(axis=0), d, out=np.zeros_like(d), where=d > 0)


__all__ = ["equal_gain_iteration", "nbs"]

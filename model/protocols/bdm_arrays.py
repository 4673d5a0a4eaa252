"""BDM's round on every issue at once: (issues × actors × actors) arrays.

:func:`model.protocols.bdm.bdm_round` plays one issue; a model has 2m role columns (22 on
the baseline), and calling it per column made a BDM run some 50 small NumPy calls per
column per round. :func:`bdm_rounds` is the same arithmetic with a leading axis over
columns: the median from prefix sums, the risk exponents, the probabilities of success
(the numerators from prefix sums and a binary search per column), the expected utilities
and the offers, each one array expression over (C, n, n). Every step is the one-issue
function's operation for operation (sums taken along the same axis, in the same order),
so each column's result is the one-issue result exactly (tests/test_speed_equivalence.py
compares them on random tables, ties and risk exponents included).

Columns are done in groups small enough that each (C, n, n) temporary stays near
``CELLS`` floats (120 kB, under glibc's threshold for handing large blocks back to the
system: bigger temporaries were mapped and faulted in afresh at every operation, which
made one group of all 22 columns slower than the per-column loop); for more actors than
:data:`model.protocols.bdm.CHUNK` the one-issue function (which chunks its rows) is used
per column.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.bdm import CHUNK, bdm_round

#: about how many floats one (C, n, n) temporary may hold (see the module docstring)
CELLS = 15_000


def _sorted(x: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """(order, x and each of ``cols`` in position order), per row of (C, n) arrays."""
    order = np.argsort(x, axis=1, kind="stable")
    return (order, *(np.take_along_axis(a, order, axis=1) for a in (x, *cols)))


def medians(x: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """(C,) :func:`model.protocols.bdm.median_position` of each row of (C, n) arrays."""
    C, n = x.shape
    order, xs, ws = _sorted(x, cs)
    zero = np.zeros((C, 1))
    cw = np.concatenate([zero, np.cumsum(ws, axis=1)], axis=1)
    cwx = np.concatenate([zero, np.cumsum(ws * xs, axis=1)], axis=1)
    # voters strictly left of each sorted position: the index of its value's first copy
    new = np.c_[np.ones((C, 1), bool), xs[:, 1:] != xs[:, :-1]]
    ts = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1)
    t = np.empty_like(ts)
    np.put_along_axis(t, order, ts, axis=1)
    rows = np.arange(C)[:, None]
    left = x * cw[rows, t] - cwx[rows, t]
    right = (cwx[:, -1:] - cwx[rows, t]) - x * (cw[:, -1:] - cw[rows, t])
    D = left + right
    cand = cs > 0
    cand |= ~cand.any(axis=1, keepdims=True)  # nobody weighs in: every position
    return x[np.arange(C), np.argmin(np.where(cand, D, np.inf), axis=1)]


def numerators(x: np.ndarray, cs: np.ndarray, w: np.ndarray,
               rho: np.ndarray | None = None) -> np.ndarray:
    """(C, n, n) :func:`model.protocols.bdm.success_numerator_fast` of each row."""
    C, n = x.shape
    if rho is None:
        order, xs, css = _sorted(x, cs)
    else:
        order, xs, css, rs = _sorted(x, cs, rho)
    g = np.abs(xs[:, :, None] - xs[:, None, :]) / w[:, None, None]
    if rho is not None:
        g = g ** rs[:, :, None]
    CG = np.empty((C, n + 1, n))
    CG[:, 0] = 0.0
    CG[:, 1:] = css[:, :, None] * g
    np.cumsum(CG, axis=1, out=CG)
    tot = CG[:, n]
    xi, xj = xs[:, :, None], xs[:, None, :]
    m = 0.5 * (xi + xj)
    lo = np.empty((C, n, n), dtype=np.intp)
    ties = []
    for c in range(C):  # a binary search per column (NumPy has no batched one)
        lo[c] = np.searchsorted(xs[c], m[c], side="left")
        # voters with x_k <= m: the same count unless a voter sits exactly on a midpoint
        tie = xs[c][np.minimum(lo[c], n - 1)] == m[c]
        if tie.any():
            ties.append((c, tie, np.searchsorted(xs[c], m[c][tie], side="right")))
    # CG[c, t, j] and CG[c, t, i] as flat takes (one index array, not three)
    flat = CG.reshape(-1)
    i, j = np.arange(n)[None, :, None], np.arange(n)[None, None, :]
    row = (np.arange(C)[:, None, None] * (n + 1) + lo) * n
    lo_j, lo_i = flat.take(row + j), flat.take(row + i)
    left = lo_j - lo_i
    hi_j, hi_i = lo_j, lo_i
    if ties:
        hi_j, hi_i = lo_j.copy(), lo_i.copy()
        for c, tie, hi in ties:
            r = (c * (n + 1) + hi) * n
            ii, jj = np.nonzero(tie)
            hi_j[c][tie], hi_i[c][tie] = flat.take(r + jj), flat.take(r + ii)
    right = (tot[:, None, :] - hi_j) - (tot[:, :, None] - hi_i)
    Ns = np.where(xi < xj, left, np.where(xi > xj, right, 0.0))
    np.maximum(Ns, 0.0, out=Ns)
    inv = np.empty_like(order)
    np.put_along_axis(inv, order, np.broadcast_to(np.arange(n), (C, n)), axis=1)
    return Ns[np.arange(C)[:, None, None], inv[:, :, None], inv[:, None, :]]


def successes(x: np.ndarray, cs: np.ndarray, w: np.ndarray, rho: np.ndarray | None,
              denominator: str) -> np.ndarray:
    """(C, n, n) :func:`model.protocols.bdm.success` (fast) of each row."""
    C, n = x.shape
    N = numerators(x, cs, w, rho)
    if denominator == "all":
        Z = (2.0 * N.reshape(C, n * n).sum(axis=1))[:, None, None]
        return np.where(Z > 0, N / np.where(Z > 0, Z, 1.0), 0.0)
    if denominator != "pair":
        raise ValueError(f"denominator must be 'all' or 'pair', not {denominator!r}")
    A = N + N.transpose(0, 2, 1)
    return np.where(A > 0, N / np.where(A > 0, A, 1.0), 0.0)


def utilities(x: np.ndarray, s: np.ndarray, w: np.ndarray, r: np.ndarray, P: np.ndarray,
              mu: np.ndarray, Q: float) -> tuple[np.ndarray, np.ndarray]:
    """(C, n, n) :func:`model.protocols.bdm._eu_rows` of every row: X[c, a, b] = EU(a→b),
    Y[c, a, b] = EU(b→a), both with a's exponent (0 on the diagonal)."""
    C, n = x.shape
    R = r[:, :, None]
    xa = x[:, :, None]
    W = w[:, None, None]
    d = np.abs(xa - x[:, None, :]) / W
    neutral = (r == 1.0).all(axis=1)[:, None, None]  # per column, as the one-issue branch
    # risk neutral: U_s = 2d, U_f = −2d, U_sq = 0 (no powers)
    us = base = 2.0 * d
    gap = -2.0 * us
    if not neutral.all():
        ur = 2 - 4 * (0.5 - 0.5 * d) ** R
        gap = np.where(neutral, gap, (2 - 4 * (0.5 + 0.5 * d) ** R) - ur)
        base = np.where(neutral, base, ur - Q * (2 - 4 * 0.5 ** R))
    X = base + s[:, None, :] * (1 - P) * gap
    Y = base + s[:, :, None] * (1 - P.transpose(0, 2, 1)) * gap
    if Q != 1.0:
        dm = np.abs(x - mu[:, None])
        T = (dm[:, :, None] < dm[:, None, :]).astype(float)
        dab = np.abs(xa - x[:, None, :])
        e = np.clip(0.25 * (dm[:, :, None] + dab) / W, 0, 0.5)
        X = X - (1 - Q) * (T * (2 - 4 * (0.5 - e) ** R) + (1 - T) * (2 - 4 * (0.5 + e) ** R))
        eb = np.clip(0.25 * (dm[:, None, :] + dab) / W, 0, 0.5)
        Tb = (dm[:, None, :] < dm[:, :, None]).astype(float)
        Y = Y - (1 - Q) * (Tb * (2 - 4 * (0.5 - eb) ** R)
                           + (1 - Tb) * (2 - 4 * (0.5 + eb) ** R))
    k = np.arange(n)
    X[:, k, k] = 0.0
    Y[:, k, k] = 0.0
    return X, Y


def risks(x: np.ndarray, s: np.ndarray, cs: np.ndarray, w: np.ndarray, mu: np.ndarray,
          Q: float, denominator: str) -> np.ndarray:
    """(C, n) :func:`model.protocols.bdm.risk_exponents` of every row."""
    ones = np.ones_like(x)
    P1 = successes(x, cs, w, None, denominator)
    S = utilities(x, s, w, ones, P1, mu, Q)[0].sum(axis=1)
    hi, lo = S.max(axis=1, keepdims=True), S.min(axis=1, keepdims=True)
    spread = hi > lo
    R = (2 * S - hi - lo) / np.where(spread, hi - lo, 1.0)
    return np.where(spread, (1 - R / 3) / (1 + R / 3), ones)


def choose(x: np.ndarray, e: np.ndarray, f: np.ndarray, offer_rule: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`model.protocols.bdm._choose` for every row: (pick (C, n) sender or −1,
    new position (C, n), kind code (C, n): 0 confrontation, 1 compromise, 2
    capitulation, and the target positions (C, n, n))."""
    xa, xb = x[:, :, None], x[:, None, :]
    valid = xa != xb
    conf = valid & (f > e) & (e > 0)
    neg = valid & (f > 0) & (e < 0)
    comp = neg & (f > -e)
    cap = neg & (f < -e)
    dist = np.abs(xb - xa)
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(comp, xa + (xb - xa) * np.abs(e / f), xb)
    pick = np.full(x.shape, -1)
    if offer_rule == "scholz":
        with np.errstate(divide="ignore", invalid="ignore"):
            wpos = (np.abs(e) * xa + np.abs(f) * xb) / (np.abs(e) + np.abs(f))
        for mask, key in ((cap, dist), (comp, wpos), (conf, dist)):  # the last found wins
            b = np.argmin(np.where(mask, key, np.inf), axis=2)
            pick = np.where(mask.any(axis=2), b, pick)
    elif offer_rule == "least":
        any_offer = conf | comp | cap
        move = np.where(any_offer, np.abs(target - xa), np.inf)
        pick = np.where(any_offer.any(axis=2), np.argmin(move, axis=2), -1)
    else:
        raise ValueError(f"offer_rule must be 'scholz' or 'least', not {offer_rule!r}")
    b = np.maximum(pick, 0)[:, :, None]
    new = np.where(pick >= 0, np.take_along_axis(target, b, axis=2)[:, :, 0], x)
    kind = np.where(np.take_along_axis(conf, b, axis=2)[:, :, 0], 0,
                    np.where(np.take_along_axis(comp, b, axis=2)[:, :, 0], 1, 2))
    return pick, new, kind, target


KINDS = ("confrontation", "compromise", "capitulation")


def bdm_rounds(x: np.ndarray, s: np.ndarray, c: np.ndarray, w: np.ndarray, *,
               Q: float = 1.0, denominator: str = "all", vote_risk: bool = True,
               offer_rule: str = "scholz", fast: bool = True,
               ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One BDM round on every column of (n, C) positions ``x`` and saliences ``s`` with
    capabilities ``c`` (n,) and scale widths ``w`` (C,): (new positions (n, C), risk
    exponents (n, C), the accepted offers as arrays: ``issue``, ``a`` (receiver), ``b``
    (sender), ``kind`` (index of :data:`KINDS`), ``offer``, ``eu`` = EU(a→b) and
    ``eu_other`` = EU(b→a), in the order the one-issue rounds list them)."""
    if offer_rule not in ("scholz", "least"):
        raise ValueError(f"offer_rule must be 'scholz' or 'least', not {offer_rule!r}")
    n, C = x.shape
    w = np.asarray(w, dtype=float)
    if n > CHUNK or not fast:  # the one-issue function (it chunks its rows), per column
        return _by_column(x, s, c, w, Q, denominator, vote_risk, offer_rule, fast)
    new, risk = np.empty((n, C)), np.empty((n, C))
    parts: list[dict[str, np.ndarray]] = []
    step = max(1, CELLS // max(n * n, 1))
    for a in range(0, C, step):
        cols = slice(a, min(a + step, C))
        xc, sc = np.ascontiguousarray(x[:, cols].T), np.ascontiguousarray(s[:, cols].T)
        wc = w[cols]
        cs = c[None, :] * sc
        mu = medians(xc, cs)
        r = risks(xc, sc, cs, wc, mu, Q, denominator)
        P = successes(xc, cs, wc, r if vote_risk else None, denominator)
        e, f = utilities(xc, sc, wc, r, P, mu, Q)
        pick, pos, kind, _ = choose(xc, e, f, offer_rule)
        new[:, cols], risk[:, cols] = pos.T, r.T
        ci, ai = np.nonzero(pick >= 0)
        bi = pick[ci, ai]
        parts.append({"issue": ci + a, "a": ai, "b": bi, "kind": kind[ci, ai],
                      "offer": pos[ci, ai], "eu": e[ci, ai, bi], "eu_other": f[ci, ai, bi]})
    offers = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    return new, risk, offers


def _by_column(x, s, c, w, Q, denominator, vote_risk, offer_rule, fast):
    n, C = x.shape
    new, risk = np.empty((n, C)), np.empty((n, C))
    rec: dict[str, list] = {k: [] for k in ("issue", "a", "b", "kind", "offer", "eu",
                                           "eu_other")}
    for j in range(C):
        new[:, j], risk[:, j], accepted = bdm_round(
            x[:, j], s[:, j], c, float(w[j]), Q=Q, denominator=denominator,
            vote_risk=vote_risk, offer_rule=offer_rule, fast=fast)
        for o in accepted:
            rec["issue"].append(j)
            rec["kind"].append(KINDS.index(o["kind"]))
            for k in ("a", "b", "offer", "eu", "eu_other"):
                rec[k].append(o[k])
    return new, risk, {k: np.asarray(v) for k, v in rec.items()}

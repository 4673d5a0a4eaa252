"""Bueno de Mesquita's expected utility model (BDM), one round per step.

Follows the formalisation of Scholz, Calbert & Smith (2011), "Unravelling Bueno de
Mesquita's group decision model", Journal of Theoretical Politics 23(4): 510-531, of Bueno
de Mesquita (1994). Per issue, with positions x, capability c, salience s, the scale width
W = hi − lo and risk exponents r:

- votes of k for i against j: v_k(i, j) = c_k s_k (g_k(x_j) − g_k(x_i)) with
  g_k(y) = (|x_k − y| / W)^ρ_k; ρ_k = 1 for the median voter, ρ_k = r_k (the voter's
  current risk exponent) inside the probability of success (``vote_risk=True``).
- median (the forecast): the actor position that beats every other position in pairwise
  linear votes (the Condorcet winner, on one dimension the capability×salience weighted
  median; only actors with c·s > 0 are candidates); found in O(n log n) from
  D(y) = Σ_k c_k s_k |x_k − y| by prefix sums.
- probability that i beats j: P_ij = Σ_k max(v_k(i, j), 0) / Z. ``denominator="all"``
  (default): Z = Σ_k Σ_a Σ_b |v_k(a, b)|, the sum of all absolute votes over every ordered
  pair of actors, one constant per round — what the authors' program does, by the account of
  a public re-implementation of it, and what reproduces their published table;
  ``denominator="pair"``: Z = Σ_k |v_k(i, j)|, the formula as printed (then P_ij + P_ji = 1).
- basic utilities with exponent r and d = |x_i − x_j| / W, μ the median:
  U_s = 2 − 4(½ − ½d)^r, U_f = 2 − 4(½ + ½d)^r, U_sq = 2 − 4·½^r,
  U_b = 2 − 4(½ − ¼(|x_i − μ| + |x_i − x_j|)/W)^r, U_w = 2 − 4(½ + ¼(…)/W)^r.
- expected utility of i challenging j:
  EU(i→j) = s_j [P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq
            − (1 − Q)[T U_b + (1 − T) U_w],  T = 1 if μ is nearer x_i than x_j
  (with the default Q = 1 the last term vanishes and T plays no part).
- risk: with every r = 1, the threat to j is S_j = Σ_i EU(i→j); R_j = (2 S_j − max S −
  min S)/(max S − min S) and r_j = (1 − R_j/3)/(1 + R_j/3) ∈ [½, 2], recomputed each round
  (Scholz et al.'s steps 2–9) and stored in ``state.risk``.
- offers. Each actor a looks at every b (x_b ≠ x_a) from its own point of view, i.e. with
  its own exponent r_a in both utilities: e = EU(a→b), f = EU(b→a):
  f > e > 0 → confrontation a loses, a moves to x_b;
  f > 0 > e, f > |e| → compromise, a moves |e/f| of the way to x_b;
  f > 0 > e, f < |e| → capitulation, a moves to x_b; otherwise no offer.
  Choice (``offer_rule="scholz"``, default): a confrontation if any (the nearest), else the
  compromise whose weighted position (|e| x_a + |f| x_b)/(|e| + |f|) is lowest, else the
  nearest capitulation — again the authors' program as publicly re-implemented;
  ``offer_rule="least"``: the offer that moves a least, as the paper's text says.
  All actors move at once. The round reports the accepted offers only (at most one per
  actor), each with ``actors`` = [sender, receiver]. Risk exponents given with the table
  are overwritten: BDM derives them each round.

Validation: the defaults reproduce Scholz et al.'s car-emission rounds (round-1 median
exactly, the rest within 0.1 except round 2); the comparison and every deviation are in
docs/validation.md, "Car-emission example" (tests/test_bdm_car_emissions.py).

Cost. The (n, n) matrices (utilities, P, offers) make one round Θ(n²). Every sum over
voters uses the fast path by default: vote totals and the median from prefix sums, and the
numerators of P from prefix sums over voters sorted by position of c_k s_k g_k(x_j) (a
voter backs i against j exactly when it lies on i's side of the midpoint, so each pair is a
binary search: O(n² log n)); the ``"all"`` denominator is then 2 Σ N, because
Σ_k |v_k(i, j)| = N_ij + N_ji (``success_total_fast`` computes it independently by sorting
each voter's distances, as a check). The direct O(n³) sums are kept as references
(``*_direct``) and tested against the fast ones. Work is chunked so memory stays O(n²).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.state import BargainingState

#: rows per chunk for the O(n²)-memory loops (keeps temporaries near CHUNK·n floats)
CHUNK = 512


# ------------------------------------------------------------------ votes and the median


def votes_direct(x: np.ndarray, cs: np.ndarray, w: float) -> np.ndarray:
    """(n, n) total linear votes for x_i against x_j: the O(n³) reference."""
    d = np.abs(x[:, None] - x[None, :])  # d[k, i] = |x_k − x_i|
    return np.einsum("k,kij->ij", cs, d[:, None, :] - d[:, :, None]) / w


def distance_sums(x: np.ndarray, cs: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """D(y) = Σ_k cs_k |x_k − y| at each y (default: at every x_i), by prefix sums:
    O((n + len(y)) log n)."""
    y = x if y is None else np.asarray(y, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], cs[order]
    cw = np.concatenate([[0.0], np.cumsum(ws)])
    cwx = np.concatenate([[0.0], np.cumsum(ws * xs)])
    t = np.searchsorted(xs, y, side="left")  # voters strictly left of y
    left = y * cw[t] - cwx[t]
    right = (cwx[-1] - cwx[t]) - y * (cw[-1] - cw[t])
    return left + right


def votes_fast(x: np.ndarray, cs: np.ndarray, w: float) -> np.ndarray:
    """(n, n) total linear votes via D: O(n log n) plus the n² output."""
    D = distance_sums(x, cs)
    return (D[None, :] - D[:, None]) / w


def median_position(x: np.ndarray, cs: np.ndarray) -> float:
    """The actor position that beats every other in pairwise votes (minimises D).

    Candidates are the positions of actors with weight (c·s > 0) when there are any, so an
    actor that takes no part (salience 0) is never reported as the median voter."""
    cand = x[cs > 0] if np.any(cs > 0) else x
    D = distance_sums(x, cs, cand)
    return float(cand[int(np.argmin(D))])


# ------------------------------------------------------------- probability of success


def _g(x: np.ndarray, w: float, rho: np.ndarray | None, rows: slice | np.ndarray) -> np.ndarray:
    """g[k, j] = (|x_k − x_j| / w)^ρ_k for the voters in ``rows``."""
    d = np.abs(x[rows, None] - x[None, :]) / w
    if rho is None:
        return d
    return d ** np.asarray(rho)[rows, None]


def success_parts_direct(x: np.ndarray, cs: np.ndarray, w: float,
                         rho: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """O(n³) reference: (N, A, Z) with N[i, j] = Σ_k max(v_k(i, j), 0), A[i, j] =
    Σ_k |v_k(i, j)| and Z = Σ_k Σ_a Σ_b |v_k(a, b)|, v_k(i, j) = cs_k (g_k(x_j) − g_k(x_i))."""
    n = len(x)
    N = np.zeros((n, n))
    A = np.zeros((n, n))
    for k in range(n):
        gk = _g(x, w, rho, np.array([k]))[0]
        v = cs[k] * (gk[None, :] - gk[:, None])  # v[i, j]
        N += np.maximum(v, 0.0)
        A += np.abs(v)
    return N, A, float(A.sum())


def success_numerator_fast(x: np.ndarray, cs: np.ndarray, w: float,
                           rho: np.ndarray | None = None) -> np.ndarray:
    """N[i, j] = Σ_k max(v_k(i, j), 0) in O(n² log n).

    v_k(i, j) > 0 exactly when voter k is strictly nearer x_i than x_j, i.e. on x_i's side
    of the midpoint m = (x_i + x_j)/2; so N[i, j] = Σ_{k on i's side} cs_k (g_k(x_j) −
    g_k(x_i)), a difference of two prefix sums over voters sorted by position. Everything is
    done in position order (each row's midpoints are then sorted, which keeps the binary
    searches cache-friendly) and permuted back at the end."""
    n = len(x)
    order = np.argsort(x, kind="stable")
    xs, css = x[order], cs[order]
    rs = None if rho is None else np.asarray(rho, dtype=float)[order]
    # CG[t, j] = Σ_{first t voters} cs_k g_k(x_j), all in position order
    CG = np.empty((n + 1, n))
    CG[0] = 0.0
    for a in range(0, n, CHUNK):
        rows = np.arange(a, min(a + CHUNK, n))
        CG[a + 1:a + 1 + len(rows)] = css[rows, None] * _g(xs, w, rs, rows)
    np.cumsum(CG, axis=0, out=CG)
    tot = CG[n]
    Ns = np.empty((n, n))
    cols = np.arange(n)[None, :]
    for a in range(0, n, CHUNK):
        i = np.arange(a, min(a + CHUNK, n))[:, None]
        xi = xs[i]
        m = 0.5 * (xi + xs[None, :])
        lo = np.searchsorted(xs, m, side="left")   # voters with x_k < m
        # voters with x_k <= m: the same count unless a voter sits exactly on a midpoint,
        # so only those (rare) midpoints need the second search
        hi = lo.copy()
        tie = xs[np.minimum(lo, n - 1)] == m
        if tie.any():
            hi[tie] = np.searchsorted(xs, m[tie], side="right")
        left = CG[lo, cols] - CG[lo, i]
        right = (tot[cols] - CG[hi, cols]) - (tot[i] - CG[hi, i])
        Ns[i[:, 0]] = np.where(xi < xs[None, :], left,
                               np.where(xi > xs[None, :], right, 0.0))
    np.maximum(Ns, 0.0, out=Ns)
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.arange(n)
    return Ns[np.ix_(inv, inv)]


def success_total_fast(x: np.ndarray, cs: np.ndarray, w: float,
                       rho: np.ndarray | None = None) -> float:
    """Z = Σ_k cs_k Σ_a Σ_b |g_k(x_a) − g_k(x_b)| in O(n² log n): for sorted values v_(t),
    Σ_a Σ_b |v_a − v_b| = 2 Σ_t (2t − n + 1) v_(t)."""
    n = len(x)
    coef = 2.0 * (2.0 * np.arange(n) - n + 1.0)
    z = 0.0
    for a in range(0, n, CHUNK):
        rows = np.arange(a, min(a + CHUNK, n))
        g = np.sort(_g(x, w, rho, rows), axis=1)  # g_k is increasing in distance
        z += float(cs[rows] @ (g @ coef))
    return z


def success(x: np.ndarray, cs: np.ndarray, w: float, rho: np.ndarray | None = None,
            denominator: str = "all", fast: bool = True) -> np.ndarray:
    """(n, n) P[i, j], the probability that x_i beats x_j (0 where x_i = x_j)."""
    if fast:
        N = success_numerator_fast(x, cs, w, rho)
        if denominator == "all":
            # Σ_k |v_k(i, j)| = N[i, j] + N[j, i], so Z = 2 Σ N: no further pass over voters
            Z = 2.0 * float(N.sum())
            return N / Z if Z > 0 else np.zeros_like(N)
        A = N + N.T
    else:
        N, A, Z = success_parts_direct(x, cs, w, rho)
        if denominator == "all":
            return N / Z if Z > 0 else np.zeros_like(N)
    if denominator != "pair":
        raise ValueError(f"denominator must be 'all' or 'pair', not {denominator!r}")
    return np.where(A > 0, N / np.where(A > 0, A, 1.0), 0.0)


# ------------------------------------------------------------------ expected utilities


def _eu_rows(x: np.ndarray, s: np.ndarray, w: float, r: np.ndarray, P: np.ndarray,
             mu: float, Q: float, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``rows`` of (X, Y): X[a, b] = EU(a→b) and Y[a, b] = EU(b→a), both judged with
    a's exponent r_a (the diagonal, a = b, is 0)."""
    ra = r[rows]
    R = ra[:, None]
    xa = x[rows, None]
    d = np.abs(xa - x[None, :]) / w
    if np.all(ra == 1.0):  # risk neutral: U_s = 2d, U_f = −2d, U_sq = 0 (no powers)
        us = 2.0 * d
        gap = -2.0 * us
        base = us
    else:
        us = 2 - 4 * (0.5 - 0.5 * d) ** R
        gap = (2 - 4 * (0.5 + 0.5 * d) ** R) - us
        base = us - Q * (2 - 4 * 0.5 ** R)
    # s_b [P U_s + (1 − P) U_f] + (1 − s_b) U_s − Q U_sq = base + s_b (1 − P)(U_f − U_s)
    X = base + s[None, :] * (1 - P[rows]) * gap
    Y = base + s[rows, None] * (1 - P[:, rows].T) * gap
    if Q != 1.0:
        dm = np.abs(x - mu)
        T = (dm[rows, None] < dm[None, :]).astype(float)  # μ nearer x_a than x_b
        dab = np.abs(xa - x[None, :])
        e = np.clip(0.25 * (dm[rows, None] + dab) / w, 0, 0.5)  # a challenges b
        X = X - (1 - Q) * (T * (2 - 4 * (0.5 - e) ** R) + (1 - T) * (2 - 4 * (0.5 + e) ** R))
        eb = np.clip(0.25 * (dm[None, :] + dab) / w, 0, 0.5)  # b challenges a
        Tb = (dm[None, :] < dm[rows, None]).astype(float)
        Y = Y - (1 - Q) * (Tb * (2 - 4 * (0.5 - eb) ** R)
                           + (1 - Tb) * (2 - 4 * (0.5 + eb) ** R))
    k = np.arange(len(rows))
    X[k, rows] = 0.0
    Y[k, rows] = 0.0
    return X, Y


def _chunks(n: int):
    for a in range(0, n, CHUNK):
        yield np.arange(a, min(a + CHUNK, n))


def risk_exponents(x: np.ndarray, s: np.ndarray, cs: np.ndarray, w: float, mu: float,
                   Q: float = 1.0, denominator: str = "all", fast: bool = True) -> np.ndarray:
    """(n,) r_i from how threatened each actor is, all utilities at r = 1 (steps 2–9)."""
    n = len(x)
    ones = np.ones(n)
    P1 = success(x, cs, w, None, denominator, fast)
    S = np.zeros(n)  # S[j] = Σ_i EU(i→j)
    for rows in _chunks(n):
        S += _eu_rows(x, s, w, ones, P1, mu, Q, rows)[0].sum(axis=0)
    if not S.max() > S.min():
        return ones
    R = (2 * S - S.max() - S.min()) / (S.max() - S.min())
    return (1 - R / 3) / (1 + R / 3)


def expected_utilities(state: BargainingState, j: int, Q: float = 1.0,
                       denominator: str = "all", vote_risk: bool = True) -> np.ndarray:
    """(n, n) EU[i, k]: i's expected utility of challenging k on issue j, with each row in
    that actor's current exponent ``state.risk[:, j]`` (the perceived matrix of Scholz et al.)."""
    x = state.position[:, j]
    s = state.salience[:, j]
    cs = state.capability * s
    w = float(state.width[j])
    r = state.risk[:, j].copy()
    mu = median_position(x, cs)
    P = success(x, cs, w, r if vote_risk else None, denominator)
    return np.vstack([_eu_rows(x, s, w, r, P, mu, Q, rows)[0] for rows in _chunks(state.n)])


# ------------------------------------------------------------------------ the protocol


def _choose(x: np.ndarray, rows: np.ndarray, e: np.ndarray, f: np.ndarray,
            offer_rule: str) -> list[tuple[int, int, str, float, float, float]]:
    """The offer each receiver in ``rows`` accepts: (a, b, kind, new position, e, f)."""
    xa = x[rows, None]
    valid = xa != x[None, :]
    conf = valid & (f > e) & (e > 0)
    neg = valid & (f > 0) & (e < 0)
    comp = neg & (f > -e)
    cap = neg & (f < -e)
    dist = np.abs(x[None, :] - xa)
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(comp, xa + (x[None, :] - xa) * np.abs(e / f), x[None, :])
    inf = np.inf
    if offer_rule == "scholz":
        with np.errstate(divide="ignore", invalid="ignore"):
            wpos = (np.abs(e) * xa + np.abs(f) * x[None, :]) / (np.abs(e) + np.abs(f))
        pick = np.full(len(rows), -1)
        for mask, key in ((cap, dist), (comp, wpos), (conf, dist)):  # the last one found wins
            b = np.argmin(np.where(mask, key, inf), axis=1)
            pick = np.where(mask.any(axis=1), b, pick)
    elif offer_rule == "least":
        any_offer = conf | comp | cap
        move = np.where(any_offer, np.abs(target - xa), inf)
        pick = np.where(any_offer.any(axis=1), np.argmin(move, axis=1), -1)
    else:
        raise ValueError(f"offer_rule must be 'scholz' or 'least', not {offer_rule!r}")
    out = []
    for k in np.nonzero(pick >= 0)[0]:
        b = int(pick[k])
        kind = ("confrontation" if conf[k, b] else
                "compromise" if comp[k, b] else "capitulation")
        out.append((int(rows[k]), b, kind, float(target[k, b]), float(e[k, b]),
                    float(f[k, b])))
    return out


def bdm_round(x: np.ndarray, s: np.ndarray, c: np.ndarray, w: float, *, Q: float = 1.0,
              denominator: str = "all", vote_risk: bool = True, offer_rule: str = "scholz",
              fast: bool = True) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """One BDM round on one issue: (new positions, risk exponents, accepted offers).

    Each accepted offer is a dict with kind, receiver index ``a``, sender index ``b``,
    ``offer`` (the new position), ``eu`` = EU(a→b) and ``eu_other`` = EU(b→a)."""
    if offer_rule not in ("scholz", "least"):
        raise ValueError(f"offer_rule must be 'scholz' or 'least', not {offer_rule!r}")
    x = np.asarray(x, dtype=float)
    n = len(x)
    cs = c * s
    mu = median_position(x, cs)
    r = risk_exponents(x, s, cs, w, mu, Q, denominator, fast)
    P = success(x, cs, w, r if vote_risk else None, denominator, fast)
    new = x.copy()
    accepted: list[dict[str, Any]] = []
    for rows in _chunks(n):
        e, f = _eu_rows(x, s, w, r, P, mu, Q, rows)  # e[a, b] = EU(a→b), f = EU(b→a)
        for a, b, kind, pos, ea, fa in _choose(x, rows, e, f, offer_rule):
            new[a] = pos
            accepted.append({"kind": kind, "a": a, "b": b, "offer": pos, "eu": ea,
                             "eu_other": fa})
    return new, r, accepted

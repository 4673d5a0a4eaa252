"""Spatial model of politics (SMP): BDM-style bargaining on all dimensions at once.

Modelled on the multi-dimensional SMP of KAPSARC's KTAB toolkit (Wise, Lester et al.,
KTAB documentation, 2015-2017), which generalises Bueno de Mesquita's model from one issue
to a policy space: an actor's position is a vector, it has a salience per dimension, and a
challenge or a deal moves the whole vector. What is implemented here (KTAB's C++ code was
not used or copied; where KTAB offers options, the choice is named):

- Scales: each dimension is mapped to [0, 1] by its scale (lo, hi).
- Distance as actor k sees it: d_k(y) = Σ_d w_kd |x_kd − y_d|, with w_kd = s_kd / Σ_d s_kd
  (k's saliences as weights over dimensions; uniform if k has none).
- Stake: σ_k = Σ_d s_kd divided by the largest such sum (KTAB reads saliences summing to at
  most 100% over the dimensions; tables with one 0-1 salience per column are brought to the
  same footing by the division).
- Votes of k for actor i's position against j's: v_k(i, j) = c_k σ_k (d_k(x_j) − d_k(x_i));
  probability that i's position beats j's: P_ij = Σ_k max(v_k, 0) / Σ_k |v_k|
  (KTAB's "linear" victory probability over the pair).
- Expected utility of i challenging j, judged by i (risk neutral, BDM's form with Q = 1):
  EU(i→j) = 2 d_i(x_j) [1 − 2 σ_j (1 − P_ij)].
- Offers, receiver a and sender b, e = EU(a→b), f = EU(b→a): f > e > 0 confrontation a
  loses (a moves to x_b), f > 0 > e and f > |e| compromise (a moves |e/f| of the way to
  x_b), f > 0 > e and f < |e| capitulation (a moves to x_b); a takes the offer that moves
  it least (by d_a); all move at once, on every dimension together.
- Forecast: the actor position with the least capability × stake weighted distance to all
  actors (the multi-dimensional median voter), reported per dimension.

Risk exponents are not derived (all actors risk neutral), KTAB's probabilistic Condorcet
election over all positions is replaced by the weighted median position, and deals are
deterministic; docs/validation.md compares the result with KTAB's published runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean
from model.state import BargainingState


def _space(state: BargainingState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, w, stake): positions on [0, 1] per dimension, per-actor salience weights over
    dimensions, and each actor's stake σ_k."""
    y = (state.position - state.lo[None, :]) / state.width[None, :]
    tot = state.salience.sum(axis=1)
    w = np.where(tot[:, None] > 0, state.salience / np.where(tot > 0, tot, 1.0)[:, None],
                 1.0 / state.m)
    stake = tot / tot.max() if tot.max() > 0 else np.zeros(state.n)
    return y, w, stake


def distances(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """D[k, j] = d_k(x_j) = Σ_d w_kd |y_kd − y_jd|."""
    return np.einsum("kd,kjd->kj", w, np.abs(y[:, None, :] - y[None, :, :]))


def median_index(D: np.ndarray, cs: np.ndarray) -> int:
    """Index of the actor position with the least weighted distance to all actors."""
    cand = np.flatnonzero(cs > 0) if np.any(cs > 0) else np.arange(len(cs))
    return int(cand[np.argmin(cs @ D[:, cand])])


def smp_round(state: BargainingState) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One round: (new positions on the issues' scales, accepted offers)."""
    y, w, stake = _space(state)
    n = state.n
    cs = state.capability * stake
    D = distances(y, w)
    V = cs[:, None, None] * (D[:, None, :] - D[:, :, None])  # V[k, i, j] = v_k(i, j)
    num = np.maximum(V, 0).sum(axis=0)
    den = np.abs(V).sum(axis=0)
    P = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    # EU seen by a: e[a, b] = EU(a→b), f[a, b] = EU(b→a), both with a's distance d_a(x_b)
    d = D  # d[a, b] = d_a(x_b)
    e = 2 * d * (1 - 2 * stake[None, :] * (1 - P))
    f = 2 * d * (1 - 2 * stake[:, None] * (1 - P.T))
    differ = d > 0
    conf = differ & (f > e) & (e > 0)
    comp = differ & (f > 0) & (e < 0) & (f > -e)
    cap = differ & (f > 0) & (e < 0) & (f < -e)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(comp, np.abs(e / f), 1.0)
    move = np.where(conf | comp | cap, frac * d, np.inf)
    new = y.copy()
    accepted: list[dict[str, Any]] = []
    for a in range(n):
        b = int(np.argmin(move[a]))
        if not np.isfinite(move[a, b]):
            continue
        new[a] = y[a] + frac[a, b] * (y[b] - y[a])
        kind = "confrontation" if conf[a, b] else "compromise" if comp[a, b] else \
            "capitulation"
        accepted.append({"kind": kind, "a": a, "b": b, "share": float(frac[a, b]),
                         "eu": float(e[a, b]), "eu_other": float(f[a, b])})
    return state.lo[None, :] + new * state.width[None, :], accepted


class SMP(Protocol):
    name = "smp"
    summary = ("spatial model of politics: BDM-style challenges on all dimensions at once, "
               "saliences per dimension (after KTAB)")
    reference = "KTAB SMP (KAPSARC, 2015-17); Bueno de Mesquita (1994); Scholz et al. (2011)"

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        # the votes V[k, i, j] are (n, n, n), the distances (n, n, m)
        return 2.0 * (n ** 3 + n * n * m), float(max(n ** 3, n * n * m)), "n³ + n²·m"

    def forecast(self, state: BargainingState) -> np.ndarray:
        y, w, stake = _space(state)
        k = median_index(distances(y, w), state.capability * stake)
        return state.position[k].copy()

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        pos, accepted = smp_round(state)
        state.position[:] = pos
        inter = [{"kind": o["kind"], "issue": state.issue_ids[0],
                  "issues": list(state.issue_ids),
                  "actors": [state.actor_ids[o["b"]], state.actor_ids[o["a"]]],
                  "share": o["share"], "eu": o["eu_other"], "eu_receiver": o["eu"]}
                 for o in accepted]
        f = self.forecast(state)
        return RoundReport(forecast=f, median=f.copy(), mean=weighted_mean(state),
                           interactions=inter)

"""Bueno de Mesquita's expected utility model (BDM), one round per step.

Follows the formalisation of Scholz, Calbert & Smith (2011), "Unravelling Bueno de
Mesquita's group decision model", Journal of Theoretical Politics 23(4): 510-531, of Bueno
de Mesquita (1994). Per issue, with positions x, capability c, salience s, scale width w:

- votes   v_k(i, j) = c_k s_k (|x_k − x_j| − |x_k − x_i|) / w; the total for i against j is
  (D_j − D_i)/w with D_i = Σ_k c_k s_k |x_k − x_i|, so the median voter position (the
  Condorcet winner of pairwise votes) is the position minimising D: O(n log n).
- success P_ij = Σ_k max(v_k(i,j), 0) / Σ_k |v_k(i,j)|.
- utilities with risk exponent r_i and d = |x_i − x_j|/w, μ the median:
  U_s = 2 − 4(½ − ½d)^r, U_f = 2 − 4(½ + ½d)^r, U_sq = 2 − 4·½^r,
  U_b = 2 − 4(½ − ¼(|x_i − μ| + |x_i − x_j|)/w)^r, U_w = 2 − 4(½ + ¼(…)/w)^r.
- expected utility of i challenging j:
  EU_i(ij) = s_j [P U_s + (1 − P) U_f] + (1 − s_j) U_s − Q U_sq − (1 − Q)[T U_b + (1 − T) U_w],
  T = 1 if the median is nearer i than j.
- risk: R_i = (2 Σ_j EU_j(ji) − max − min)/(max − min) over the actors' sums, and
  r_i = (1 − R_i/3)/(1 + R_i/3) (updated each round).
- offers, from i to j, by i's view (x = EU_i(ij), y = EU_j(ij) as i estimates it):
  x > 0 and y > 0 → confrontation (j moves to x_i if P_ij > ½);
  x > 0, y < 0, x > |y| → compromise (j moves |y/x| of the way to x_i);
  x > 0, y < 0, x ≤ |y| → capitulation (j moves to x_i); x ≤ 0 → no offer.
  Each actor takes the offer that asks it to move least.

Deviations: EU_j(ij) is evaluated with j's own risk exponent and the same P (no separate
perceived probabilities); success probabilities use the direct O(n³) sum (chunked), so very
large issues are slow. Not yet validated against the car-emission example of Scholz et al.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean
from model.state import BargainingState


def votes_direct(x: np.ndarray, cs: np.ndarray, w: float) -> np.ndarray:
    """(n, n) total votes for x_i against x_j: the O(n³) reference."""
    d = np.abs(x[:, None] - x[None, :])  # d[k, i] = |x_k − x_i|
    return np.einsum("k,kij->ij", cs, d[:, None, :] - d[:, :, None]) / w


def votes_fast(x: np.ndarray, cs: np.ndarray, w: float) -> np.ndarray:
    """(n, n) total votes via D_i = Σ_k cs_k |x_k − x_i|: O(n²)."""
    D = np.abs(x[:, None] - x[None, :]) @ cs
    return (D[None, :] - D[:, None]) / w


def median_position(x: np.ndarray, cs: np.ndarray) -> float:
    """The position that beats every other in pairwise votes (minimises D)."""
    D = np.abs(x[:, None] - x[None, :]) @ cs
    return float(x[int(np.argmin(D))])


def success(x: np.ndarray, cs: np.ndarray, w: float) -> np.ndarray:
    """(n, n) P_ij: share of the absolute votes that back i against j."""
    n = len(x)
    pos = np.zeros((n, n))
    tot = np.zeros((n, n))
    for k in range(n):
        v = cs[k] * (np.abs(x[k] - x[None, :]) - np.abs(x[k] - x[:, None])) / w
        pos += np.maximum(v, 0)
        tot += np.abs(v)
    return np.where(tot > 0, pos / np.where(tot > 0, tot, 1), 0.5)


def expected_utilities(state: BargainingState, j: int, Q: float = 1.0) -> np.ndarray:
    """(n, n) EU[i, k]: i's expected utility of challenging k on issue j."""
    x = state.position[:, j]
    s = state.salience[:, j]
    cs = state.capability * s
    w = float(state.width[j])
    r = state.risk[:, j][:, None]
    mu = median_position(x, cs)
    P = success(x, cs, w)
    d = np.abs(x[:, None] - x[None, :]) / w
    us = 2 - 4 * (0.5 - 0.5 * d) ** r
    uf = 2 - 4 * (0.5 + 0.5 * d) ** r
    usq = 2 - 4 * 0.5 ** r
    e = np.clip(0.25 * (np.abs(x - mu)[:, None] + np.abs(x[:, None] - x[None, :])) / w, 0, 0.5)
    ub = 2 - 4 * (0.5 - e) ** r
    uw = 2 - 4 * (0.5 + e) ** r
    T = (np.abs(x - mu)[:, None] < np.abs(x - mu)[None, :]).astype(float)
    eu = (s[None, :] * (P * us + (1 - P) * uf) + (1 - s[None, :]) * us
          - Q * usq - (1 - Q) * (T * ub + (1 - T) * uw))
    np.fill_diagonal(eu, 0.0)
    return eu


class BDM(Protocol):
    name = "bdm"
    summary = "Bueno de Mesquita expected utility model (challenges, offers, risk)"
    reference = "Scholz, Calbert & Smith (2011), J. Theoretical Politics 23(4); BdM (1994)"

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {"Q": 1.0}

    def forecast(self, state: BargainingState) -> np.ndarray:
        return np.array([median_position(state.position[:, j],
                                         state.capability * state.salience[:, j])
                         for j in range(state.m)])

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        interactions: list[dict[str, Any]] = []
        new = state.position.copy()
        for j in range(state.m):
            x = state.position[:, j]
            eu = expected_utilities(state, j, self.params["Q"])
            cs = state.capability * state.salience[:, j]
            P = success(x, cs, float(state.width[j]))
            # risk update from how threatened each actor is (Σ of others' EU against it)
            sec = eu.sum(axis=0)
            if sec.max() > sec.min():
                R = (2 * sec - sec.max() - sec.min()) / (sec.max() - sec.min())
                state.risk[:, j] = (1 - R / 3) / (1 + R / 3)
            X, Y = eu, eu.T  # X[i,k] = EU_i(ik); Y[i,k] = EU_k(ki) as i's estimate of k's
            best = np.full(state.n, np.inf)
            for i, k in zip(*np.nonzero(X > 0), strict=True):
                if i == k or x[i] == x[k]:
                    continue
                y = Y[i, k]
                if y > 0:
                    if P[i, k] <= 0.5:
                        continue
                    kind, target = "confrontation", x[i]
                elif X[i, k] > abs(y):
                    kind, target = "compromise", x[k] + (x[i] - x[k]) * abs(y) / X[i, k]
                else:
                    kind, target = "capitulation", x[i]
                move = abs(target - x[k])
                if move < best[k]:
                    best[k] = move
                    new[k, j] = target
                interactions.append({"kind": kind, "issue": state.issue_ids[j],
                                     "actors": [state.actor_ids[i], state.actor_ids[k]],
                                     "offer": float(target), "eu": float(X[i, k])})
        state.position[:] = new
        f = self.forecast(state)
        return RoundReport(forecast=f, median=f.copy(), mean=weighted_mean(state),
                           interactions=interactions)

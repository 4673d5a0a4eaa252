"""KTAB's probabilistic Condorcet election (PCE) over the actors' positions.

The first stage of the multi-dimensional Spatial Model of Politics in KAPSARC's KTAB
toolkit, written from KTAB's SMP tutorial (``web/tutorial/SMPTutorial.md`` in
lsyaseen/KTAB, the model options) and checked number by number against KTAB's published
reference run (``examples/smp/doc/20170530_ref-SOE-Pol-Comp.txt``: the value matrix, the
inferred risk attitudes and the risk-aware utilities of iteration 1 are reproduced to the
printed digits, ``tests/test_pce.py``). No KTAB code was used or copied. KTAB's defaults:

- Positions on [0, 1] (each dimension divided by its scale). Actor i's *value* of a
  position y: v_i(y) = 1 − sqrt(Σ_d s_id² (y_d − x_id)² / Σ_d s_id²), a distance weighted
  by the squared saliences (with one dimension simply 1 − |y − x_i|).
- Votes (``VotingRule: Prop``): actor k backs option a over b with c_k (u_k(a) − u_k(b))
  when positive; the coalition strength for a over b is the sum of those votes.
- Victory (``VictoryProbModel: Linear``): P(a > b) = S_ab / (S_ab + S_ba) (a 2:1 ratio
  gives 2/3); 1/2 when nobody cares.
- Election (``PCEModel: Conditional``): p_a ∝ Π_b P(a > b) (with P(a > a) = 1/2): the chance
  that a beats every other option, normalised.
- Risk attitudes (``BigRRange: Mid``): r runs linearly in p from −1/2 (the least probable
  position's holder) to 1 (the most probable); risk-aware utility u = (1 + r) v − r v², and
  actor h estimates actor i's attitude as (2 r_h + r_i) / 3 (``BigRAdjust: OneThird``).

What KTAB does next, and this module does not: each actor picks its most advantageous
target, the challenge's odds are re-estimated with third parties half committed
(``ThirdPartyCommit: SemiCommit``), the two sides' proposals are interpolated per dimension
(``InterVecBrgn: S2P2``, ``BargnModel: InitOnlyInterp``) into a power-weighted compromise,
and every actor's queue of bargains is settled by a deterministic Condorcet vote; the turns
repeat until positions settle. The ``pce`` protocol is the static part only: its forecast
is the election's expected position, Σ_a p_a x_a, from the positions as they stand;
rounds do not move anyone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean, weighted_median
from model.state import BargainingState


def value_matrix(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """V[i, j] = v_i(x_j) for positions ``y`` (n, m) on [0, 1] and saliences ``s`` (n, m);
    an actor without salience weighs the dimensions equally."""
    s2 = s ** 2
    tot = s2.sum(axis=1)
    s2 = np.where(tot[:, None] > 0, s2, 1.0)
    tot = s2.sum(axis=1)
    diff2 = (y[None, :, :] - y[:, None, :]) ** 2  # [i, j, d] = (y_jd - y_id)^2
    return 1.0 - np.sqrt(np.einsum("id,ijd->ij", s2, diff2) / tot[:, None])


def victory(u: np.ndarray, c: np.ndarray) -> np.ndarray:
    """P[a, b] = P(option a beats b): proportional votes, linear victory probability.
    ``u`` (actors, options) are the actors' utilities of the options, ``c`` their
    capabilities."""
    gain = u[:, :, None] - u[:, None, :]  # [k, a, b] = u_k(a) - u_k(b)
    S = np.einsum("k,kab->ab", c, np.maximum(gain, 0.0))
    tot = S + S.T
    return np.where(tot > 0, S / np.where(tot > 0, tot, 1.0), 0.5)


def conditional_pce(P: np.ndarray) -> np.ndarray:
    """p_a ∝ Π_b P[a, b] (the diagonal is 1/2), normalised; uniform if all vanish."""
    # in logs: with dozens of options the products underflow
    with np.errstate(divide="ignore"):
        logp = np.log(P).sum(axis=1)
    if not np.isfinite(logp).any():
        return np.full(len(P), 1.0 / len(P))
    p = np.exp(logp - logp[np.isfinite(logp)].max())
    return p / p.sum()


def risk_attitudes(p: np.ndarray, lo: float = -0.5) -> np.ndarray:
    """r from ``lo`` (least probable) to 1 (most probable), linear in p; 0 if p is flat."""
    span = p.max() - p.min()
    if span <= 0:
        return np.zeros_like(p)
    return lo + (1.0 - lo) * (p - p.min()) / span


def risk_utility(v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """u = (1 + r) v − r v², row i with actor i's attitude r_i."""
    r = np.asarray(r, dtype=float).reshape(-1, *([1] * (np.ndim(v) - 1)))
    return (1.0 + r) * v - r * v ** 2


def estimated_utilities(V: np.ndarray, r: np.ndarray, adjust: float = 1 / 3) -> np.ndarray:
    """E[h] = actor h's estimate of the risk-aware utility matrix: h judges actor i's
    attitude as (1 − adjust) r_h + adjust r_i."""
    R = (1 - adjust) * r[:, None] + adjust * r[None, :]  # R[h, i]
    return np.stack([risk_utility(V, R[h]) for h in range(len(r))])


def election(state: BargainingState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, r, V): the election over the actors' current positions (risk-neutral values, as
    KTAB infers risk attitudes from), the inferred attitudes, and the value matrix."""
    y = (state.position - state.lo[None, :]) / state.width[None, :]
    V = value_matrix(y, state.salience)
    p = conditional_pce(victory(V, state.capability))
    return p, risk_attitudes(p), V


class PCE(Protocol):
    name = "pce"
    summary = ("KTAB's probabilistic Condorcet election over the actors' positions; the "
               "forecast is its expected position (static: rounds move nobody)")
    reference = "KTAB SMP (KAPSARC, 2015-17): tutorial and reference runs"
    static = True

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        # the election's vote gains are an (n, n, n) array, the values (n, n, m)
        return 3.0 * (n ** 3 + n * n * m), float(max(n ** 3, n * n * m)), "n³ + n²·m"

    def forecast(self, state: BargainingState) -> np.ndarray:
        if state.n == 0:
            return state.status_quo.copy()
        p, _, _ = election(state)
        return p @ state.position

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        p, r, _ = election(state) if state.n else (np.zeros(0),) * 3
        inter = [{"kind": "election", "issue": state.issue_ids[0],
                  "issues": list(state.issue_ids), "actors": list(state.actor_ids),
                  "probability": p.tolist(), "risk": r.tolist()}] if state.n else []
        return RoundReport(forecast=self.forecast(state), median=weighted_median(state),
                           mean=weighted_mean(state), interactions=inter)

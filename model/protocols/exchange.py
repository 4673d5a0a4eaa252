"""Stokman & van Oosten's exchange model: actors trade support across issues.

Stokman, F. N. & van Oosten, R. (1994), "The exchange of voting positions: an
object-oriented model of policy networks", in Bueno de Mesquita & Stokman (eds.),
*European Community Decision Making*, Yale UP. The expected outcome of each issue is the
capability × salience weighted mean (the compromise model). Two actors ``i`` and ``k`` can
make a package deal over issues ``a`` and ``b`` when they sit on opposite sides of the
expected outcome on both and their relative saliences differ (``i`` cares relatively more
about ``a``, ``k`` about ``b``): ``k`` moves its position on ``a`` towards ``i``'s side and
``i`` moves on ``b`` towards ``k``'s side -- e.g. "NATO keeps the capability targets, the EU
finances joint procurement". The exchange rate splits the gain equally (S&vO's rule), so the
outcome shifts satisfy ``dO_b / dO_a = (s_ia + s_ka) / (s_ib + s_kb)``; the size is the
largest for which neither actor moves past the expected outcome. Each round, exchanges are
made greedily by joint gain, each actor-issue pair used at most once; positions then move
by the agreed amounts and the forecast is the new weighted mean. Single-issue tables make
no exchanges (the forecast is then the compromise model's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean, weighted_median
from model.state import BargainingState


def find_exchanges(state: BargainingState, min_gain: float = 1e-9) -> list[dict[str, Any]]:
    """All mutually profitable exchanges at the current positions, best joint gain first.

    Each record: actors (i, k), issues (a, b), the moves ``move_k_on_a``, ``move_i_on_b``
    (signed, on the issue scales), the outcome shifts and each actor's utility gain
    (salience-weighted outcome shift, on scales normalised to [0, 1]).
    """
    n, m = state.n, state.m
    if m < 2:
        return []
    c, s = state.capability, state.salience
    wt = c[:, None] * s
    W = wt.sum(axis=0)
    expected = weighted_mean(state)
    width = state.width
    x = state.position
    side = np.sign(x - expected[None, :])  # (n, m)
    dist = np.abs(x - expected[None, :])
    out: list[dict[str, Any]] = []
    for a in range(m):
        for b in range(m):
            if a == b or W[a] <= 0 or W[b] <= 0:
                continue
            for i in range(n):
                for k in range(i + 1, n):  # (i, k, a, b) and (k, i, b, a) are one deal
                    if side[i, a] == 0 or side[i, b] == 0:
                        continue
                    if side[k, a] != -side[i, a] or side[k, b] != -side[i, b]:
                        continue
                    # i cares relatively more about a, k about b
                    if s[i, a] * s[k, b] <= s[i, b] * s[k, a]:
                        continue
                    ratio = (s[i, a] + s[k, a]) / (s[i, b] + s[k, b])  # dO_b/dO_a (in units)
                    # outcome shifts in [0,1] units: dOa from k's move, dOb from i's move
                    max_oa = wt[k, a] * dist[k, a] / W[a] / width[a]
                    max_ob = wt[i, b] * dist[i, b] / W[b] / width[b]
                    if max_oa <= 0 or max_ob <= 0:
                        continue
                    doa = min(max_oa, max_ob / ratio)
                    dob = ratio * doa
                    gi = s[i, a] * doa - s[i, b] * dob
                    gk = s[k, b] * dob - s[k, a] * doa
                    if gi <= min_gain or gk <= min_gain:
                        continue
                    move_k = side[i, a] * doa * width[a] * W[a] / wt[k, a]
                    move_i = side[k, b] * dob * width[b] * W[b] / wt[i, b]
                    out.append({
                        "kind": "exchange", "issue": state.issue_ids[a],
                        "issues": [state.issue_ids[a], state.issue_ids[b]],
                        "actors": [state.actor_ids[i], state.actor_ids[k]],
                        "_ix": (i, k, a, b), "move_k_on_a": float(move_k),
                        "move_i_on_b": float(move_i), "outcome_shift_a": float(doa),
                        "outcome_shift_b": float(dob), "gain_i": float(gi), "gain_k": float(gk),
                    })
    out.sort(key=lambda e: -(e["gain_i"] + e["gain_k"]))
    return out


class Exchange(Protocol):
    name = "exchange"
    summary = "Stokman–van Oosten vote exchange: package deals across issues of unequal salience"
    reference = ("Stokman & van Oosten (1994) in Bueno de Mesquita & Stokman, "
                 "European Community Decision Making")

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {"max_exchanges": 1000}

    def forecast(self, state: BargainingState) -> np.ndarray:
        return weighted_mean(state)

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        used: set[tuple[int, int]] = set()
        made: list[dict[str, Any]] = []
        for e in find_exchanges(state):
            i, k, a, b = e.pop("_ix")
            if {(k, a), (i, b), (i, a), (k, b)} & used:
                continue
            if len(made) >= int(self.params["max_exchanges"]):
                break
            state.position[k, a] += e["move_k_on_a"]
            state.position[i, b] += e["move_i_on_b"]
            used |= {(k, a), (i, b), (i, a), (k, b)}
            made.append(e)
        return RoundReport(forecast=weighted_mean(state), median=weighted_median(state),
                           mean=weighted_mean(state), interactions=made)

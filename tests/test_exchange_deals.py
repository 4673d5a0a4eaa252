"""The exchange model's all-at-once deal search against the plain loops it replaced."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from model.protocols.base import weighted_mean
from model.protocols.exchange import find_exchanges
from model.state import BargainingState


def loop_reference(state: BargainingState, min_gain: float = 1e-9) -> list[dict[str, Any]]:
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


@pytest.mark.parametrize("seed", range(12))
def test_same_deals_in_the_same_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 14)), int(rng.integers(1, 6))
    pos = rng.choice([0.0, 25, 50, 75, 100], (n, m))
    sal = rng.uniform(0, 1, (n, m)) * (rng.uniform(size=(n, m)) > 0.2)
    st = BargainingState([f"a{i}" for i in range(n)], [f"i{j}" for j in range(m)], pos, pos,
                         sal, rng.uniform(0.1, 1, n), 1.0, True, [50.0] * m, 0.0, 100.0)
    ref, new = loop_reference(st), find_exchanges(st)
    assert [e["_ix"] for e in ref] == [e["_ix"] for e in new]
    for x, y in zip(ref, new, strict=True):
        for key in ("move_k_on_a", "move_i_on_b", "gain_i", "gain_k"):
            assert x[key] == pytest.approx(y[key], rel=1e-12, abs=1e-15)

"""The exchange model's original quadruple loop, kept only as the reference that the
vectorised ``find_exchanges`` is compared with (one copy for every test that needs it)."""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import weighted_mean
from model.state import BargainingState


def loop_exchanges(state: BargainingState, min_gain: float = 1e-9) -> list[dict[str, Any]]:
    """The original quadruple loop over (a, b, i, k), unchanged."""
    n, m = state.n, state.m
    if m < 2:
        return []
    c, s = state.capability, state.salience
    wt = c[:, None] * s
    W = wt.sum(axis=0)
    expected = weighted_mean(state)
    width = state.width
    x = state.position
    side = np.sign(x - expected[None, :])
    dist = np.abs(x - expected[None, :])
    out: list[dict[str, Any]] = []
    for a in range(m):
        for b in range(m):
            if a == b or W[a] <= 0 or W[b] <= 0:
                continue
            for i in range(n):
                for k in range(i + 1, n):
                    if side[i, a] == 0 or side[i, b] == 0:
                        continue
                    if side[k, a] != -side[i, a] or side[k, b] != -side[i, b]:
                        continue
                    if s[i, a] * s[k, b] <= s[i, b] * s[k, a]:
                        continue
                    ratio = (s[i, a] + s[k, a]) / (s[i, b] + s[k, b])
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

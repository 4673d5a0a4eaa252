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


def _deals(state: BargainingState, min_gain: float = 1e-9) -> dict[str, np.ndarray]:
    """Every mutually profitable deal as arrays (one entry per deal), best joint gain first:
    issue indices ``a``, ``b``, actor indices ``i``, ``k``, outcome shifts ``doa``,
    ``dob``, gains ``gi``, ``gk`` and the moves ``move_k`` (k on a), ``move_i`` (i on b)."""
    n, m = state.n, state.m
    keys = ("a", "b", "i", "k", "doa", "dob", "gi", "gk", "move_k", "move_i")
    if m < 2 or n < 2:
        return {key: np.zeros(0) for key in keys}
    c, s = state.capability, state.salience
    wt = c[:, None] * s
    W = wt.sum(axis=0)
    expected = weighted_mean(state)
    width = state.width
    x = state.position
    side = np.sign(x - expected[None, :])  # (n, m)
    dist = np.abs(x - expected[None, :])
    iu, ku = np.triu_indices(n, k=1)  # every unordered pair once, in (i, k) loop order
    # every (a, b, pair) at once, axes (a, b, pair), so np.nonzero lists the deals in the
    # order of the loops "for a, for b, for i < k" (the stable sort keeps it among ties)

    def on_a(v: np.ndarray, who: np.ndarray) -> np.ndarray:
        return v[who].T[:, None, :]  # (m, 1, P): the value on issue a

    def on_b(v: np.ndarray, who: np.ndarray) -> np.ndarray:
        return v[who].T[None, :, :]  # (1, m, P): the value on issue b
    si_a, si_b, sk_a, sk_b = on_a(s, iu), on_b(s, iu), on_a(s, ku), on_b(s, ku)
    di_a, di_b = on_a(side, iu), on_b(side, iu)
    # both sides taken, opposite sides on a and on b, i cares relatively more about a
    ok = ((di_a != 0) & (di_b != 0) & (on_a(side, ku) == -di_a) & (on_b(side, ku) == -di_b)
          & (si_a * sk_b > si_b * sk_a))
    ok &= (~np.eye(m, dtype=bool) & (W[:, None] > 0) & (W[None, :] > 0))[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (si_a + sk_a) / (si_b + sk_b)  # dO_b/dO_a (in units)
        # outcome shifts in [0,1] units: dOa from k's move, dOb from i's move
        max_oa = on_a(wt, ku) * on_a(dist, ku) / W[:, None, None] / width[:, None, None]
        max_ob = on_b(wt, iu) * on_b(dist, iu) / W[None, :, None] / width[None, :, None]
        doa = np.minimum(max_oa, max_ob / ratio)
        dob = ratio * doa
        gi = si_a * doa - si_b * dob
        gk = sk_b * dob - sk_a * doa
    ok &= (max_oa > 0) & (max_ob > 0) & (gi > min_gain) & (gk > min_gain)
    a, b, t = np.nonzero(ok)
    i, k = iu[t], ku[t]
    d = {"a": a, "b": b, "i": i, "k": k, "doa": doa[a, b, t], "dob": dob[a, b, t],
         "gi": gi[a, b, t], "gk": gk[a, b, t]}
    d["move_k"] = side[i, a] * d["doa"] * width[a] * W[a] / wt[k, a]
    d["move_i"] = side[k, b] * d["dob"] * width[b] * W[b] / wt[i, b]
    order = np.argsort(-(d["gi"] + d["gk"]), kind="stable")
    return {key: v[order] for key, v in d.items()}


def _record(state: BargainingState, d: dict[str, np.ndarray], t: int) -> dict[str, Any]:
    a, b, i, k = (int(d[key][t]) for key in ("a", "b", "i", "k"))
    return {"kind": "exchange", "issue": state.issue_ids[a],
            "issues": [state.issue_ids[a], state.issue_ids[b]],
            "actors": [state.actor_ids[i], state.actor_ids[k]], "_ix": (i, k, a, b),
            "move_k_on_a": float(d["move_k"][t]), "move_i_on_b": float(d["move_i"][t]),
            "outcome_shift_a": float(d["doa"][t]), "outcome_shift_b": float(d["dob"][t]),
            "gain_i": float(d["gi"][t]), "gain_k": float(d["gk"][t])}


def find_exchanges(state: BargainingState, min_gain: float = 1e-9) -> list[dict[str, Any]]:
    """All mutually profitable exchanges at the current positions, best joint gain first.

    Each record: actors (i, k), issues (a, b), the moves ``move_k_on_a``, ``move_i_on_b``
    (signed, on the issue scales), the outcome shifts and each actor's utility gain
    (salience-weighted outcome shift, on scales normalised to [0, 1]). Worked out for all
    pairs of actors and issues at once (:func:`_deals`)."""
    d = _deals(state, min_gain)
    return [_record(state, d, t) for t in range(len(d["a"]))]


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
        d = _deals(state)
        cols = zip(*(d[key].tolist() for key in ("a", "b", "i", "k")), strict=True)
        for t, (a, b, i, k) in enumerate(cols):
            if (k, a) in used or (i, b) in used or (i, a) in used or (k, b) in used:
                continue
            if len(made) >= int(self.params["max_exchanges"]):
                break
            e = _record(state, d, t)
            del e["_ix"]
            state.position[k, a] += e["move_k_on_a"]
            state.position[i, b] += e["move_i_on_b"]
            used |= {(k, a), (i, b), (i, a), (k, b)}
            made.append(e)
        return RoundReport(forecast=weighted_mean(state), median=weighted_median(state),
                           mean=weighted_mean(state), interactions=made)

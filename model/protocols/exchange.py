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

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from model.io.safeio import MAX_EXCHANGES
from model.protocols.base import (
    STRICT_PARAMS,
    Protocol,
    RoundReport,
    weighted_mean,
    weighted_median,
)
from model.state import BargainingState


class ExchangeParams(BaseModel):
    model_config = STRICT_PARAMS
    max_exchanges: int = Field(default=1000, ge=0, le=MAX_EXCHANGES)
    #: "stokman": the rounds of this module; "equal-gain": the decide-exchange-model
    #: program's Equal Gain iterations (model.protocols.equal_gain), one per round
    model: Literal["stokman", "equal-gain"] = "stokman"
    #: with "equal-gain", equal gains as the program breaks them ("peer": the exchange not
    #: made first is put in the list twice) or each exchange in it once ("once")
    ties: Literal["peer", "once"] = "peer"


def find_exchanges(state: BargainingState, min_gain: float = 1e-9) -> list[dict[str, Any]]:
    """All mutually profitable exchanges at the current positions, best joint gain first.

    Each record: actors (i, k), issues (a, b), the moves ``move_k_on_a``, ``move_i_on_b``
    (signed, on the issue scales), the outcome shifts and each actor's utility gain
    (salience-weighted outcome shift, on scales normalised to [0, 1]).
    """
    if state.m < 2:
        return []
    cand = _candidates(state, min_gain)
    return [_record(state, cand, q) for q in range(cand["i"].size)]


def _record(state: BargainingState, cand: dict[str, np.ndarray], q: int) -> dict[str, Any]:
    i, k, a, b = (int(cand[x][q]) for x in "ikab")
    return {
        "kind": "exchange", "issue": state.issue_ids[a],
        "issues": [state.issue_ids[a], state.issue_ids[b]],
        "actors": [state.actor_ids[i], state.actor_ids[k]],
        "_ix": (i, k, a, b), "move_k_on_a": float(cand["move_k_on_a"][q]),
        "move_i_on_b": float(cand["move_i_on_b"][q]),
        "outcome_shift_a": float(cand["outcome_shift_a"][q]),
        "outcome_shift_b": float(cand["outcome_shift_b"][q]),
        "gain_i": float(cand["gain_i"][q]), "gain_k": float(cand["gain_k"][q]),
    }


#: elements per block of (issues b, actors i, actors k) evaluated at once (memory bound)
BLOCK = 1 << 21


def _candidates(state: BargainingState, min_gain: float) -> dict[str, np.ndarray]:
    """Every mutually profitable exchange as flat arrays (i, k, a, b, moves, shifts, gains),
    in the order (a, b, i, k) and then stably sorted by joint gain, best first.

    The arithmetic is the per-deal formula of the module docstring, operation for operation,
    elementwise over all (b, i < k) for one issue ``a`` at a time, in blocks of issues ``b``
    of at most :data:`BLOCK` elements so that memory stays bounded for large tables."""
    n, m = state.n, state.m
    c, s = state.capability, state.salience
    wt = c[:, None] * s
    W = wt.sum(axis=0)
    expected = weighted_mean(state)
    width = state.width
    x = state.position
    side = np.sign(x - expected[None, :])  # (n, m)
    dist = np.abs(x - expected[None, :])
    upper = np.triu(np.ones((n, n), bool), 1)  # i < k: (i, k, a, b) and (k, i, b, a) are one
    parts: list[tuple[np.ndarray, ...]] = []
    b_all = np.arange(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(m):
            if W[a] <= 0:
                continue
            b_ok = b_all[(b_all != a) & (W > 0)]
            step = max(1, BLOCK // max(n * n, 1))
            for lo in range(0, b_ok.size, step):
                bs = b_ok[lo:lo + step]
                # axes: (b, i, k)
                s_ia = s[:, a][None, :, None]
                s_ka = s[:, a][None, None, :]
                s_ib = s[:, bs].T[:, :, None]
                s_kb = s[:, bs].T[:, None, :]
                sd_ia, sd_ka = side[:, a][None, :, None], side[:, a][None, None, :]
                sd_ib, sd_kb = side[:, bs].T[:, :, None], side[:, bs].T[:, None, :]
                ok = upper[None] & (sd_ia != 0) & (sd_ib != 0)
                ok &= (sd_ka == -sd_ia) & (sd_kb == -sd_ib)
                ok &= s_ia * s_kb > s_ib * s_ka  # i cares relatively more about a, k about b
                ratio = (s_ia + s_ka) / (s_ib + s_kb)  # dO_b/dO_a (in units)
                # outcome shifts in [0,1] units: dOa from k's move, dOb from i's move
                max_oa = (wt[:, a] * dist[:, a] / W[a] / width[a])[None, None, :]
                max_ob = (wt[:, bs] * dist[:, bs] / W[bs] / width[bs]).T[:, :, None]
                ok &= (max_oa > 0) & (max_ob > 0)
                doa = np.minimum(max_oa, max_ob / ratio)
                dob = ratio * doa
                gi = s_ia * doa - s_ib * dob
                gk = s_kb * dob - s_ka * doa
                ok &= (gi > min_gain) & (gk > min_gain)
                bb, ii, kk = np.nonzero(ok)
                if bb.size == 0:
                    continue
                b = bs[bb]
                doa, dob = doa[bb, ii, kk], dob[bb, ii, kk]
                move_k = side[ii, a] * doa * width[a] * W[a] / wt[kk, a]
                move_i = side[kk, b] * dob * width[b] * W[b] / wt[ii, b]
                parts.append((ii, kk, np.full(ii.size, a), b, move_k, move_i, doa, dob,
                              gi[bb, ii, kk], gk[bb, ii, kk]))
    names = ("i", "k", "a", "b", "move_k_on_a", "move_i_on_b", "outcome_shift_a",
             "outcome_shift_b", "gain_i", "gain_k")
    if not parts:
        return {k: np.empty(0, int if len(k) == 1 else float) for k in names}
    cols = {k: np.concatenate([p[q] for p in parts]) for q, k in enumerate(names)}
    order = np.argsort(-(cols["gain_i"] + cols["gain_k"]), kind="stable")
    return {k: v[order] for k, v in cols.items()}


class Exchange(Protocol):
    name = "exchange"
    summary = "Stokman–van Oosten vote exchange: package deals across issues of unequal salience"
    reference = ("Stokman & van Oosten (1994) in Bueno de Mesquita & Stokman, "
                 "European Community Decision Making")
    binding = True  # an accepted exchange is a promise to vote the other side's way

    Params = ExchangeParams

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        # every pair of actors over every pair of issues, in blocks of BLOCK elements (one
        # issue: no pairs, the weighted mean alone)
        return (float(n) * n * m * (m - 1) / 2 + n * m, float(min(n * n * m, BLOCK) + n * m),
                "n²·m²")

    def forecast(self, state: BargainingState) -> np.ndarray:
        return weighted_mean(state)

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        if self.params["model"] == "equal-gain":
            return _equal_gain_step(state, rng, self.params["ties"])
        made: list[dict[str, Any]] = []
        if state.m >= 2:
            cand = _candidates(state, 1e-9)
            used = np.zeros((state.n, state.m), bool)  # actor-issue pairs already traded
            cap = int(self.params["max_exchanges"])
            ii, kk, aa, bb = (cand[x].tolist() for x in "ikab")
            for q, (i, k, a, b) in enumerate(zip(ii, kk, aa, bb, strict=True)):
                if used[k, a] or used[i, b] or used[i, a] or used[k, b]:
                    continue
                if len(made) >= cap:
                    break
                e = _record(state, cand, q)
                del e["_ix"]
                state.position[k, a] += e["move_k_on_a"]
                state.position[i, b] += e["move_i_on_b"]
                used[k, a] = used[i, b] = used[i, a] = used[k, b] = True
                made.append(e)
        return RoundReport(forecast=weighted_mean(state), median=weighted_median(state),
                           mean=weighted_mean(state), interactions=made)


def _equal_gain_step(state: BargainingState, rng: np.random.Generator,
                     ties: Literal["peer", "once"] = "peer") -> RoundReport:
    """One Equal Gain iteration: positions move to the next start, the forecast is the NBS
    of the voting positions (both on the issues' own scales)."""
    from model.protocols.equal_gain import equal_gain_iteration, nbs

    lo, width = state.lo[None, :], state.width[None, :]
    z = (state.position - lo) / width * 100.0
    vote, start, made = equal_gain_iteration(z, state.salience, state.capability, rng, ties)
    state.position[:] = lo + start / 100.0 * width
    for d in made:  # indices to names, as the other rounds report them
        d["actors"] = [state.actor_ids[i] for i in d["actors"]]
        d["issues"] = [state.issue_ids[k] for k in d["issues"]]
        d["issue"] = d["issues"][0]
    forecast = state.lo + nbs(vote, state.salience, state.capability) / 100.0 * state.width
    return RoundReport(forecast=forecast, median=weighted_median(state),
                       mean=weighted_mean(state), interactions=made)

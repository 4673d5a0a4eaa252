"""BDM capitulation, worked by hand on a three-actor table where it fires.

Table (scale 0-100, W = 100): A at 40 (capability 0.2, salience 0.4), B at 20 (1.0, 0.4),
C at 80 (1.0, 1.0). Procedure: Scholz, Calbert & Smith (2011) as implemented in
model/protocols/bdm.py (defaults: Q = 1, all-pairs denominator, risk votes, the program's
offer choice). The numbers below are worked out in the comments with the paper's formulas,
then checked against an independent loop-by-loop transcription (``hand_round``) and the
engine. Offer quadrants, from the receiver a's point of view with e = EU_a(a→b) and
f = EU_a(b→a): f > e > 0 confrontation (a moves to x_b); f > 0 > e and f > |e| compromise
(a moves |e/f| of the way); f > 0 > e and f < |e| capitulation (a moves to x_b).
"""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.forecast import settle
from model.protocols.bdm import bdm_round
from model.state import BargainingState

X0 = [40.0, 20.0, 80.0]
C = [0.2, 1.0, 1.0]
S = [0.4, 0.4, 1.0]
W = 100.0


def hand_round(x: list[float], c: list[float], s: list[float], w: float):
    """One round in plain loops, straight from the paper's formulas (Q = 1)."""
    n = len(x)
    cs = [c[k] * s[k] for k in range(n)]
    if len(set(x)) == 1:  # everyone agrees: no votes, no offers
        return list(x), [1.0] * n, {}, None, None

    def prob(r: list[float] | None) -> list[list[float]]:
        def g(k: int, y: float) -> float:
            d = abs(x[k] - y) / w
            return d if r is None else d ** r[k]
        num = [[sum(max(cs[k] * (g(k, x[j]) - g(k, x[i])), 0.0) for k in range(n))
                for j in range(n)] for i in range(n)]
        z = sum(abs(cs[k] * (g(k, x[j]) - g(k, x[i])))
                for k in range(n) for i in range(n) for j in range(n))
        return [[num[i][j] / z for j in range(n)] for i in range(n)]

    def eu(i: int, j: int, r: float, p: list[list[float]]) -> float:
        d = abs(x[i] - x[j]) / w
        us, uf, usq = 2 - 4 * (0.5 - 0.5 * d) ** r, 2 - 4 * (0.5 + 0.5 * d) ** r, 2 - 4 * 0.5 ** r
        return s[j] * (p[i][j] * us + (1 - p[i][j]) * uf) + (1 - s[j]) * us - usq

    p1 = prob(None)
    threat = [sum(eu(i, j, 1.0, p1) for i in range(n) if i != j) for j in range(n)]
    hi, lo = max(threat), min(threat)
    big_r = [(2 * t - hi - lo) / (hi - lo) for t in threat]
    r = [(1 - q / 3) / (1 + q / 3) for q in big_r]
    p = prob(r)
    new = list(x)
    kinds = {}
    for a in range(n):
        offers = []
        for b in range(n):
            if x[b] == x[a]:
                continue
            e, f = eu(a, b, r[a], p), eu(b, a, r[a], p)
            if f > e > 0:
                offers.append(("confrontation", abs(x[b] - x[a]), x[b], b))
            elif f > 0 > e and f > -e:
                pos = x[a] + (x[b] - x[a]) * abs(e / f)
                key = (abs(e) * x[a] + abs(f) * x[b]) / (abs(e) + abs(f))
                offers.append(("compromise", key, pos, b))
            elif f > 0 > e and f < -e:
                offers.append(("capitulation", abs(x[b] - x[a]), x[b], b))
        for kind in ("confrontation", "compromise", "capitulation"):
            mine = [o for o in offers if o[0] == kind]
            if mine:
                best = min(mine, key=lambda o: o[1])
                new[a] = best[2]
                kinds[a] = (kind, best[3])
                break
    return new, r, kinds, p1, threat


def test_round_one_by_hand() -> None:
    # cs = c*s: A 0.08, B 0.4, C 1.0. Median voter: D(y) = Σ cs_k |x_k - y| is 48 at 40,
    # 61.6 at 20 and 27.2 at 80, so the median is C's 80.
    # Linear votes for i against j, v_k = cs_k (|x_k - x_j| - |x_k - x_i|)/W, summed over the
    # positive ones: N_AB = .016 + .2 = .216, N_BA = .08, N_AC = .032 + .16 = .192,
    # N_CA = .4, N_BC = .016 + .24 = .256, N_CB = .6; Z = 2 Σ N = 3.488.
    new, r, kinds, p1, threat = hand_round(X0, C, S, W)
    assert p1[0][1] == pytest.approx(0.216 / 3.488)
    assert p1[2][1] == pytest.approx(0.6 / 3.488)
    # At r = 1: EU(i→j) = 2d [1 - 2 s_j (1 - P_ij)], d = |x_i - x_j|/W. Threats on each actor:
    # S_A = EU(B→A) + EU(C→A) = .4[1 - .8(1 - .08/3.488)] + .8[1 - .8(1 - .4/3.488)]
    # S_B = EU(A→B) + EU(C→B) = .4[1 - .8(1 - .216/3.488)] + 1.2[1 - .8(1 - .6/3.488)]
    # S_C = EU(A→C) + EU(B→C) = .8[1 - 2(1 - .192/3.488)] + 1.2[1 - 2(1 - .256/3.488)]
    sa = .4 * (1 - .8 * (1 - .08 / 3.488)) + .8 * (1 - .8 * (1 - .4 / 3.488))
    sb = .4 * (1 - .8 * (1 - .216 / 3.488)) + 1.2 * (1 - .8 * (1 - .6 / 3.488))
    sc = .8 * (1 - 2 * (1 - .192 / 3.488)) + 1.2 * (1 - 2 * (1 - .256 / 3.488))
    assert threat == pytest.approx([sa, sb, sc])
    # B is most threatened (R = 1, r = 0.5), C least (R = -1, r = 2):
    assert r[1] == pytest.approx(0.5) and r[2] == pytest.approx(2.0)
    ra = 2 * sa - sb - sc
    ra /= sb - sc
    assert r[0] == pytest.approx((1 - ra / 3) / (1 + ra / 3))  # 0.5643
    # Offers: A finds f = EU_A(C→A) > 0 > e = EU_A(A→C) with f < |e|: A CAPITULATES to C
    # (80); B loses a confrontation to A (moves to 40); C receives no offer.
    assert kinds == {0: ("capitulation", 2), 1: ("confrontation", 0)}
    assert new == [80.0, 40.0, 80.0]
    # the engine agrees, offer by offer
    pos, risk, acc = bdm_round(np.array(X0), np.array(S), np.array(C), W)
    assert pos.tolist() == new
    np.testing.assert_allclose(risk, r)
    assert {(o["a"], o["kind"], o["b"]) for o in acc} == {(0, "capitulation", 2),
                                                           (1, "confrontation", 0)}
    cap = next(o for o in acc if o["kind"] == "capitulation")
    assert cap["eu_other"] > 0 > cap["eu"] and cap["eu_other"] < -cap["eu"]


def test_later_rounds_by_hand_and_the_settled_answer() -> None:
    x = list(X0)
    hand = [x]
    kinds = []
    for _ in range(4):
        x, _r, k, *_ = hand_round(x, C, S, W)
        hand.append(x)
        kinds.append(k)
    assert hand[1] == [80.0, 40.0, 80.0]
    # round 2 from (80, 40, 80): B capitulates to C (80) while A, judging with its own
    # exponent, loses a confrontation to B's old 40 -- all actors move at once
    assert kinds[1] == {0: ("confrontation", 1), 1: ("capitulation", 2)}
    assert hand[2] == [40.0, 80.0, 80.0]
    # round 3: A loses to B, now at 80; then everyone is at 80 and nothing moves
    assert kinds[2] == {0: ("confrontation", 1)}
    assert hand[3] == hand[4] == [80.0, 80.0, 80.0]
    state = BargainingState.single_issue(["A", "B", "C"], np.array(C), np.array(X0),
                                         np.array(S), lo=0.0, hi=100.0)
    eng = state.copy()
    from model.protocols import get_protocol
    proto = get_protocol("bdm")
    rng = np.random.default_rng(0)
    for k in range(1, 5):
        proto.step(eng, rng)
        np.testing.assert_allclose(eng.position[:, 0], hand[k])
    (ans,) = settle(state, "bdm")
    assert ans.kind == "converged" and ans.value == 80.0 and ans.round == 3


def test_answer_does_not_depend_on_the_rounds_shown() -> None:
    """Sultan's table (capitulation fires in round 1): the median cycles 13.75 / 13.90 and
    the answer is the cycle's mean, whatever --rounds is."""
    from pathlib import Path

    from forecasting.forecast import read_table, run_forecast
    path = Path(__file__).resolve().parents[1] / "data" / "validation" / "tables" / "sultan.csv"
    state = read_table(path).state
    recs = run_forecast(state.copy(), "bdm", rounds=2)
    assert any(x["kind"] == "capitulation" for x in recs[1]["interactions"])
    assert [round(r["forecast"][0], 2) for r in recs] == [13.9, 13.75, 13.9]
    (a,) = settle(state, "bdm")
    assert a.kind == "cycle" and a.cycle == pytest.approx([13.75, 13.9])
    assert a.value == pytest.approx(13.825)
    assert settle(state, "bdm", max_rounds=50)[0].value == a.value

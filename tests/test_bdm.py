"""BDM: vote totals, median voter, probabilities, a round worked by hand; the fast path
against the O(n³) reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.protocols import get_protocol
from model.protocols.bdm import (
    bdm_round,
    distance_sums,
    median_position,
    risk_exponents,
    success,
    success_numerator_fast,
    success_parts_direct,
    success_total_fast,
    votes_direct,
    votes_fast,
)
from model.state import BargainingState


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.01, 10)), min_size=2, max_size=12))
def test_fast_votes_equal_direct(rows):
    x = np.array([r[0] for r in rows])
    cs = np.array([r[1] for r in rows])
    assert np.allclose(votes_fast(x, cs, 100.0), votes_direct(x, cs, 100.0), atol=1e-9)
    D = (cs[:, None] * np.abs(x[:, None] - x[None, :])).sum(axis=0)
    assert np.allclose(distance_sums(x, cs), D, atol=1e-9)
    assert D[x == median_position(x, cs)].min() == pytest.approx(D.min())


@pytest.mark.parametrize("seed", range(12))
def test_fast_success_equals_direct_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    # ties on purpose: positions on a coarse grid in half the tables
    x = (rng.integers(0, 11, n) * 10.0) if seed % 2 else rng.uniform(0, 100, n)
    cs = rng.uniform(0, 1, n) * (rng.uniform(size=n) > 0.1)
    rho = rng.uniform(0.5, 2.0, n)
    for r in (None, rho):
        N, A, Z = success_parts_direct(x, cs, 100.0, r)
        assert np.allclose(success_numerator_fast(x, cs, 100.0, r), N, atol=1e-9)
        assert np.isclose(success_total_fast(x, cs, 100.0, r), Z, rtol=1e-9, atol=1e-9)
        for den in ("all", "pair"):
            assert np.allclose(success(x, cs, 100.0, r, den, fast=True),
                               success(x, cs, 100.0, r, den, fast=False), atol=1e-12)


def test_three_actor_votes_median_and_success_by_hand():
    x = np.array([0.0, 40.0, 100.0])
    cs = np.array([1.0, 1.0, 1.0])
    # D = Σ_k |x_k − x_i|: D_0 = 140, D_1 = 100, D_2 = 160 → 40 is the median voter
    assert median_position(x, cs) == 40.0
    V = votes_fast(x, cs, 100.0)
    assert np.isclose(V[1, 0], (140 - 100) / 100)  # 40 beats 0 by 0.4
    # P(40 beats 100), pairwise: k=0: (100−0)−(40−0) = 0.6, k=1: 0.6, k=2: −0.6 → 1.2 / 1.8
    assert np.isclose(success(x, cs, 100.0, denominator="pair")[1, 2], 1.2 / 1.8)
    # all pairs: Z = Σ_k Σ_a Σ_b |g_k(a) − g_k(b)|: k=0 (0, .4, 1): 2·2.0; k=1 (.4, 0, .6):
    # 2·1.2; k=2 (1, .6, 0): 2·2.0 → Z = 10.4, so P = 1.2 / 10.4
    assert np.isclose(success(x, cs, 100.0)[1, 2], 1.2 / 10.4)


def test_one_round_worked_by_hand():
    """Three actors, W = 100: A at 0 (c 1, s 1), B at 40 (c 1, s .5), C at 100 (c 2, s .5);
    cs = (1, .5, 1).

    Median: D(0) = .5·40 + 100 = 120, D(40) = 40 + 60 = 100, D(100) = 100 + .5·60 = 130 → 40.

    Risk, every r = 1 and linear votes. d(A,B) = .4, d(A,C) = 1, d(B,C) = .6.
    Z = 1·2·(.4 + 1 + .6) + .5·2·(.4 + .2 + .6) + 1·2·(.4 + 1 + .6) = 4 + 1.2 + 4 = 9.2.
    N[i, j] = Σ_k cs_k max(0, d(k,j) − d(k,i)):
      N[A,B] = .4, N[B,A] = .5·.4 + 1·.4 = .6, N[A,C] = 1 + .5·.2 = 1.1, N[C,A] = 1,
      N[B,C] = 1·.6 + .5·.6 = .9, N[C,B] = .6;  P = N / 9.2.
    At r = 1: U_s = 2d, U_f = −2d, U_sq = 0, so EU(i→j) = 2d [1 − 2 s_j (1 − P_ij)]:
      EU(B→A) = .8 (1 − 2(1 − .6/9.2)) = −.695652, EU(C→A) = 2 (1 − 2(1 − 1/9.2)) = −1.565217
      EU(A→B) = .8 · .4/9.2 = .034783,             EU(C→B) = 1.2 · .6/9.2 = .078261
      EU(A→C) = 2 · 1.1/9.2 = .239130,             EU(B→C) = 1.2 · .9/9.2 = .117391
    Threat S = (−2.260870, .113043, .356522): R_A = −1 → r_A = (4/3)/(2/3) = 2; R_C = 1 →
    r_C = (2/3)/(4/3) = .5; R_B = (2·.113043 − .356522 + 2.260870)/2.617391 = .813953 →
    r_B = (1 − .271318)/(1 + .271318) = .573171.

    Probabilities with each voter's exponent, g_k(y) = (|x_k − y|/100)^r_k:
      g_A = (0, .16, 1); g_B = (.4^.573171, 0, .6^.573171) = (.591452, 0, .746186);
      g_C = (1, .6^.5, 0) = (1, .774597, 0).
      Z = 4 + .5·2·(.591452 + .154734 + .746186) + 4 = 9.492372.
      P[A,B] = .16/Z = .016856; P[B,A] = (.5·.591452 + .225403)/Z = .054899;
      P[A,C] = (1 + .5·.154734)/Z = .113498; P[C,A] = 1/Z = .105348;
      P[B,C] = (.84 + .5·.746186)/Z = .127796; P[C,B] = .774597/Z = .081602.

    Offers, each receiver a with its own exponent r_a, e = EU(a→b), f = EU(b→a):
      A (r 2): from B e = −.146515, f = −.872161; from C e = −.773003, f = −2.578608 → none.
      B (r .573171): from A e = −.503017 < 0 < f = .065838 and f < |e| → capitulation, B → 0;
        from C e = .256907 > f = .212338 → none (B would win).
      C (r .5): from A e = −.750181, f = 1.055424 > |e| → compromise to
        100 − 100·.750181/1.055424 = 28.92; from B f = .259450 > e = .218133 > 0 →
        confrontation, C → 40. A confrontation comes first: C moves to 40.
    Result: positions (0, 0, 40); the median is then 0 (A and B, cs 1.5 of 2.5)."""
    x = np.array([0.0, 40.0, 100.0])
    c = np.array([1.0, 1.0, 2.0])
    s = np.array([1.0, 0.5, 0.5])
    cs = c * s
    assert median_position(x, cs) == 40.0
    r = risk_exponents(x, s, cs, 100.0, 40.0)
    assert r == pytest.approx([2.0, 0.573171, 0.5], abs=1e-6)
    P = success(x, cs, 100.0, r)
    assert P[[0, 1, 0, 2, 1, 2], [1, 0, 2, 0, 2, 1]] == pytest.approx(
        [.016856, .054899, .113498, .105348, .127796, .081602], abs=1e-6)
    new, r2, offers = bdm_round(x, s, c, 100.0)
    assert new.tolist() == [0.0, 0.0, 40.0]
    got = {(o["a"], o["b"]): o for o in offers}
    assert got[(1, 0)]["kind"] == "capitulation"
    assert got[(1, 0)]["eu"] == pytest.approx(-.503017, abs=1e-6)
    assert got[(1, 0)]["eu_other"] == pytest.approx(.065838, abs=1e-6)
    assert got[(2, 1)]["kind"] == "confrontation"
    assert got[(2, 1)]["eu"] == pytest.approx(.218133, abs=1e-6)
    assert got[(2, 1)]["eu_other"] == pytest.approx(.259450, abs=1e-6)
    assert len(offers) == 2
    # with the paper's printed rule C takes the offer that moves it least: B's (60 points)
    # rather than A's compromise (71.08 points)
    new_least, _, _ = bdm_round(x, s, c, 100.0, offer_rule="least")
    assert new_least.tolist() == [0.0, 0.0, 40.0]


def test_round_moves_positions_towards_the_senders_and_is_seeded():
    def state():
        return BargainingState.single_issue(
            ["A", "B", "C", "D"], np.array([10.0, 10, 10, 30]), np.array([0.0, 30, 60, 100]),
            np.array([0.9, 0.5, 0.5, 0.9]), lo=0, hi=100, status_quo=50)

    s1, s2 = state(), state()
    r1 = get_protocol("bdm").step(s1, np.random.default_rng(1))
    get_protocol("bdm").step(s2, np.random.default_rng(1))
    assert np.array_equal(s1.position, s2.position)
    assert r1.interactions and {i["kind"] for i in r1.interactions} <= {
        "confrontation", "compromise", "capitulation"}
    before = state().position
    assert not np.array_equal(s1.position, before)
    for o in r1.interactions:  # every accepted offer moves the receiver towards the sender
        a, b = s1.index(o["actors"][1]), s1.index(o["actors"][0])
        assert abs(s1.position[a, 0] - before[b, 0]) < abs(before[a, 0] - before[b, 0])
    assert ((s1.risk >= 0.5 - 1e-9) & (s1.risk <= 2 + 1e-9)).all()


def test_parameters_are_checked():
    with pytest.raises(ValueError):
        bdm_round(np.array([0.0, 1.0]), np.ones(2), np.ones(2), 1.0, offer_rule="nearest")
    with pytest.raises(ValueError):
        success(np.array([0.0, 1.0]), np.ones(2), 1.0, denominator="nope")
    with pytest.raises(ValueError):
        get_protocol("bdm", nonsense=1)


def test_q_below_one_runs_and_uses_the_median_terms():
    x = np.array([0.0, 40.0, 100.0])
    s, c = np.array([1.0, 0.5, 0.5]), np.array([1.0, 1.0, 2.0])
    a, _, _ = bdm_round(x, s, c, 100.0, Q=1.0)
    b, r, _ = bdm_round(x, s, c, 100.0, Q=0.5)
    assert np.isfinite(b).all() and ((r >= 0.5 - 1e-12) & (r <= 2 + 1e-12)).all()
    assert not np.array_equal(a, b)  # the median terms change the offers here


def test_chunking_does_not_change_a_round(monkeypatch):
    import model.protocols.bdm as bdm

    rng = np.random.default_rng(7)
    n = 40
    x, s, c = rng.integers(0, 21, n) * 5.0, rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    for Q in (1.0, 0.5):
        whole = bdm_round(x, s, c, 100.0, Q=Q)
        monkeypatch.setattr(bdm, "CHUNK", 7)
        parts = bdm_round(x, s, c, 100.0, Q=Q)
        monkeypatch.setattr(bdm, "CHUNK", 512)
        assert np.array_equal(whole[0], parts[0]) and np.allclose(whole[1], parts[1])
        assert [(o["a"], o["b"], o["kind"]) for o in whole[2]] == [
            (o["a"], o["b"], o["kind"]) for o in parts[2]]
        assert np.allclose([o["eu"] for o in whole[2]], [o["eu"] for o in parts[2]])


def test_a_full_runs_offers_are_made_into_records_only_when_read():
    """BDM's accepted offers become dicts when read (most runs never read them), and
    read later they are the round's own: each offer moved its receiver in that round."""
    from model.model import EuNatoModel
    from model.protocols.base import Records

    built = []
    lazy = Records(lambda: built.append(1) or [{"kind": "compromise"}])
    assert not built
    assert len(lazy) == 1 and lazy[0]["kind"] == "compromise" and list(lazy) == lazy
    assert built == [1]  # built once, however often read

    m = EuNatoModel(protocol="bdm", rng=3, rounds=4)
    positions = [m.state.position.copy()]
    while m.running:
        m.step()
        positions.append(m.state.position.copy())
    recs = m.interactions
    assert recs and [r["round"] for r in recs] == sorted(r["round"] for r in recs)
    issues, ids = m.state.issue_ids, m.state.actor_ids
    for r in recs[::97]:
        a, j = ids.index(r["actors"][1]), issues.index(r["issue"])
        # the receiver ends the round at the offer it accepted (clipped to the scale)
        assert min(max(r["offer"], 0.0), 100.0) == positions[r["round"]][a, j]

"""BDM: vote totals, median voter, offers; the fast path against the O(n³) reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.protocols import get_protocol
from model.protocols.bdm import median_position, success, votes_direct, votes_fast
from model.state import BargainingState


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.01, 10)), min_size=2, max_size=12))
def test_fast_votes_equal_direct(rows):
    x = np.array([r[0] for r in rows])
    cs = np.array([r[1] for r in rows])
    assert np.allclose(votes_fast(x, cs, 100.0), votes_direct(x, cs, 100.0), atol=1e-9)


def test_three_actor_votes_median_and_success_by_hand():
    x = np.array([0.0, 40.0, 100.0])
    cs = np.array([1.0, 1.0, 1.0])
    # D = Σ_k |x_k − x_i|: D_0 = 140, D_1 = 100, D_2 = 160 → 40 is the median voter
    assert median_position(x, cs) == 40.0
    V = votes_fast(x, cs, 100.0)
    assert np.isclose(V[1, 0], (140 - 100) / 100)  # 40 beats 0 by 0.4
    # P(40 beats 100): voters 0 and 1 back 40 with (100−0 ... ) k=0: (100−40)=0.6,
    # k=1: (60−0)=0.6, k=2: (0−60) = −0.6 → 1.2 / 1.8
    assert np.isclose(success(x, cs, 100.0, denominator="pair")[1, 2], 1.2 / 1.8)


def test_round_moves_positions_towards_the_median_and_is_seeded():
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

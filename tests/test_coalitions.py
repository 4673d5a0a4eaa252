"""Coalition formation on small hand-built states."""

import numpy as np

from model import coalitions
from model.coalitions import CoalitionRule
from model.rules import Houses
from model.state import BargainingState


def two_camps(n_per=4):
    # camp A near 10, camp B near 90 on two issues; equal capability and salience
    ideal = np.vstack([np.full((n_per, 2), 10.0), np.full((n_per, 2), 90.0)])
    ideal += np.arange(2 * n_per)[:, None] * 0.5
    n = 2 * n_per
    return BargainingState(
        actor_ids=[f"A{i}" for i in range(n)], issue_ids=["x", "y"], position=ideal,
        ideal=ideal, salience=np.full((n, 2), 0.8), capability=np.ones(n), risk=1.0,
        voting=True, status_quo=[50, 50], lo=0, hi=100,
    )


def test_like_minded_actors_form_two_coalitions_not_one():
    st = two_camps()
    rng = np.random.default_rng(0)
    rule = CoalitionRule(activity=1.0)
    for _ in range(10):
        coalitions.update(st, rng, rule)
    a, b = st.coalition[:4], st.coalition[4:]
    assert len(set(a)) == 1 and len(set(b)) == 1 and a[0] != b[0]


def test_far_apart_actors_stay_alone():
    st = two_camps(n_per=1)
    for _ in range(10):
        coalitions.update(st, np.random.default_rng(1), CoalitionRule(activity=1.0))
    assert list(st.coalition) == [0, 1]


def test_labels_name_the_most_capable_member_and_coordination_pulls_members_in():
    st = two_camps()
    st.capability[2] = 5.0
    for _ in range(10):
        coalitions.update(st, np.random.default_rng(2), CoalitionRule(activity=1.0))
    assert (st.coalition[:4] == 2).all()
    spread = np.ptp(st.position[:4], axis=0)
    coalitions.coordinate(st, CoalitionRule(cohesion=0.5))
    assert (np.ptp(st.position[:4], axis=0) < spread).all()


def test_blocking_flags():
    st = two_camps()
    st.coalition[:] = [0, 0, 0, 0, 4, 4, 4, 4]
    houses = Houses(nato=np.array([1, 0, 0, 0, 0, 0, 0, 0], bool),
                    eu=np.array([0, 1, 1, 1, 1, 1, 1, 1], bool),
                    population=np.array([0, 10, 10, 10, 1, 1, 1, 1.0]),
                    eu_rule=["qmv", "qmv"], cooperation=np.zeros(2, bool))
    desc = {c["label"]: c for c in coalitions.describe(st, houses)}
    assert desc["A0"]["can_block_nato"] and not desc["A4"]["can_block_nato"]
    # A0's EU members: 3 states → fewer than four: no QMV blocking minority
    assert not desc["A0"]["can_block_eu_qmv"]
    # A4: 4 states with 4 of 34 population: blocks only via the 55% states criterion?
    # 7 EU members, 4 not in favour → 3 of 7 = 43% < 55%: blocks
    assert desc["A4"]["can_block_eu_qmv"]
    assert desc["A0"]["can_block_eu_unanimity"] and desc["A4"]["can_block_eu_unanimity"]

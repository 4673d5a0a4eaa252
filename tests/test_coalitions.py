"""Coalition formation on small hand-built arrays, and the co-membership measure."""

import numpy as np

from model import coalitions
from model.coalitions import CoalitionRule


def two_camps(n_per=4):
    ideal = np.vstack([np.full((n_per, 2), 10.0), np.full((n_per, 2), 90.0)])
    ideal += np.arange(2 * n_per)[:, None] * 0.5
    n = 2 * n_per
    return ideal, np.full((n, 2), 0.8), np.ones(n)


def test_like_minded_actors_form_two_coalitions_not_one():
    ideal, sal, cap = two_camps()
    labels = np.arange(len(cap))
    rng = np.random.default_rng(0)
    for _ in range(10):
        labels, _ = coalitions.update(labels, ideal, ideal, sal, cap, rng,
                                      CoalitionRule(activity=1.0))
    a, b = labels[:4], labels[4:]
    assert len(set(a)) == 1 and len(set(b)) == 1 and a[0] != b[0]


def test_far_apart_actors_stay_alone():
    ideal = np.array([[0.0, 0.0], [50.0, 50.0], [100.0, 100.0]])
    labels, _ = coalitions.update(np.arange(3), ideal, ideal, np.full((3, 2), 0.9),
                                  np.ones(3), np.random.default_rng(1),
                                  CoalitionRule(activity=1.0))
    assert len(set(labels)) == 3


def test_coordination_pulls_members_towards_the_coalition_position():
    ideal, sal, cap = two_camps()
    labels = np.array([0, 0, 0, 0, 4, 4, 4, 4])
    pull = coalitions.coordinate(labels, ideal, sal, cap, CoalitionRule(cohesion=0.5))
    moved = ideal + pull
    assert np.ptp(moved[:4], axis=0).max() < np.ptp(ideal[:4], axis=0).max()


def test_co_membership_measure():
    parts = np.array([[0, 0, 2, 2], [0, 0, 0, 3]])
    got = coalitions.co_membership(parts, {"pair": [0, 1], "split": [1, 3]})
    assert got["pair"] == 1.0 and got["split"] == 0.0
    assert 0 < got["all pairs"] < 1

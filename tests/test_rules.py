"""NATO consensus and the EU Council rules, with the real EU populations of data/actors.toml."""

import numpy as np
import pytest

from model.data import load_actors
from model.rules import Houses, adopted_grid, can_block_qmv, evaluate, qmv_passes


@pytest.fixture(scope="module")
def eu():
    actors = [a for a in load_actors() if a.eu and a.type == "state"]
    assert len(actors) == 27
    ids = [a.id for a in actors]
    pop = np.array([a.population_m for a in actors])
    return ids, pop


def group(ids, *members):
    unknown = set(members) - set(ids)
    assert not unknown
    return np.array([i in members for i in ids])


def test_eu_population_is_real(eu):
    ids, pop = eu
    assert 440 < pop.sum() < 455  # EU-27, 1 January 2024: about 449 million
    shares = pop / pop.sum()
    assert 0.18 < shares[ids.index("DEU")] < 0.195
    assert 0.145 < shares[ids.index("FRA")] < 0.155


def test_the_big_three_alone_cannot_block(eu):
    ids, pop = eu
    all_eu = np.ones(len(ids), dtype=bool)
    big3 = group(ids, "DEU", "FRA", "ITA")
    assert pop[big3].sum() / pop.sum() > 0.35  # more than 35% of the population …
    assert qmv_passes(~big3, all_eu, pop)  # … but fewer than four members
    assert not can_block_qmv(big3, all_eu, pop)


def test_four_large_states_block(eu):
    ids, pop = eu
    all_eu = np.ones(len(ids), dtype=bool)
    assert can_block_qmv(group(ids, "DEU", "FRA", "ITA", "NLD"), all_eu, pop)
    assert can_block_qmv(group(ids, "DEU", "FRA", "POL", "MLT"), all_eu, pop)
    # Visegrád four: 4 members but far below 35% of the population
    assert not can_block_qmv(group(ids, "POL", "HUN", "CZE", "SVK"), all_eu, pop)


def test_the_states_threshold(eu):
    ids, pop = eu
    all_eu = np.ones(len(ids), dtype=bool)
    order = np.argsort(pop)  # smallest first
    no12 = np.zeros(len(ids), dtype=bool)
    no12[order[:12]] = True
    no13 = np.zeros(len(ids), dtype=bool)
    no13[order[:13]] = True
    assert qmv_passes(~no12, all_eu, pop)  # 15 of 27 = 55.6% ≥ 55%
    assert not qmv_passes(~no13, all_eu, pop)  # 14 of 27 = 51.9% < 55%
    assert can_block_qmv(no13, all_eu, pop)


def _houses(n, nato, eu, rule, cooperation=False, blockers=None, pop=None):
    return Houses(nato=nato, eu=eu, population=np.ones(n) if pop is None else pop,
                  eu_rule=[rule], cooperation=np.array([cooperation]), blockers=blockers)


def test_consensus_and_unanimity_one_no_blocks_abstention_does_not():
    pos = np.array([60.0, 55.0, 10.0])
    sal = np.array([0.8, 0.8, 0.8])
    both = np.ones(3, dtype=bool)
    h = _houses(3, both, both, "unanimity")
    v = evaluate(h, pos, sal, 0, outcome=58.0, status_quo=30.0)
    assert not v.adopted and not v.nato_ok and not v.eu_ok
    assert v.vetoers(h, ["A", "B", "C"]) == ["C"]
    sal[2] = 0.05  # C barely cares: it abstains (silence procedure, constructive abstention)
    v = evaluate(h, pos, sal, 0, outcome=58.0, status_quo=30.0)
    assert v.adopted and v.abstain[2]


def test_qmv_counts_abstention_as_not_in_favour():
    n = 5
    pos = np.array([60.0, 60, 60, 10, 10])
    sal = np.array([0.8, 0.8, 0.8, 0.05, 0.05])
    eu = np.ones(n, dtype=bool)
    nato = np.zeros(n, dtype=bool)
    h = _houses(n, nato, eu, "qmv")
    v = evaluate(h, pos, sal, 0, outcome=60.0, status_quo=30.0)
    # 3 of 5 = 60% of states and 60% of population < 65%; only 2 not in favour (< 4):
    # deemed attained
    assert v.eu_state_share == pytest.approx(0.6) and v.adopted


def test_participation_blockage_stops_joint_outcomes_only():
    pos = np.array([50.0, 50.0, 50.0])
    sal = np.full(3, 0.9)
    both = np.ones(3, dtype=bool)
    blockers = np.array([False, False, True])
    h = _houses(3, both, both, "unanimity", cooperation=True, blockers=blockers)
    assert not evaluate(h, pos, sal, 0, outcome=50.0, status_quo=20.0).adopted
    assert evaluate(h, pos + 30, sal, 0, outcome=80.0, status_quo=20.0).adopted
    h2 = _houses(3, both, both, "unanimity", cooperation=False, blockers=blockers)
    assert evaluate(h2, pos, sal, 0, outcome=50.0, status_quo=20.0).adopted


@pytest.mark.parametrize("rule", ["unanimity", "qmv"])
def test_grid_matches_single_evaluations(rule):
    rng = np.random.default_rng(3)
    n = 12
    pos = rng.uniform(0, 100, n)
    sal = rng.uniform(0, 1, n)
    h = _houses(n, rng.random(n) < 0.7, rng.random(n) < 0.7, rule, cooperation=True,
                blockers=rng.random(n) < 0.1, pop=rng.uniform(1, 80, n))
    grid = np.linspace(0, 100, 101)
    ok = adopted_grid(h, pos, sal, 0, grid, 40.0)
    single = [evaluate(h, pos, sal, 0, float(g), 40.0).adopted for g in grid]
    assert ok.tolist() == single

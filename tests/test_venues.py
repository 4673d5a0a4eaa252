"""The houses' rules (model/institutions/venues.py) and voting power
(model/institutions/power.py) on small cases."""

import numpy as np

from model.institutions.power import banzhaf_qmv
from model.institutions.venues import Electorate, houses_for, qmv, vote


def electorate(n_eu=27, n_nato=0, pop=None):
    n = max(n_eu, n_nato) + 1  # last actor: the Parliament
    eu = np.zeros(n, bool)
    eu[:n_eu] = True
    nato = np.zeros(n, bool)
    nato[:n_nato] = True
    par = np.zeros(n, bool)
    par[-1] = True
    population = np.ones(n) if pop is None else np.asarray(pop, float)
    return Electorate(eu, nato, par, population, np.ones(n))


def test_qmv_needs_55_percent_of_states_and_65_percent_of_population():
    eu = np.ones(27, bool)
    pop = np.ones(27)
    yes = np.zeros((27, 1), bool)
    yes[:15] = True  # 15/27 = 55.6% of states, 55.6% of population: fails on population
    assert not qmv(yes, eu, pop)[0]
    yes[:18] = True  # 66.7% of both
    assert qmv(yes, eu, pop)[0]
    # three big states are not a blocking minority (it needs four members)
    pop = np.ones(27)
    pop[:3] = 40.0
    yes = np.ones((27, 1), bool)
    yes[:3] = False
    assert qmv(yes, eu, pop)[0]


def test_only_members_vote_in_a_house():
    el = electorate(n_eu=3, n_nato=2)  # actors 0-2 EU, 0-1 NATO, 3 = Parliament
    d_prop = np.array([[0.0], [0.0], [0.0], [0.0]])
    d_sq = np.array([5.0, 5.0, 5.0, 5.0])
    # actor 2 (EU only) hates the proposal: it can block the EU piece, not the NATO piece
    d_prop[2] = 50.0
    no_block = np.zeros(4, bool)
    eu = vote(el, houses_for("cfsp", "nac", "eu"), d_prop, d_sq, np.ones(4), no_block,
              no_block)
    nato = vote(el, houses_for("cfsp", "nac", "nato"), d_prop, d_sq, np.ones(4), no_block,
                no_block)
    assert not eu.adopted[0] and nato.adopted[0]
    assert eu.vetoes(["A", "B", "C", "EP"], el) == [{"actor": "C", "house": "eu_council"}]


def test_parliament_votes_only_in_olp_and_mff():
    el = electorate(n_eu=3)
    d_prop = np.zeros((4, 1))
    d_prop[3] = 50.0  # the Parliament dislikes the proposal
    d_sq = np.full(4, 5.0)
    z = np.zeros(4, bool)
    for venue, passes in (("olp", False), ("mff", False), ("art122", True), ("cfsp", True)):
        v = vote(el, houses_for(venue, "none", "eu"), d_prop, d_sq, np.ones(4), z, z)
        assert v.adopted[0] == passes, venue


def test_constructive_abstention_does_not_block_unless_a_third_abstain():
    el = electorate(n_eu=9)
    d_prop = np.zeros((10, 1))
    d_sq = np.full(10, 5.0)
    aside = np.zeros(10, bool)
    aside[:2] = True  # two of nine abstain
    z = np.zeros(10, bool)
    assert vote(el, houses_for("cfsp", "none", "eu"), d_prop, d_sq, np.ones(10), z,
                aside).adopted[0]
    aside[:3] = True  # a third of the members and of the population
    assert not vote(el, houses_for("cfsp", "none", "eu"), d_prop, d_sq, np.ones(10), z,
                    aside).adopted[0]


def test_blocking_stance_vetoes_unanimity_but_not_qmv():
    el = electorate(n_eu=27)
    d_prop = np.zeros((28, 1))
    d_sq = np.full(28, 5.0)
    block = np.zeros(28, bool)
    block[5] = True
    z = np.zeros(28, bool)
    assert not vote(el, houses_for("cfsp", "none", "eu"), d_prop, d_sq, np.ones(28), block,
                    z).adopted[0]
    assert vote(el, houses_for("olp", "none", "eu"), d_prop, d_sq, np.ones(28), block,
                z).adopted[0]


def test_banzhaf_qmv_sums_to_one_and_grows_with_population():
    pop = np.array([84.0, 68.0, 59.0, 48.0, 37.0] + [5.0] * 22)
    b = banzhaf_qmv(pop)
    assert abs(b.sum() - 1) < 1e-9
    assert (np.diff(b[:5]) <= 1e-12).all() and b[0] > b[-1]

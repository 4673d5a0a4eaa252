"""Directions of the preference formula (docs/model.md §3), property-based."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.preferences import PreferenceModel, capability_index, derive_preferences

unit = st.floats(0.0, 1.0)
pos = st.floats(0.0, 100.0)


def one(base=50.0, sal=0.5, d=0.5, c=0.5, home=np.nan, us=False, r=0.7, t=0.7, e=0.8):
    x, s = derive_preferences(
        np.array([[base]]), np.array([[sal]]), np.array([d]), np.array([c]),
        np.array([home]), np.array([us]), np.array([r]), np.array([t]), e,
    )
    return float(x[0, 0]), float(s[0, 0])


@settings(max_examples=200, deadline=None)
@given(base=pos, d1=unit, d2=unit, r=unit, e=unit, c=unit)
def test_more_decoupling_fear_pulls_towards_nato(base, d1, d2, r, e, c):
    lo, hi = sorted((d1, d2))
    x_lo, _ = one(base=base, d=lo, r=r, e=e, c=c)
    x_hi, _ = one(base=base, d=hi, r=r, e=e, c=c)
    assert x_hi <= x_lo + 1e-9


@settings(max_examples=200, deadline=None)
@given(base=pos, c1=unit, c2=unit, t=unit, home=st.sampled_from([0.0, 100.0]), d=unit)
def test_more_competition_pulls_towards_own_institution(base, c1, c2, t, home, d):
    lo, hi = sorted((c1, c2))
    x_lo, s_lo = one(base=base, c=lo, t=t, home=home, d=d)
    x_hi, s_hi = one(base=base, c=hi, t=t, home=home, d=d)
    assert abs(x_hi - home) <= abs(x_lo - home) + 1e-9
    assert s_hi >= s_lo - 1e-12  # and raises its salience


@settings(max_examples=100, deadline=None)
@given(base=pos, c1=unit, c2=unit, t=unit)
def test_competition_does_not_move_actors_without_an_institution(base, c1, c2, t):
    assert one(base=base, c=c1, t=t)[0] == one(base=base, c=c2, t=t)[0]


@settings(max_examples=100, deadline=None)
@given(base=pos, e1=unit, e2=unit, d=unit, r=unit)
def test_us_disengagement_makes_europeans_hedge_towards_the_eu(base, e1, e2, d, r):
    lo, hi = sorted((e1, e2))
    assert one(base=base, e=lo, d=d, r=r)[0] >= one(base=base, e=hi, d=d, r=r)[0] - 1e-9
    # the US's salience falls with its engagement
    assert one(us=True, e=lo)[1] <= one(us=True, e=hi)[1] + 1e-12


@settings(max_examples=100, deadline=None)
@given(base=pos, sal=unit, d=unit, c=unit, r=unit, t=unit, e=unit,
       home=st.sampled_from([0.0, 100.0, np.nan]))
def test_ideal_and_salience_stay_in_range(base, sal, d, c, r, t, e, home):
    x, s = one(base=base, sal=sal, d=d, c=c, r=r, t=t, e=e, home=home)
    assert 0.0 <= x <= 100.0
    assert 0.0 <= s <= 1.0


def test_formula_by_hand():
    # base 50, d = 0.9, r = 1: 50 − 40·1·0.4 = 34; hedge at e = 0.8 is 0; no pole
    assert one(base=50, d=0.9, r=1.0, e=0.8)[0] == 34.0
    # then competition c = 1, t = 1 towards 100: 34 + 0.5·(100 − 34) = 67
    assert one(base=50, d=0.9, r=1.0, e=0.8, c=1.0, t=1.0, home=100.0)[0] == 67.0
    # salience 0.5·(1 + 0.5·1·1 + 0.3·0.9·1) = 0.885
    assert np.isclose(one(base=50, sal=0.5, d=0.9, r=1, c=1, t=1, home=100.0)[1], 0.885)
    assert PreferenceModel().fear_shift == 40.0


def test_capability_index_shares_and_institutions():
    cap = capability_index(np.array([3.0, 1.0, np.nan]), np.array([1.0, 1.0, np.nan]),
                           np.array([1.0, 3.0, np.nan]), np.array([np.nan, np.nan, 0.05]))
    assert np.allclose(cap, [0.6 * 0.75 + 0.25 * 0.5 + 0.15 * 0.25,
                             0.6 * 0.25 + 0.25 * 0.5 + 0.15 * 0.75, 0.05])

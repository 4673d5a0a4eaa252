"""Nash bargaining and the exchange model on cases that can be checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from model.protocols import PROTOCOLS, get_protocol
from model.protocols.exchange import find_exchanges
from model.protocols.nash import nash_solution
from model.state import BargainingState


def test_registered() -> None:
    assert {"nash", "exchange"} <= set(PROTOCOLS)


def test_nash_quadratic_hand_solution() -> None:
    # sq = 0, actors at 60 and 80, equal weights: maximise log(120x - x^2) + log(160x - x^2)
    # => 2/x = 1/(120-x) + 1/(160-x) => x^2 - 210x + 9600 = 0 => x = 67.25
    x = (210 - np.sqrt(210**2 - 4 * 9600)) / 2
    assert nash_solution([60, 80], [1, 1], 0, 0, 100, grid=10001) == pytest.approx(x, abs=0.02)


def test_nash_linear_hand_solution() -> None:
    # linear gains x and x up to 60, then (120 - x) and x: the product peaks at 60
    assert nash_solution([60, 80], [1, 1], 0, 0, 100, utility="linear") == pytest.approx(60)


def test_nash_weights_pull_towards_stronger_actor() -> None:
    weak = nash_solution([60, 80], [1, 1], 0, 0, 100)
    strong80 = nash_solution([60, 80], [1, 5], 0, 0, 100)
    assert strong80 > weak + 1


def test_nash_gridlock_when_actors_straddle_status_quo() -> None:
    # any move from 50 hurts one side: the only individually rational outcome is sq
    assert nash_solution([20, 80], [1, 1], 50, 0, 100) == pytest.approx(50)


def test_nash_protocol_uses_state_status_quo() -> None:
    s = BargainingState.single_issue(["A", "B"], np.array([1, 1]), np.array([60, 80]),
                                     np.array([1, 1]), status_quo=0, lo=0, hi=100)
    f = get_protocol("nash", grid=10001).forecast(s)
    assert f[0] == pytest.approx(67.25, abs=0.02)
    with pytest.raises(ValueError, match="utility"):
        get_protocol("nash", utility="cubic").forecast(s)


def two_issue_state() -> BargainingState:
    # A cares about a (0.9) and sits at 0 on both; B cares about b and sits at 100 on both
    return BargainingState(["A", "B"], ["a", "b"], position=[[0, 0], [100, 100]],
                           ideal=[[0, 0], [100, 100]], salience=[[0.9, 0.1], [0.1, 0.9]],
                           capability=[1, 1], risk=1.0, voting=True, status_quo=[50, 50],
                           lo=0, hi=100)


def test_exchange_hand_case() -> None:
    s = two_issue_state()
    # expected outcomes: a = (0.9*0 + 0.1*100)/1 = 10, b = 90
    ex = find_exchanges(s)
    assert len(ex) == 1
    e = ex[0]
    assert e["actors"] == ["A", "B"] and e["issues"] == ["a", "b"]
    # equal-gain rate: dOb/dOa = (0.9+0.1)/(0.1+0.9) = 1; B can move 90 on a => dOa = 0.09
    assert e["outcome_shift_a"] == pytest.approx(0.09)
    assert e["gain_i"] == pytest.approx(0.9 * 0.09 - 0.1 * 0.09)
    assert e["gain_i"] == pytest.approx(e["gain_k"])
    rep = get_protocol("exchange").step(s, np.random.default_rng(0))
    np.testing.assert_allclose(s.position, [[0, 90], [10, 100]])
    np.testing.assert_allclose(rep.forecast, [1, 99])
    assert rep.interactions[0]["kind"] == "exchange"


def test_no_exchange_with_equal_saliences_or_one_issue() -> None:
    s = two_issue_state()
    s.salience[:] = 0.5
    assert find_exchanges(s) == []
    one = BargainingState.single_issue(["A", "B"], np.array([1, 1]), np.array([0, 100]),
                                       np.array([0.9, 0.1]))
    assert find_exchanges(one) == []


def test_no_exchange_when_on_same_side() -> None:
    s = two_issue_state()
    s.position[:] = [[0, 0], [100, 0]]  # on b both sit at 0: nothing to trade there
    assert find_exchanges(s) == []

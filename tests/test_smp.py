"""SMP: bargaining on all dimensions at once, saliences per dimension (after KTAB)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecasting.forecast import read_table, run_forecast, settle
from model.protocols.smp import distances, smp_round
from model.state import BargainingState

TABLES = Path(__file__).resolve().parents[1] / "data" / "validation" / "tables"


def test_distance_weights_each_dimension_by_the_viewers_salience() -> None:
    y = np.array([[0.0, 0.0], [1.0, 0.5]])
    w = np.array([[1.0, 0.0], [0.25, 0.75]])  # actor 0 cares only about dimension 0
    D = distances(y, w)
    assert D[0, 1] == pytest.approx(1.0) and D[1, 0] == pytest.approx(0.25 + 0.375)


@pytest.mark.parametrize("seed", range(8))
def test_a_move_is_along_the_line_to_the_sender_on_every_dimension(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 7, 3
    pos = rng.uniform(0, 100, (n, m))
    st = BargainingState([f"a{i}" for i in range(n)], ["x", "y", "z"], pos, pos,
                         rng.uniform(0.1, 1, (n, m)), rng.uniform(0.1, 1, n), 1.0, True,
                         [50.0] * 3, 0.0, 100.0)
    new, acc = smp_round(st)
    assert acc, "some offer is accepted on random tables"
    for o in acc:
        a, b, t = o["a"], o["b"], o["share"]
        np.testing.assert_allclose(new[a], pos[a] + t * (pos[b] - pos[a]))
        assert 0 < t <= 1
    moved = {o["a"] for o in acc}
    assert all(np.array_equal(new[i], pos[i]) for i in range(n) if i not in moved)


def test_multi_dimensional_ktab_table_settles_on_every_dimension() -> None:
    st = read_table(TABLES / "soe_pol_comp_ktab.csv", value_range=(0, 100)).state
    answers = settle(st, "smp")
    assert [a.issue for a in answers] == ["Policy", "Competitive"]
    assert all(a.kind in ("converged", "cycle") for a in answers)
    rec = run_forecast(st.copy(), "smp", rounds=2)
    # one deal moves an actor on both dimensions at once
    both = [np.array(rec[1]["positions"][i]) - np.array(rec[0]["positions"][i])
            for i in range(st.n)]
    assert any(np.all(np.abs(d) > 0) for d in both)

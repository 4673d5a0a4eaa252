"""The exchange model's all-at-once deal search against the plain loops it replaced."""

from __future__ import annotations

import numpy as np
import pytest
from exchange_reference import loop_exchanges as loop_reference

from model.protocols.exchange import find_exchanges
from model.state import BargainingState


@pytest.mark.parametrize("seed", range(12))
def test_same_deals_in_the_same_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 14)), int(rng.integers(1, 6))
    pos = rng.choice([0.0, 25, 50, 75, 100], (n, m))
    sal = rng.uniform(0, 1, (n, m)) * (rng.uniform(size=(n, m)) > 0.2)
    st = BargainingState([f"a{i}" for i in range(n)], [f"i{j}" for j in range(m)], pos, pos,
                         sal, rng.uniform(0.1, 1, n), 1.0, True, [50.0] * m, 0.0, 100.0)
    ref, new = loop_reference(st), find_exchanges(st)
    assert [e["_ix"] for e in ref] == [e["_ix"] for e in new]
    for x, y in zip(ref, new, strict=True):
        for key in ("move_k_on_a", "move_i_on_b", "gain_i", "gain_k"):
            assert x[key] == pytest.approx(y[key], rel=1e-12, abs=1e-15)

"""The vectorised exchange search gives exactly what the per-deal loop of Stokman & van
Oosten's rule gives (the loop is kept here only, as the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from exchange_reference import loop_exchanges

from model.protocols import get_protocol
from model.protocols.exchange import find_exchanges
from model.state import BargainingState


def loop_step(state: BargainingState, max_exchanges: int) -> list[dict[str, Any]]:
    used: set[tuple[int, int]] = set()
    made: list[dict[str, Any]] = []
    for e in loop_exchanges(state):
        i, k, a, b = e.pop("_ix")
        if {(k, a), (i, b), (i, a), (k, b)} & used:
            continue
        if len(made) >= max_exchanges:
            break
        state.position[k, a] += e["move_k_on_a"]
        state.position[i, b] += e["move_i_on_b"]
        used |= {(k, a), (i, b), (i, a), (k, b)}
        made.append(e)
    return made


def random_state(seed: int) -> BargainingState:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 9)), int(rng.integers(1, 6))
    pos = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (n, m)) if seed % 3 == 0 \
        else rng.uniform(0, 100, (n, m))
    sal = rng.uniform(0, 1, (n, m))
    sal[rng.random((n, m)) < 0.15] = 0.0  # zero saliences, and whole zero columns sometimes
    if seed % 5 == 0:
        sal[:, 0] = 0.0
    cap = rng.uniform(0, 1, n)
    cap[rng.random(n) < 0.1] = 0.0
    return BargainingState([f"A{i}" for i in range(n)], [f"I{j}" for j in range(m)], pos, pos,
                           sal, cap, 1.0, True, np.full(m, 50.0), 0.0,
                           rng.choice([100.0, 10.0], m))


@pytest.mark.parametrize("seed", range(60))
def test_vectorised_exchanges_equal_the_loop(seed: int) -> None:
    state = random_state(seed)
    assert find_exchanges(state) == loop_exchanges(state)


@pytest.mark.parametrize("seed", range(30))
def test_exchange_round_equals_the_loop_round(seed: int) -> None:
    cap = [1, 3, 1000][seed % 3]
    a, b = random_state(seed), random_state(seed)
    made = get_protocol("exchange", max_exchanges=cap).step(a, np.random.default_rng(0))
    assert made.interactions == loop_step(b, cap)
    assert np.array_equal(a.position, b.position)


def test_blocks_give_the_same_exchanges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory blocks over issues b (large tables) change nothing."""
    import model.protocols.exchange as ex

    state = next(s for s in map(random_state, range(100))
                 if s.m >= 4 and len(loop_exchanges(s)) > 5)
    whole = find_exchanges(state)
    monkeypatch.setattr(ex, "BLOCK", 1)
    assert find_exchanges(state) == whole == loop_exchanges(state)


def test_baseline_table_equals_the_loop() -> None:
    """On the real table (36 actors × 22 roles), at the start of a baseline run."""
    from model.model import EuNatoModel

    model = EuNatoModel(protocol="exchange", rng=3, rounds=1, collect_agents=False)
    state = model.state.copy()
    assert find_exchanges(state) == loop_exchanges(state)

"""The Equal Gain exchange model (model.protocols.equal_gain) against its peer program,
decide-exchange-model 2022.1.28, run in its own venv (``make peer``; skipped without it),
and the model's own rules on random tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from model.protocols.equal_gain import _Iteration, equal_gain_iteration, nbs

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("exchange_peer",
                                               ROOT / "benchmarks" / "exchange_peer.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


@pytest.mark.skipif(not bench.PEER_PYTHON.exists(),
                    reason="no peer venv (.peer-venv): `make peer` builds it")
@pytest.mark.parametrize("seed", [1, 2])
def test_equal_gain_matches_the_peer_within_a_point(tmp_path: Path, seed: int) -> None:
    path = bench.write_table(tmp_path / "t.csv", seed=seed, n=8, m=5)
    peer = bench.run_peer(path, iterations=3, repetitions=4)
    ours = bench.run_ours(path, iterations=3, repetitions=4)
    rows = bench.compare(peer, ours)
    assert len(rows) == 5
    for issue, pm, _, om, d in rows:
        assert abs(d) <= 1.0, f"{issue}: peer {pm:.3f}, eunato {om:.3f}"


def table(seed: int, n: int = 9, m: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.choice(np.arange(0.0, 101.0, 5.0), (n, m))
    s = rng.uniform(0.2, 1.0, (n, m))
    s[rng.random((n, m)) < 0.1] = 0.0  # a few absent
    return x, s, rng.uniform(0.05, 1.0, n)


@pytest.mark.parametrize("seed", range(20))
def test_each_exchange_gives_both_sides_the_same_gain(seed: int) -> None:
    x, s, c = table(seed)
    it = _Iteration(x, s, c)
    ok = np.flatnonzero(it.valid)
    for e in ok:
        i, j, p, q = it.I[e], it.J[e], it.p[e], it.q[e]
        w = c[:, None] * s
        rp = abs(it.mJ[e]) * w[j, p] / w[:, p].sum()  # NBS shift on p from J's move
        rq = abs(it.mI[e]) * w[i, q] / w[:, q].sum()  # on q from I's move
        gain_i = rp * s[i, p] - rq * s[i, q]  # I demands p, supplies q
        gain_j = rq * s[j, q] - rp * s[j, p]
        assert gain_i == pytest.approx(gain_j, rel=1e-9, abs=1e-12)
        assert gain_i == pytest.approx(it.gain[e], rel=1e-9, abs=1e-12) and gain_i > 0
        # each moves towards the other, never past the other's position
        assert abs(it.yI[e] - it.dJ[e]) <= abs(it.xI[e] - it.dJ[e]) + 1e-9
        assert abs(it.yJ[e] - it.dI[e]) <= abs(it.xJ[e] - it.dI[e]) + 1e-9
        assert 0 <= it.yI[e] <= 100 and 0 <= it.yJ[e] <= 100


@pytest.mark.parametrize("seed", range(20))
def test_an_iteration_moves_only_traders_and_partially(seed: int) -> None:
    x, s, c = table(seed)
    vote, start, made = equal_gain_iteration(x, s, c, np.random.default_rng(seed))
    traded = np.zeros_like(x, bool)
    for d in made:
        (i, j), (q, p) = d["actors"], d["issues"]
        traded[i, q] = traded[j, p] = True
    assert np.array_equal(vote != x, traded & (vote != x))  # only suppliers move
    assert np.all(vote[~traded] == x[~traded]) and np.all(start[~traded] == x[~traded])
    t = 0.1 + 0.4 * (1 - s)  # the next start: a salience-weighted part of the way
    np.testing.assert_allclose(start[traded], (x + t * (vote - x))[traded])
    assert np.all(np.isfinite(nbs(vote, s, c)))
    # the same generator, the same iteration
    again = equal_gain_iteration(x, s, c, np.random.default_rng(seed))
    assert np.array_equal(again[0], vote) and again[2] == made

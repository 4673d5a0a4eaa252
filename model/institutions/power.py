"""Voting power per house: normalised Banzhaf indices (docs/model.md §4).

- EU Council under QMV (Art. 16(4) TEU): exact, by counting the coalitions of the other
  members by size and population (a dynamic programme over population in 0.1 million steps),
  so a member's swings are the coalitions that pass with it and fail without it;
- EU Council under unanimity, NATO by consensus: every member is pivotal only in the grand
  coalition, so every member has the same power 1/N;
- the European Parliament is one actor in its own house (power 1).

Bargaining influence (capability × salience × voice) is a different thing and is reported
separately.
"""

from __future__ import annotations

import numpy as np

from model.institutions.venues import QMV_MIN_BLOCKERS, QMV_POPULATION, QMV_STATES


def banzhaf_qmv(population: np.ndarray) -> np.ndarray:
    """(k,) normalised Banzhaf power of k members under the Art. 16(4) TEU double majority."""
    pop = np.round(np.asarray(population, dtype=float) * 10).astype(int)  # 0.1 m units
    k = len(pop)
    total = pop.sum()
    need_n = QMV_STATES * k - 1e-9
    need_p = QMV_POPULATION * total - 1e-9

    def passes(n_yes: np.ndarray, p_yes: np.ndarray) -> np.ndarray:
        return (n_yes >= need_n) & ((p_yes >= need_p) | (k - n_yes < QMV_MIN_BLOCKERS))

    swings = np.zeros(k)
    for i in range(k):
        others = np.delete(pop, i)
        table = np.zeros((k, total + 1))  # [count, population] -> number of coalitions
        table[0, 0] = 1.0
        for p in others:
            table[1:, p:] += table[:-1, : total + 1 - p].copy()
        c, q = np.nonzero(table)
        gain = passes(c + 1, q + pop[i]) & ~passes(c, q)
        swings[i] = table[c[gain], q[gain]].sum()
    return swings / swings.sum() if swings.sum() > 0 else swings


def voting_power(eu: np.ndarray, nato: np.ndarray, parliament: np.ndarray,
                 population: np.ndarray) -> dict[str, np.ndarray]:
    """(n,) power of every actor in each house (0 where it has no seat)."""
    n = len(eu)
    out = {"eu_council_qmv": np.zeros(n), "eu_council_unanimity": np.zeros(n),
           "nato": np.zeros(n), "european_parliament": np.zeros(n)}
    if eu.any():
        out["eu_council_qmv"][eu] = banzhaf_qmv(population[eu])
        out["eu_council_unanimity"][eu] = 1.0 / eu.sum()
    if nato.any():
        out["nato"][nato] = 1.0 / nato.sum()
    out["european_parliament"][parliament] = 1.0
    return out

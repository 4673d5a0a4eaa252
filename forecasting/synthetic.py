"""Synthetic actors for scaling benchmarks and tests (not data about real countries)."""

from __future__ import annotations

import numpy as np

from model.inputs.data import BLOCS, ActorRecord


def synthetic_actors(n: int, rng: np.random.Generator) -> list[ActorRecord]:
    """``n`` made-up actors: one US, four bureaucracies, the rest states in random blocs,
    with log-normal spending/GDP/population and uniform decoupling fear and competition."""
    state_blocs = [b for b in BLOCS if b not in ("us", "bureaucracy", "ukraine")]
    out = [ActorRecord(id="USA", name="United States", type="us", bloc="us",
                       memberships=["NATO"], defence_spending_musd=968000.0, gdp_busd=28000.0,
                       population_m=335.0, decoupling_fear=0.0, competition=0.7,
                       engagement=0.8, industrial_stance=0.3)]
    for k, (pole, member) in enumerate([(100.0, "EU"), (100.0, "EU"), (100.0, "EU"),
                                        (0.0, "NATO")]):
        out.append(ActorRecord(id=f"B{k}", name=f"Bureaucracy {k}", type="bureaucracy",
                               bloc="bureaucracy", memberships=[member],
                               institutional_weight=0.02, decoupling_fear=0.3,
                               competition=float(rng.uniform(0.5, 1.0)), home_pole=pole))
    for k in range(max(n - len(out), 0)):
        bloc = state_blocs[int(rng.integers(len(state_blocs)))]
        eu = bloc != "non_eu_allies" or rng.random() < 0.1
        nato = bloc != "eu_core" or rng.random() < 0.85
        mem = (["EU"] if eu else []) + (["NATO"] if nato else []) or ["NATO"]
        out.append(ActorRecord(
            id=f"S{k:05d}", name=f"State {k}", type="state", bloc=bloc, memberships=mem,
            defence_spending_musd=float(rng.lognormal(8.5, 1.2)),
            gdp_busd=float(rng.lognormal(5.5, 1.1)), population_m=float(rng.lognormal(2.0, 1.0)),
            decoupling_fear=float(rng.uniform()), competition=float(rng.uniform()),
            risk=1.0,
        ))
    return out[:n] if n >= 5 else out

"""How the coalitions that form compare with the real formats of European security.

One stated measure (docs/model.md §5): for each format, the share of its member pairs that
end the run in the same coalition on a pillar, averaged over seeds, set beside the same
share over all pairs of actors (the base rate). A format the model reproduces scores well
above the base rate; one it cuts across scores near or below it.

Formats (memberships from data/actors.toml, where each is sourced): the Bucharest Nine
(B9), the Nordic-Baltic Eight (NB8), the UK-led Joint Expeditionary Force (JEF), and the
Weimar triangle (France, Germany, Poland; founded 1991, revived at ministerial level in
2024); and the two groupings of EU budget politics: the "Frugal Four" (Austria, Denmark,
the Netherlands, Sweden; their joint non-paper on the 2021-27 budget, February 2020) and
the southern EU-Med group (MED9: Croatia, Cyprus, France, Greece, Italy, Malta, Portugal,
Slovenia, Spain; Athens declaration 2016, Croatia and Slovenia since 2021).
"""

from __future__ import annotations

import numpy as np

from model import coalitions
from model.model import EuNatoModel

WEIMAR = ("FRA", "DEU", "POL")
FRUGAL = ("AUT", "DNK", "NLD", "SWE")
MED9 = ("HRV", "CYP", "FRA", "GRC", "ITA", "MLT", "PRT", "SVN", "ESP")
NAMED = {"Weimar": WEIMAR, "Frugal": FRUGAL, "MED9": MED9}


def formats(model: EuNatoModel) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {f: [] for f in ("B9", "NB8", "JEF", *NAMED)}
    for k, a in enumerate(model.world.actors):
        for f in ("B9", "NB8", "JEF"):
            if f in a.memberships:
                rows[f].append(k)
        for f, members in NAMED.items():
            if a.id in members:
                rows[f].append(k)
    return rows


def format_fit(scenario: str = "baseline-2024", seeds: range = range(1, 11),
               protocol: str = "compromise") -> dict[str, dict[str, float]]:
    """{pillar: {format: co-membership share}} with ``all pairs`` as the base rate."""
    finals: dict[str, list[np.ndarray]] = {}
    groups: dict[str, list[int]] = {}
    for s in seeds:
        m = EuNatoModel(scenario_name=scenario, protocol=protocol, rng=s).run()
        groups = formats(m)
        for k, pillar in enumerate(m.pillars):
            finals.setdefault(pillar, []).append(m.coalition[k].copy())
    return {p: coalitions.co_membership(np.array(v), groups) for p, v in finals.items()}


if __name__ == "__main__":  # python -m model.results.formats: the table of docs/model.md §5
    for pillar, row in format_fit().items():
        print(pillar, " ".join(f"{k} {v:.2f}" for k, v in row.items()))

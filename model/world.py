"""Build the arrays of a run from the data records and a scenario.

:class:`World` holds every per-actor parameter as an (n,) array and every base preference as
an (n, m) array. The Mesa agents read and write these arrays through their properties, and
:meth:`World.preferences` turns them into ideal points and saliences with the one formula of
:mod:`model.preferences`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.data import ActorRecord, DataError, IssueRecord
from model.preferences import (
    PreferenceModel,
    capability_index,
    derive_preferences,
    us_capability_factor,
)
from model.rules import Houses
from model.scenario import Scenario


@dataclass
class World:
    actors: list[ActorRecord]
    issues: list[IssueRecord]
    decoupling_fear: np.ndarray  # (n,)
    competition: np.ndarray  # (n,)
    risk: np.ndarray  # (n,)
    home_pole: np.ndarray  # (n,) NaN where none
    is_us: np.ndarray  # (n,) bool
    base_capability: np.ndarray  # (n,) before US engagement
    base_position: np.ndarray  # (n, m)
    base_salience: np.ndarray  # (n, m)
    status_quo: np.ndarray  # (m,)
    eu_rule: list[str]
    us_engagement: float
    participation_blockage: bool
    blocker_ids: list[str]
    coef: PreferenceModel = field(default_factory=PreferenceModel)

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    @property
    def blocs(self) -> np.ndarray:
        return np.array([a.bloc for a in self.actors])

    def capability(self) -> np.ndarray:
        cap = self.base_capability.copy()
        cap[self.is_us] *= us_capability_factor(self.us_engagement)
        return cap

    def preferences(self) -> tuple[np.ndarray, np.ndarray]:
        return derive_preferences(
            self.base_position, self.base_salience, self.decoupling_fear, self.competition,
            self.home_pole, self.is_us, np.array([i.decoupling for i in self.issues]),
            np.array([i.turf for i in self.issues]), self.us_engagement, self.coef,
        )

    def houses(self) -> Houses:
        votes = np.array([a.votes for a in self.actors])
        return Houses(
            nato=np.array([a.nato for a in self.actors]) & votes,
            eu=np.array([a.eu for a in self.actors]) & votes,
            population=np.array([a.population_m or 0.0 for a in self.actors]),
            eu_rule=list(self.eu_rule),
            cooperation=np.array([i.cooperation for i in self.issues]),
            blockers=np.array([a.id in self.blocker_ids for a in self.actors])
            & self.participation_blockage,
        )

    def set_bloc(self, bloc: str, name: str, value: float) -> None:
        """Shift a bloc's members by one common amount so the bloc's mean of ``name``
        becomes ``value``, keeping the differences between members; members are clipped to
        [0, 1], and the shift is found by bisection so that the clipped mean hits the value."""
        arr = getattr(self, name)
        members = self.blocs == bloc
        if not members.any():
            return
        x = arr[members].copy()
        lo, hi = -1.0, 1.0
        for _ in range(60):  # the clipped mean is monotone in the shift
            mid = 0.5 * (lo + hi)
            if np.clip(x + mid, 0.0, 1.0).mean() < value:
                lo = mid
            else:
                hi = mid
        arr[members] = np.clip(x + 0.5 * (lo + hi), 0.0, 1.0)


def build_world(
    actors: list[ActorRecord], issues: list[IssueRecord], scenario: Scenario,
    coef: PreferenceModel | None = None,
) -> World:
    """Apply a scenario's overrides to the data records and return the run's arrays."""
    ids = [a.id for a in actors]
    issue_ids = [i.id for i in issues]
    scenario.check_references(ids, issue_ids)
    n, m = len(actors), len(issues)
    nan = float("nan")
    us = np.array([a.type == "us" for a in actors])
    base_cap = capability_index(
        np.array([a.defence_spending_musd if a.defence_spending_musd is not None else nan
                  for a in actors]),
        np.array([a.gdp_busd if a.gdp_busd is not None else nan for a in actors]),
        np.array([a.population_m if a.population_m is not None else nan for a in actors]),
        np.array([a.institutional_weight if a.institutional_weight is not None else nan
                  for a in actors]),
    )
    pos = np.array([[i.position[a.stance_group] for i in issues] for a in actors])
    sal = np.array([[i.salience[a.stance_group] for i in issues] for a in actors])
    fear = np.array([a.decoupling_fear for a in actors], dtype=float)
    comp = np.array([a.competition for a in actors], dtype=float)
    # The US's rivalry is industrial: the less it accepts "buy European", the harder it
    # pulls industrial issues towards NATO (its home pole is 0).
    for k, a in enumerate(actors):
        if a.type == "us" and a.industrial_stance is not None:
            comp[k] = 1.0 - a.industrial_stance
    home = np.array([a.home_pole if a.home_pole is not None else
                     (0.0 if a.type == "us" else nan) for a in actors])
    us_eng = next((a.engagement for a in actors if a.type == "us" and a.engagement is not None),
                  0.8)
    world = World(
        actors=actors, issues=issues, decoupling_fear=fear, competition=comp,
        risk=np.array([a.risk for a in actors], dtype=float), home_pole=home, is_us=us,
        base_capability=base_cap, base_position=pos, base_salience=sal,
        status_quo=np.array([i.status_quo for i in issues], dtype=float),
        eu_rule=[i.eu_rule for i in issues],
        us_engagement=float(us_eng), participation_blockage=False, blocker_ids=[],
        coef=coef or PreferenceModel(),
    )
    p = scenario.parameters
    if p.us_engagement is not None:
        world.us_engagement = p.us_engagement
    world.participation_blockage = p.participation_blockage
    world.blocker_ids = list(p.blockers)
    for bloc, ov in scenario.blocs.items():
        for name in ("decoupling_fear", "competition"):
            v = getattr(ov, name)
            if v is not None:
                world.set_bloc(bloc, name, v)
    for aid, ov in scenario.actors.items():
        k = ids.index(aid)
        for name in ("decoupling_fear", "competition", "risk"):
            v = getattr(ov, name)
            if v is not None:
                getattr(world, name)[k] = v
        if ov.capability is not None:
            world.base_capability[k] = ov.capability
        if ov.engagement is not None:
            if not us[k]:
                raise DataError(scenario.source, f"actors.{aid}.engagement", ov.engagement,
                                "only the United States has an engagement level")
            world.us_engagement = ov.engagement
        for iid, v in ov.position.items():
            world.base_position[k, issue_ids.index(iid)] = v
        for iid, v in ov.salience.items():
            world.base_salience[k, issue_ids.index(iid)] = v
    for iid, ov in scenario.issues.items():
        j = issue_ids.index(iid)
        if ov.status_quo is not None:
            world.status_quo[j] = ov.status_quo
        if ov.eu_rule is not None:
            world.eu_rule[j] = ov.eu_rule
    assert world.base_position.shape == (n, m)
    return world

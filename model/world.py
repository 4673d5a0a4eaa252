"""Build the arrays of a run from the data records and a scenario.

:class:`World` holds every per-actor parameter as an (n,) array, every base preference as an
(n, m) array and every issue's venues. The Mesa agents read and write these arrays through
their properties, and :meth:`World.preferences` asks each actor type (``agents/``) for its
ideals. Column layout of role arrays: ``[EU roles of the m issues | NATO roles]`` (2m).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from model.inputs.data import ActorRecord, DataError, IssueRecord
from model.inputs.scenario import Scenario
from model.preferences import (
    OUTSIDE_VOICE,
    US_WEIGHT,
    PreferenceModel,
    capability_index,
    us_capability_factor,
)


@dataclass
class World:
    actors: list[ActorRecord]
    issues: list[IssueRecord]
    decoupling_fear: np.ndarray  # (n,)
    competition: np.ndarray  # (n,)
    risk: np.ndarray  # (n,)
    home_pole: np.ndarray  # (n,) NaN where none
    industrial_stake: np.ndarray  # (n,) in [0, 1]
    base_capability: np.ndarray  # (n,) before US engagement
    base_eu: np.ndarray  # (n, m)
    base_nato: np.ndarray  # (n, m)
    base_salience: np.ndarray  # (n, m)
    status_quo: np.ndarray  # (2m,) [EU roles | NATO roles]
    eu_venue: list[str]
    nato_venue: list[str]
    joint: np.ndarray  # (m,) bool
    us_engagement: float
    participation_blockage: bool
    blocker_ids: list[str]
    block: np.ndarray  # (n, m) bool: blocking stance on the issue
    step_aside: np.ndarray  # (n, m) bool: steps aside (abstains) on the issue
    stance_houses: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> houses
    start: str = "2024-07"
    months_per_round: int = 1
    coef: PreferenceModel = field(default_factory=PreferenceModel)

    def __post_init__(self) -> None:
        self.types = np.array([a.type for a in self.actors])
        self.is_us = self.types == "us"
        self.eu_member = np.array([a.eu for a in self.actors])
        self.nato_member = np.array([a.nato for a in self.actors])
        self.issue_decoupling = np.array([i.decoupling for i in self.issues], dtype=float)
        self.issue_turf = np.array([i.turf for i in self.issues], dtype=float)

    def copy(self) -> World:
        """A world a run may change: its own arrays, lists and stances (the data records
        are shared: nothing writes to them). Batches build one world per scenario and give
        each run a copy (building it anew was a sixth of a batch run's set-up)."""
        out = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray | list | dict):
                setattr(out, name, value.copy())
        return out

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    @property
    def blocs(self) -> np.ndarray:
        return np.array([a.bloc for a in self.actors])

    @property
    def pillars(self) -> list[str]:
        return [i.pillar for i in self.issues]

    def capability(self) -> np.ndarray:
        cap = self.base_capability.copy()
        cap[self.is_us] *= us_capability_factor(self.us_engagement)
        return cap

    def preferences(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        from agents import derive_preferences

        return derive_preferences(self)

    def voice(self) -> np.ndarray:
        """(n, 2m) how fully each actor's weight counts on each role: 1 for members of the
        institution (and its bodies), ``OUTSIDE_VOICE`` for outsiders lobbying it."""
        eu_side = self.eu_member | np.isin(self.types, ["parliament"]) | (
            (self.types == "bureaucracy") & (np.nan_to_num(self.home_pole, nan=0) >= 50))
        nato_side = self.nato_member | (
            (self.types == "bureaucracy") & (np.nan_to_num(self.home_pole, nan=100) < 50))
        m = len(self.issues)
        v_eu = np.where(eu_side, 1.0, OUTSIDE_VOICE)[:, None].repeat(m, axis=1)
        v_nato = np.where(nato_side, 1.0, OUTSIDE_VOICE)[:, None].repeat(m, axis=1)
        return np.hstack([v_eu, v_nato])

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


def _capabilities(actors: list[ActorRecord]) -> np.ndarray:
    """States' shares among the states other than the US; the US gets ``US_WEIGHT`` × the
    largest other state's; bureaucracies their institutional weight (docs/model.md §4)."""
    nan = float("nan")

    def col(name: str) -> np.ndarray:
        return np.array([getattr(a, name) if getattr(a, name) is not None else nan
                         for a in actors], dtype=float)

    types = np.array([a.type for a in actors])
    cap = capability_index(col("defence_spending_musd"), col("gdp_busd"), col("population_m"),
                           col("institutional_weight"), include=types == "state")
    others = cap[types == "state"]
    if others.size:
        cap[types == "us"] = US_WEIGHT * others.max()
    # the Parliament's weight at the table: its institutional weight, else a bureaucracy's
    return np.nan_to_num(cap)


def build_world(
    actors: list[ActorRecord], issues: list[IssueRecord], scenario: Scenario,
    coef: PreferenceModel | None = None,
) -> World:
    """Apply a scenario's overrides to the data records and return the run's arrays."""
    ids = [a.id for a in actors]
    scenario.check_references(ids, [i.id for i in issues])
    if scenario.only_issues:
        issues = [i for i in issues if i.id in scenario.only_issues]
    issue_ids = [i.id for i in issues]
    n, m = len(actors), len(issues)
    # the issues' base preferences per stance group, then one row per actor (its group's)
    groups = [a.stance_group for a in actors]
    names = list(dict.fromkeys(groups))
    row = np.array([names.index(g) for g in groups], dtype=int)
    eu, nato, sal = (np.array([[getattr(i, kind)[g] for i in issues] for g in names],
                              dtype=float).reshape(len(names), len(issues))[row]
                     for kind in ("eu_role", "nato_role", "salience"))
    comp = np.array([a.competition for a in actors], dtype=float)
    for k, a in enumerate(actors):
        if a.type == "us" and a.industrial_stance is not None:
            comp[k] = 1.0 - a.industrial_stance
    us_eng = next((a.engagement for a in actors if a.type == "us" and a.engagement is not None),
                  0.8)
    sq = np.array([i.status_quo.eu_role for i in issues]
                  + [i.status_quo.nato_role for i in issues], dtype=float)
    world = World(
        actors=actors, issues=issues,
        decoupling_fear=np.array([a.decoupling_fear for a in actors], dtype=float),
        competition=comp, risk=np.array([a.risk for a in actors], dtype=float),
        home_pole=np.array([a.home_pole if a.home_pole is not None else np.nan
                            for a in actors], dtype=float),
        industrial_stake=np.array([a.industrial_stake or 0.0 for a in actors], dtype=float),
        base_capability=_capabilities(actors), base_eu=eu, base_nato=nato, base_salience=sal,
        status_quo=sq, eu_venue=[i.eu_venue for i in issues],
        nato_venue=[i.nato_venue for i in issues],
        joint=np.array([i.joint for i in issues], dtype=bool),
        us_engagement=float(us_eng), participation_blockage=False, blocker_ids=[],
        block=np.zeros((n, m), bool), step_aside=np.zeros((n, m), bool),
        start=scenario.start, months_per_round=scenario.months_per_round,
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
            if not world.is_us[k]:
                raise DataError(scenario.source, f"actors.{aid}.engagement", ov.engagement,
                                "only the United States has an engagement level")
            world.us_engagement = ov.engagement
        for arr, over in ((world.base_eu, ov.eu_role), (world.base_nato, ov.nato_role),
                          (world.base_salience, ov.salience)):
            for iid, v in over.items():
                if iid in issue_ids:
                    arr[k, issue_ids.index(iid)] = v
    for aid, st in scenario.stances.items():
        k = ids.index(aid)
        world.stance_houses[k] = tuple(st.houses)
        for iid in st.block:
            if iid in issue_ids:
                world.block[k, issue_ids.index(iid)] = True
        for iid in st.step_aside:
            if iid in issue_ids:
                world.step_aside[k, issue_ids.index(iid)] = True
    for iid, ov in scenario.issues.items():
        if iid not in issue_ids:
            continue
        j = issue_ids.index(iid)
        if ov.status_quo is not None:
            world.status_quo[j] = ov.status_quo.eu_role
            world.status_quo[m + j] = ov.status_quo.nato_role
        if ov.eu_venue is not None:
            world.eu_venue[j] = ov.eu_venue
        if ov.nato_venue is not None:
            world.nato_venue[j] = ov.nato_venue
        if ov.joint is not None:
            world.joint[j] = ov.joint
    return world

"""Build the arrays of a run from the data records and a scenario.

:class:`World` holds every per-actor parameter as an (n,) array, every base preference as an
(n, m) array and every issue's venues. The Mesa agents read and write these arrays through
their properties, and :meth:`World.preferences` asks each actor type (``agents/``) for its
ideals. Column layout of role arrays: ``[EU roles of the m issues | NATO roles]`` (2m).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from model.inputs.data import TOPICS, ActorRecord, DataError, IssueRecord
from model.inputs.positions import Positions, load_positions
from model.inputs.scenario import Scenario
from model.preferences import (
    OUTSIDE_VOICE,
    US_WEIGHT,
    PreferenceModel,
    capability_index,
    us_capability_factor,
)
from model.reversion import ReversionPath

#: how far a state's coded decoupling fear and competition may lie from their values
#: (a judgement's uncertainty, docs/model.md §3), and the preference coefficients
#: drawn per run within ±COEF_SPREAD of theirs
JUDGEMENT_SPREAD = 0.1
COEF_SPREAD = 0.2
DRAWN_COEFS = ("position_shift", "fear_shift", "fear_nato_shift", "hedge_shift", "leverage")


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
    #: per issue, the admissible EU legal bases, ``eu_venue`` first (none without one)
    eu_bases: list[list[str]]
    nato_venue: list[str]
    joint: np.ndarray  # (m,) bool
    us_engagement: float
    participation_blockage: bool
    blocker_ids: list[str]
    block: np.ndarray  # (n, m) bool: blocking stance on the issue
    step_aside: np.ndarray  # (n, m) bool: steps aside (abstains) on the issue
    stance_houses: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> houses
    #: the states' sourced inputs (data/positions.toml; agents/states.py turns them into
    #: ideals): indicators (n,) NaN where none; per topic of data.TOPICS the effect and
    #: salience of a position on record in force at the start (n, T), NaN where none
    aid: np.ndarray | None = None
    defence_gdp: np.ndarray | None = None
    us_import: np.ndarray | None = None
    record_effect: np.ndarray | None = None
    record_range: np.ndarray | None = None  # (n, T, 2) the judgement's range
    record_salience: np.ndarray | None = None
    record_salience_range: np.ndarray | None = None  # (n, T, 2)
    #: declared positions of a scenario or episode ([actors.X] eu_role/nato_role/salience
    #: on a state): its ideal on that role as stated, (n, 2m) and (n, m), NaN where none
    declared: np.ndarray | None = None
    declared_salience: np.ndarray | None = None
    #: the influence each actor brings to the EU's and to NATO's roles, as a multiple of
    #: its capability (n, 2): economy and votes in the EU, military spending in NATO
    house_weight: np.ndarray | None = None
    #: the judgements drawn for this run (name -> value), empty when central
    judgements: dict[str, float] = field(default_factory=dict)
    #: the central (undrawn) decoupling fear and competition, kept by draw_judgements: the
    #: premise a user sets and reads (the app's sliders), whatever a seed drew around it
    central: dict[str, np.ndarray] = field(default_factory=dict)
    #: (m,) a joint piece that is a political declaration, not a formal arrangement: the
    #: participation blockage does not bar it (docs/model.md, "Declarations")
    declaration: np.ndarray | None = None
    start: str = "2024-07"
    months_per_round: int = 1
    coef: PreferenceModel = field(default_factory=PreferenceModel)
    #: per issue, its reversion path or None (model/reversion.py); empty: none anywhere
    reversion: list[ReversionPath | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.types = np.array([a.type for a in self.actors])
        self.is_us = self.types == "us"
        # the houses as they stood in the scenario's first month (accession dates)
        self.eu_member = np.array([a.member("EU", self.start) for a in self.actors])
        self.nato_member = np.array([a.member("NATO", self.start) for a in self.actors])
        self.issue_decoupling = np.array([i.decoupling for i in self.issues], dtype=float)
        self.issue_turf = np.array([i.turf for i in self.issues], dtype=float)
        self.issue_substitution = np.array([i.substitution for i in self.issues], dtype=float)
        self.issue_topics = np.array([[i.topics.get(t, 0.0) for t in TOPICS]
                                      for i in self.issues], dtype=float).reshape(-1, len(TOPICS))
        self.ambition = np.array([i.ambition["eu_role"] for i in self.issues]
                                 + [i.ambition["nato_role"] for i in self.issues], dtype=float)
        self.state_salience = np.array([i.state_salience for i in self.issues], dtype=float)
        n, m = len(self.actors), len(self.issues)
        nan = np.full
        for name, shape in (("aid", (n,)), ("defence_gdp", (n,)), ("us_import", (n,)),
                            ("declared", (n, 2 * m)), ("declared_salience", (n, m)),
                            ("record_salience", (n, len(TOPICS))),
                            ("record_effect", (n, len(TOPICS))),
                            ("record_range", (n, len(TOPICS), 2)),
                            ("record_salience_range", (n, len(TOPICS), 2))):
            if getattr(self, name) is None:
                setattr(self, name, nan(shape, np.nan))
        if self.house_weight is None:
            self.house_weight = np.ones((n, 2))
        if self.declaration is None:
            self.declaration = np.array([getattr(i, "joint_instrument", "arrangement")
                                         == "declaration" for i in self.issues], dtype=bool)

    def copy(self) -> World:
        """A world a run may change: its own arrays, lists and stances (the data records
        are shared: nothing writes to them). Batches build one world per scenario and give
        each run a copy (building it anew was a sixth of a batch run's set-up)."""
        out = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, dict):  # central holds arrays a run may shift
                setattr(out, name, {k: v.copy() if isinstance(v, np.ndarray) else v
                                    for k, v in value.items()})
            elif isinstance(value, np.ndarray | list):
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
    def formal(self) -> np.ndarray:
        """(m,) the issues whose joint piece is a formal EU-NATO arrangement: the ones the
        participation blockage bars (a joint declaration is not one)."""
        return self.joint & ~self.declaration

    @property
    def pillars(self) -> list[str]:
        return [i.pillar for i in self.issues]

    def mainstream(self) -> np.ndarray:
        """(n, 2m) where each actor starts before its own terms: an institution's group
        base (data/issues.toml), a state's issue mainstream (status quo plus ambition)."""
        base = np.hstack([self.base_eu, self.base_nato])
        return np.where(np.isnan(base), (self.status_quo + self.ambition)[None, :], base)

    def capability(self) -> np.ndarray:
        """(n,) each actor's weight at the table, the US's scaled by its engagement, in
        units of the largest house weight (:meth:`voice` divides by it, so that a weight
        on a role, capability × salience × voice, is the actor's influence in that house
        and a salience stays in [0, 1])."""
        cap = self.base_capability * self.house_weight.max()
        cap[self.is_us] *= us_capability_factor(self.us_engagement)
        return cap

    def preferences(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        from agents import derive_preferences

        return derive_preferences(self)

    def voice(self) -> np.ndarray:
        """(n, 2m) how fully each actor's weight counts on each role: its house weight
        (economy and votes on EU roles, military spending on NATO roles, over the largest)
        for members of the institution (and its bodies), times ``OUTSIDE_VOICE`` for
        outsiders lobbying it."""
        eu_side = self.eu_member | np.isin(self.types, ["parliament"]) | (
            (self.types == "bureaucracy") & (np.nan_to_num(self.home_pole, nan=0) >= 50))
        nato_side = self.nato_member | (
            (self.types == "bureaucracy") & (np.nan_to_num(self.home_pole, nan=100) < 50))
        m = len(self.issues)
        hw = self.house_weight / self.house_weight.max()
        v_eu = (np.where(eu_side, 1.0, OUTSIDE_VOICE) * hw[:, 0])[:, None]
        v_nato = (np.where(nato_side, 1.0, OUTSIDE_VOICE) * hw[:, 1])[:, None]
        v_eu, v_nato = v_eu.repeat(m, axis=1), v_nato.repeat(m, axis=1)
        return np.hstack([v_eu, v_nato])

    def draw_judgements(self, rng: np.random.Generator) -> None:
        """Draw this run's coded judgements from their stated ranges (in place): each
        state's decoupling fear and competition within ±``JUDGEMENT_SPREAD``, each position
        on record's effect and salience within its range, and the preference coefficients
        within ±``COEF_SPREAD`` of their values. What was drawn is kept in
        :attr:`judgements` (name -> value), so a batch can say what an outcome hinges on."""
        got: dict[str, float] = {}
        ids = self.actor_ids
        states = np.flatnonzero(np.isin(self.types, ["state", "us"]))
        for name in ("decoupling_fear", "competition"):
            arr = getattr(self, name)
            self.central.setdefault(name, arr.copy())
            arr[states] = np.clip(arr[states] + rng.uniform(-JUDGEMENT_SPREAD, JUDGEMENT_SPREAD,
                                                            states.size), 0.0, 1.0)
            got.update({f"{ids[k]}.{name}": float(arr[k]) for k in states})
        rows, topics = np.nonzero(~np.isnan(self.record_effect))
        if rows.size:
            lo, hi = self.record_range[rows, topics].T
            self.record_effect[rows, topics] = rng.uniform(lo, hi)
            lo, hi = self.record_salience_range[rows, topics].T
            self.record_salience[rows, topics] = rng.uniform(lo, hi)
            for k, t in zip(rows.tolist(), topics.tolist(), strict=True):
                got[f"{ids[k]}.{TOPICS[t]}"] = float(self.record_effect[k, t])
        coefs = {name: getattr(self.coef, name) * float(f) for name, f in zip(
            DRAWN_COEFS, rng.uniform(1 - COEF_SPREAD, 1 + COEF_SPREAD, len(DRAWN_COEFS)),
            strict=True)}
        self.coef = replace(self.coef, **coefs)
        got.update({f"coef.{k}": v for k, v in coefs.items()})
        self.judgements = got

    def premise(self, name: str) -> np.ndarray:
        """``name`` (decoupling_fear or competition) as set, before any judgement was drawn."""
        return self.central.get(name, getattr(self, name))

    def set_bloc(self, bloc: str, name: str, value: float) -> None:
        """Shift a bloc's members by one common amount so the bloc's mean of ``name``
        becomes ``value``, keeping the differences between members; members are clipped to
        [0, 1], and the shift is found by bisection so that the clipped mean hits the value.
        After a draw it is the central level that hits the value, and the drawn one moves by
        the same shift, so an event keeps the seed's draw around its new premise."""
        members = self.blocs == bloc
        if not members.any():
            return
        base = self.premise(name)
        x = base[members].copy()
        lo, hi = -1.0, 1.0
        for _ in range(60):  # the clipped mean is monotone in the shift
            mid = 0.5 * (lo + hi)
            if np.clip(x + mid, 0.0, 1.0).mean() < value:
                lo = mid
            else:
                hi = mid
        shift = 0.5 * (lo + hi)
        arr = getattr(self, name)
        if base is not arr:
            base[members] = np.clip(x + shift, 0.0, 1.0)
        arr[members] = np.clip(arr[members] + shift, 0.0, 1.0)

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


#: what influence rests on in each house (shares of spending, GDP, population): in the EU
#: the economy and the Council votes (population, Art. 16(4) TEU); in NATO military
#: spending, with manpower (population) beside it (judgements, docs/model.md §4)
EU_WEIGHTS = (0.1, 0.5, 0.4)
NATO_WEIGHTS = (0.85, 0.0, 0.15)


def house_weights(actors: list[ActorRecord], cap: np.ndarray,
                  month: str | None = None) -> np.ndarray:
    """(n, 2) each state's influence on EU and on NATO roles as a multiple of its
    capability: its share of the house's index among the house's members (the US with its
    own spending in NATO's), scaled so the members' total stays their total capability.
    Non-members and non-states keep 1 (their voice is set apart, ``World.voice``); who is
    a member is who had joined by ``month`` (YYYY-MM; None: today's houses)."""
    nan = float("nan")

    def col(name: str) -> np.ndarray:
        return np.array([getattr(a, name) if getattr(a, name) is not None else nan
                         for a in actors], dtype=float)

    types = np.array([a.type for a in actors])
    states = np.isin(types, ["state", "us"])
    out = np.ones((len(actors), 2))
    spend, gdp, pop = col("defence_spending_musd"), col("gdp_busd"), col("population_m")
    iw = np.full(len(actors), nan)
    for h, (member, weights) in enumerate((
            (np.array([a.member("EU", month) for a in actors]) & states, EU_WEIGHTS),
            (np.array([a.member("NATO", month) for a in actors]) & states, NATO_WEIGHTS))):
        if not member.any():
            continue
        idx = capability_index(spend, gdp, pop, iw, include=member, weights=weights)
        total = cap[member].sum()
        ok = member & (cap > 0)
        out[ok, h] = idx[ok] * total / cap[ok]
    return out


def build_world(
    actors: list[ActorRecord], issues: list[IssueRecord], scenario: Scenario,
    coef: PreferenceModel | None = None,
) -> World:
    """Apply a scenario's overrides to the data records and return the run's arrays."""
    ids = [a.id for a in actors]
    sits = {a.id: {h for h, yes in (("eu_council", a.eu), ("nato", a.nato)) if yes}
            for a in actors if a.type in ("state", "us")}
    scenario.check_references(ids, [i.id for i in issues], sits)
    if scenario.only_issues:
        issues = [i for i in issues if i.id in scenario.only_issues]
    issue_ids = [i.id for i in issues]
    n, m = len(actors), len(issues)
    # the issues' base preferences per stance group, then one row per actor (its group's)
    groups = [a.stance_group for a in actors]
    names = list(dict.fromkeys(groups))
    row = np.array([names.index(g) for g in groups], dtype=int)
    # (states have no group: their ideals come from their own indicators, agents/states.py)
    eu, nato, sal = (np.array([[getattr(i, kind).get(g, np.nan) for i in issues]
                               for g in names],
                              dtype=float).reshape(len(names), len(issues))[row]
                     for kind in ("eu_role", "nato_role", "salience"))
    cap = _capabilities(actors)
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
        base_capability=cap, house_weight=house_weights(actors, cap, scenario.start), base_eu=eu,
        base_nato=nato, base_salience=sal,
        status_quo=sq, eu_venue=[i.eu_venue for i in issues],
        eu_bases=[i.bases for i in issues],
        nato_venue=[i.nato_venue for i in issues],
        joint=np.array([i.joint for i in issues], dtype=bool),
        reversion=[i.reversion for i in issues],
        us_engagement=float(us_eng), participation_blockage=False, blocker_ids=[],
        block=np.zeros((n, m), bool), step_aside=np.zeros((n, m), bool),
        start=scenario.start, months_per_round=scenario.months_per_round,
        coef=coef or PreferenceModel(),
    )
    apply_positions(world, load_positions(), scenario.start)
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
        # a state's override is a declared position: its ideal as stated; the others'
        # (institutions) replace their group's base
        state = world.types[k] in ("state", "us")
        for arr, over, off in (
                (world.declared if state else world.base_eu, ov.eu_role, 0),
                (world.declared if state else world.base_nato, ov.nato_role, m if state else 0),
                (world.declared_salience if state else world.base_salience, ov.salience, 0)):
            for iid, v in over.items():
                if iid in issue_ids:
                    arr[k, off + issue_ids.index(iid)] = v
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
            world.eu_bases[j] = [] if ov.eu_venue == "none" else [ov.eu_venue]
        if ov.eu_bases is not None:
            world.eu_venue[j], world.eu_bases[j] = ov.eu_bases[0], list(ov.eu_bases)
        if ov.nato_venue is not None:
            world.nato_venue[j] = ov.nato_venue
        if ov.joint is not None:
            world.joint[j] = ov.joint
        if ov.joint_instrument is not None:
            world.declaration[j] = ov.joint_instrument == "declaration"
        if ov.reversion is not None:
            world.reversion[j] = ov.reversion
    return world


def apply_positions(world: World, positions: Positions, month: str) -> None:
    """Copy the states' indicators and the positions on record in force in ``month``
    (YYYY-MM, the run's start) into the world's arrays (in place)."""
    ids = world.actor_ids
    for k, aid in enumerate(ids):
        ind = positions.indicators.get(aid, {})
        for name, key in (("aid", "ukr_military_aid_pct_gdp"), ("defence_gdp", "defence_pct_gdp"),
                          ("us_import", "us_arms_import_share_pct")):
            if key in ind:
                getattr(world, name)[k] = ind[key]
    for rec in positions.records_at(month):
        if rec.actor not in ids:
            continue
        k, t = ids.index(rec.actor), TOPICS.index(rec.topic)
        world.record_effect[k, t] = rec.effect
        world.record_range[k, t] = rec.range
        world.record_salience[k, t] = rec.salience
        world.record_salience_range[k, t] = rec.salience_range

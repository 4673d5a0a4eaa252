"""The Mesa model: EU and NATO actors bargain over the division of labour.

Each step (round):
1. scenario events due this round change parameters (preferences are re-derived);
2. actors reconsider their coalitions, and coalition members coordinate their positions;
3. the bargaining protocol (BDM, compromise, …) plays one round on the position arrays;
4. each open issue's candidate outcome (the protocol's forecast, or failing that the agenda
   setter's best proposal inside the win-set) is put to NATO and the EU Council; an issue
   settles once a candidate that passes both houses has held still for a few rounds;
5. the DataCollector records positions, coalitions, forecasts and agreement status.

The state lives in one :class:`~model.state.BargainingState` (actors × issues arrays); the
agents in ``agents/`` are views of its rows.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from agents import make_agent
from model import coalitions, rules
from model.coalitions import CoalitionRule
from model.data import load_actors, load_issues
from model.preferences import PreferenceModel
from model.protocols import get_protocol
from model.scenario import Scenario, load_scenario, parse_target
from model.state import BargainingState
from model.world import World, build_world

#: sliders of the app and parameters of batches: (bloc, field) set as the bloc's mean
BLOC_KNOBS = {
    f"{bloc}_{name}": (bloc, name)
    for bloc in ("eu_core", "eastern_flank", "non_eu_allies", "bureaucracy")
    for name in ("decoupling_fear", "competition")
}
GRID = np.linspace(0.0, 100.0, 201)


class EuNatoModel(mesa.Model):
    """EU–NATO bargaining over the division of labour.

    Every argument is a plain keyword (so ``mesa.batch_run`` and the app can set it), and
    the model builds with no arguments (the baseline scenario, compromise protocol).

    Args:
        scenario_name: built-in scenario name, path to a TOML file, or a Scenario.
        protocol: registered protocol name (``eunato protocols``).
        rounds: maximum rounds (default: the scenario's).
        rng: seed or numpy Generator; every random draw comes from ``self.rng``.
        us_engagement, participation_blockage: override the scenario's values.
        <bloc>_decoupling_fear, <bloc>_competition: set the bloc's mean level
            (blocs: eu_core, eastern_flank, non_eu_allies, bureaucracy).
        protocol_params: keyword parameters of the protocol.
        collect_agents: record per-actor positions every round (off for big benchmarks).
        world: a prebuilt :class:`World` (synthetic actors, tests) instead of the data files.
    """

    def __init__(
        self,
        scenario_name: str | Scenario = "baseline-2024",
        protocol: str = "compromise",
        rounds: int | None = None,
        rng: Any = None,
        us_engagement: float | None = None,
        participation_blockage: bool | None = None,
        protocol_params: dict[str, Any] | None = None,
        collect_agents: bool = True,
        world: World | None = None,
        preference_model: PreferenceModel | None = None,
        eu_core_decoupling_fear: float | None = None,
        eu_core_competition: float | None = None,
        eastern_flank_decoupling_fear: float | None = None,
        eastern_flank_competition: float | None = None,
        non_eu_allies_decoupling_fear: float | None = None,
        non_eu_allies_competition: float | None = None,
        bureaucracy_decoupling_fear: float | None = None,
        bureaucracy_competition: float | None = None,
    ) -> None:
        # Mesa's own `Model.scenario` is a mesa Scenario (SolaraViz uses it), so ours is
        # `scenario_name` / `self.spec`.
        super().__init__(rng=rng)
        self.seed = rng if isinstance(rng, int | np.integer) else None
        knobs = {
            "eu_core_decoupling_fear": eu_core_decoupling_fear,
            "eu_core_competition": eu_core_competition,
            "eastern_flank_decoupling_fear": eastern_flank_decoupling_fear,
            "eastern_flank_competition": eastern_flank_competition,
            "non_eu_allies_decoupling_fear": non_eu_allies_decoupling_fear,
            "non_eu_allies_competition": non_eu_allies_competition,
            "bureaucracy_decoupling_fear": bureaucracy_decoupling_fear,
            "bureaucracy_competition": bureaucracy_competition,
        }
        self.spec = (scenario_name if isinstance(scenario_name, Scenario)
                     else load_scenario(scenario_name))
        if world is None:
            world = build_world(load_actors(), load_issues(), self.spec, preference_model)
        else:
            self.spec.check_references(world.actor_ids, world.issue_ids)
        self.world = world
        if us_engagement is not None:
            self.world.us_engagement = float(us_engagement)
        if participation_blockage is not None:
            self.world.participation_blockage = bool(participation_blockage)
        for key, value in knobs.items():
            if value is not None:
                self.world.set_bloc(*BLOC_KNOBS[key], float(value))
        self.protocol_name = protocol
        self.protocol = get_protocol(protocol, **(protocol_params or {}))
        self.max_rounds = int(rounds or self.spec.rounds)
        p = self.spec.parameters
        self.coalition_rule = CoalitionRule(
            threshold=p.coalition_threshold, cohesion=p.coalition_cohesion,
            activity=p.coalition_activity,
        )
        self.settle_rounds, self.settle_tolerance = p.settle_rounds, p.settle_tolerance
        self.abstain_salience = p.abstain_salience

        ideal, salience = self.world.preferences()
        w = self.world
        self.state = BargainingState(
            actor_ids=w.actor_ids, issue_ids=w.issue_ids, position=ideal, ideal=ideal,
            salience=salience, capability=w.capability(),
            risk=np.repeat(w.risk[:, None], len(w.issues), axis=1),
            voting=np.array([a.votes for a in w.actors]), status_quo=w.status_quo,
            lo=0.0, hi=100.0,
        )
        self.houses = w.houses()
        self.setters = np.array([a.type == "bureaucracy" for a in w.actors])
        m = self.state.m
        self.outcome = np.full(m, np.nan)
        self.settled_round = np.full(m, -1)
        self.candidate_source = [""] * m
        self._candidate_history: list[np.ndarray] = []
        self._movement: list[np.ndarray] = []  # (m,) mean |Δposition| of each round
        self.forecast = self.protocol.forecast(self.state)
        self.median = self.forecast.copy()
        self.mean = self.forecast.copy()
        self.vetoers: list[list[str]] = [[] for _ in range(m)]
        self.partitions: list[np.ndarray] = [self.state.coalition.copy()]
        self.events_log: list[dict[str, Any]] = []
        self.interactions: list[dict[str, Any]] = []
        self.events_by_round: dict[int, list] = {}
        for ev in self.spec.events:
            self.events_by_round.setdefault(ev.round, []).append(ev)

        for row, record in enumerate(w.actors):
            make_agent(self, row, record)

        model_reporters: dict[str, Any] = {
            "coalitions": lambda mdl: len(coalitions.describe(mdl.state, mdl.houses)),
            "largest_coalition": lambda mdl: int(np.bincount(
                np.unique(mdl.state.coalition, return_inverse=True)[1]).max()),
            "agreed": lambda mdl: int((mdl.settled_round >= 0).sum()),
            "us_engagement": lambda mdl: mdl.world.us_engagement,
        }
        for j, iid in enumerate(w.issue_ids):
            model_reporters[f"forecast_{iid}"] = lambda mdl, j=j: float(mdl.forecast[j])
            model_reporters[f"outcome_{iid}"] = lambda mdl, j=j: float(mdl.outcome[j])
        agent_reporters: dict[str, Any] = {}
        if collect_agents:
            agent_reporters = {"coalition": "coalition_name"}
            for j, iid in enumerate(w.issue_ids):
                agent_reporters[f"pos_{iid}"] = lambda a, j=j: float(
                    a.model.state.position[a.row, j])
        self.datacollector = mesa.DataCollector(
            model_reporters=model_reporters, agent_reporters=agent_reporters)
        self.datacollector.collect(self)

    # -- parameters ------------------------------------------------------------------
    def refresh_preferences(self) -> None:
        """Re-derive ideals, saliences and capabilities after a parameter changed; every
        position moves by as much as its ideal did."""
        ideal, salience = self.world.preferences()
        self.state.position = np.clip(self.state.position + ideal - self.state.ideal, 0, 100)
        self.state.ideal, self.state.salience = ideal, salience
        self.state.capability = self.world.capability()
        self.houses = self.world.houses()

    def set_parameter(self, target: str, value: float | bool, note: str = "") -> None:
        """Apply one scenario event (see :func:`model.scenario.parse_target`)."""
        kind, who, name = parse_target(target, self.world.actor_ids)
        if kind == "param" and name == "us_engagement":
            self.world.us_engagement = float(value)
        elif kind == "param":
            self.world.participation_blockage = bool(value)
        elif kind == "bloc":
            self.world.set_bloc(who, name, float(value))
        elif name == "engagement":
            self.world.us_engagement = float(value)
        else:
            k = self.world.actor_ids.index(who)
            getattr(self.world, name)[k] = float(value)
            if name == "risk":
                self.state.risk[k] = float(value)
        self.refresh_preferences()
        self.log("event", f"{target} = {value}" + (f" ({note})" if note else ""))

    def log(self, kind: str, text: str, **extra: Any) -> None:
        self.events_log.append({"round": self.steps, "kind": kind, "text": text, **extra})

    # -- the round ---------------------------------------------------------------------
    def step(self) -> None:
        for ev in self.events_by_round.get(self.steps, []):
            self.set_parameter(ev.target, ev.value, ev.note)
        before = coalitions.describe(self.state, self.houses)
        coalitions.update(self.state, self.rng, self.coalition_rule)
        coalitions.coordinate(self.state, self.coalition_rule)
        self._log_coalition_changes(before, coalitions.describe(self.state, self.houses))
        before_pos = self.state.position.copy()
        report = self.protocol.step(self.state, self.rng)
        np.clip(self.state.position, self.state.lo, self.state.hi, out=self.state.position)
        self._movement.append(np.average(np.abs(self.state.position - before_pos), axis=0,
                                         weights=self.state.capability + 1e-12))
        self.forecast, self.median, self.mean = report.forecast, report.median, report.mean
        for rec in report.interactions:
            self.interactions.append({"round": self.steps, **rec})
        self._settle()
        self.partitions.append(self.state.coalition.copy())
        self.datacollector.collect(self)
        if (self.settled_round >= 0).all() or self.steps >= self.max_rounds:
            self.running = False
            if self.steps >= self.max_rounds:
                for j in np.flatnonzero(self.settled_round < 0):
                    self.log("deadlock", f"{self.state.issue_ids[j]}: no agreement; vetoed by "
                             f"{', '.join(self.vetoers[j]) or 'nobody (unstable)'}")

    def _settle(self) -> None:
        """Settle issues whose bargaining has stalled.

        Once an issue's forecast has held still (within ``settle_tolerance``) for
        ``settle_rounds`` rounds, it is put to both houses. If it passes, it is the
        agreement. If not, and positions too have stopped moving (bargaining has stalled),
        the agenda setters (bureaucracies) propose the point of the
        win-set they like best (nearest their capability×salience weighted position); a
        win-set that holds only the status quo leaves the issue open (a deadlock if it
        stays so until the last round)."""
        st = self.state
        self._candidate_history.append(self.forecast.copy())
        k = self.settle_rounds
        if len(self._candidate_history) < k:
            return
        recent = np.array(self._candidate_history[-k:])
        still = (recent.max(axis=0) - recent.min(axis=0)) <= self.settle_tolerance
        stalled = still & (np.array(self._movement[-k:]).max(axis=0) <= 0.1 * self.settle_tolerance)
        last = self.steps >= self.max_rounds
        for j in np.flatnonzero(self.settled_round < 0):
            sq = float(st.status_quo[j])
            v = rules.evaluate(self.houses, st.position[:, j], st.salience[:, j], j,
                               float(self.forecast[j]), sq,
                               abstain_salience=self.abstain_salience)
            self.vetoers[j] = v.vetoers(self.houses, st.actor_ids)
            if not (still[j] or last):
                continue
            if v.adopted:
                self._agree(j, float(self.forecast[j]), "forecast")
                continue
            if not (stalled[j] or last):
                continue
            ok = rules.adopted_grid(self.houses, st.position[:, j], st.salience[:, j], j, GRID,
                                    sq, abstain_salience=self.abstain_salience)
            ok &= np.abs(GRID - sq) > 1.0  # more than the status quo again
            if ok.any() and self.setters.any():
                w = st.capability[self.setters] * st.salience[self.setters, j] + 1e-12
                target = float(np.average(st.position[self.setters, j], weights=w))
                wins = GRID[ok]
                self._agree(j, float(wins[np.argmin(np.abs(wins - target))]), "agenda setter")

    def _agree(self, j: int, x: float, source: str) -> None:
        self.outcome[j] = x
        self.settled_round[j] = self.steps
        self.vetoers[j] = []
        self.candidate_source[j] = source
        self.log("agreement", f"{self.state.issue_ids[j]} settled at {x:.1f} ({source})",
                 issue=self.state.issue_ids[j])

    def _log_coalition_changes(self, before: list[dict], after: list[dict]) -> None:
        old = {c["label"]: set(c["members"]) for c in before}
        new = {c["label"]: set(c["members"]) for c in after}
        for lab, mem in new.items():
            if lab not in old:
                self.log("coalition formed", f"{lab}+ formed: {', '.join(sorted(mem))}")
            elif mem != old[lab]:
                joined, left = mem - old[lab], old[lab] - mem
                parts = ([f"joined by {', '.join(sorted(joined))}"] if joined else []) + (
                    [f"left by {', '.join(sorted(left))}"] if left else [])
                self.log("coalition changed", f"{lab}+ " + "; ".join(parts))
        for lab in old.keys() - new.keys():
            self.log("coalition broken", f"{lab}+ broke up")

    # -- convenience -------------------------------------------------------------------
    def run(self) -> EuNatoModel:
        """Step until every issue has settled or the rounds are used up."""
        while self.running:
            self.step()
        return self

    def summary(self) -> dict[str, Any]:
        from model.summary import summarize

        return summarize(self)
